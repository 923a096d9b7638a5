"""``im2col`` and ``col2im``: a convolution as one matrix product.

A convolution slides each filter over the image and, at every position, takes
the dot product of the filter with the window under it. Done pixel by pixel
that is six nested loops. ``im2col`` ("image to columns") instead copies every
window into a column of a matrix once; the convolution of all filters at all
positions is then a single matrix product, which BLAS computes at full speed.
``col2im`` goes the other way, for the backward pass: it adds each column back
onto the pixels it was copied from.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from minidl.settings import Integer, check, check_positive_int


def output_size(size, filter_size, stride, pad):
    """Number of window positions along one axis: ``(size + 2 pad - filter_size) // stride + 1``.

    Windows that would run past the (padded) edge are not taken, as in the
    book "Deep Learning from Scratch" and in PyTorch.
    """
    return (size + 2 * pad - filter_size) // stride + 1


def im2col(x, filter_h, filter_w, stride=1, pad=0, pad_value=0.0):
    """Copy every ``filter_h x filter_w`` window of a batch of images into the columns of a matrix.

    Parameters
    ----------
    x : numpy.ndarray, shape (N, C, H, W)
        A batch of N images of C channels (1 for grey, 3 for colour).
    filter_h, filter_w : int
        Height and width of the window.
    stride : int, default 1
        Step between neighbouring windows, the same along both axes.
    pad : int, default 0
        Rows and columns of ``pad_value`` added on every side first.
    pad_value : float, default 0.0
        The value of the padding: 0 for a convolution, ``-inf`` for max pooling
        (a padded pixel must never be the maximum).

    Returns
    -------
    numpy.ndarray, shape (N, C * filter_h * filter_w, out_h * out_w)
        ``col[n, (c, i, j), (y, x)] = x_padded[n, c, y * stride + i, x * stride + j]``:
        for each image, one column per window position ``(y, x)``, holding the
        window's C * filter_h * filter_w pixels in the order (channel, row,
        column), the order of ``W.reshape(filters, -1)``. ``out_h`` and ``out_w``
        are given by :func:`output_size`.

    Notes
    -----
    With ``W`` of shape (F, C, filter_h, filter_w), the convolution of the
    batch is the product, for each image n,

    .. math:: \\text{out}_n = W_{\\text{flat}} \\, \\text{col}_n, \\qquad
              W_{\\text{flat}} \\in \\mathbb{R}^{F \\times C f_h f_w}, \\;
              \\text{col}_n \\in \\mathbb{R}^{C f_h f_w \\times \\text{out}_h \\text{out}_w}

    which is ``out`` of shape (N, F, out_h, out_w) once reshaped.

    Nothing is looped over in Python. ``sliding_window_view`` gives every
    window as a *view* of shape (N, C, H', W', filter_h, filter_w) (no pixel is
    copied; neighbouring windows share memory), slicing with ``stride`` keeps
    every stride-th window, and a single copy lays the windows out as
    columns. Each pixel then appears in up to ``filter_h * filter_w`` columns:
    the matrix is that much larger than the image, the price of one fast
    matrix product.
    """
    batch, channels, height, width = x.shape
    out_h = output_size(height, filter_h, stride, pad)
    out_w = output_size(width, filter_w, stride, pad)
    if pad:
        x = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)), constant_values=pad_value)
    windows = sliding_window_view(x, (filter_h, filter_w), axis=(2, 3))[:, :, ::stride, ::stride]
    windows = windows[:, :, :out_h, :out_w]  # (N, C, out_h, out_w, filter_h, filter_w), a view
    col = np.empty((batch, channels, filter_h, filter_w, out_h, out_w), dtype=x.dtype)
    # The one copy. Its inner axis runs along the image rows, so it reads memory in order.
    col[...] = windows.transpose(0, 1, 4, 5, 2, 3)
    return col.reshape(batch, channels * filter_h * filter_w, out_h * out_w)


def col2im(col, input_shape, filter_h, filter_w, stride=1, pad=0):
    """Add every column back onto the pixels it came from: the adjoint of :func:`im2col`.

    Parameters
    ----------
    col : numpy.ndarray, shape (N, C * filter_h * filter_w, out_h * out_w)
        One value for each entry of ``im2col(x, ...)``, typically the gradient
        of the loss with respect to it.
    input_shape : tuple of int
        (N, C, H, W), the shape of the ``x`` given to :func:`im2col`.
    filter_h, filter_w, stride, pad : int
        As given to :func:`im2col`.

    Returns
    -------
    numpy.ndarray, shape (N, C, H, W)
        ``dx[n, c, h, w]`` is the sum of the entries of ``col`` that
        :func:`im2col` copied from pixel (h, w) of channel c of image n.

    Notes
    -----
    Backpropagation through a copy is a sum: a pixel copied into k columns
    influences the loss through all k of them, so

    .. math:: \\frac{\\partial L}{\\partial x_{n,c,h,w}} =
              \\sum_{(i, j, y, x)\\,:\\; y s + i = h + p,\\; x s + j = w + p}
              \\frac{\\partial L}{\\partial \\text{col}_{n,(c,i,j),(y,x)}}

    with s the stride and p the padding. Gradients that land on the padding
    are dropped at the end (the padding is a constant, not an input).

    The loop runs over the ``filter_h * filter_w`` offsets (i, j) in the
    window, never over images or pixels: for a fixed offset, the entries of
    ``col`` go to a strided slice of the image, one vectorised addition each.
    (Sliding windows cannot be written into: their views overlap. ``np.add.at``
    on a table of the target index of every entry does it without a loop, in
    about the same time with numpy 2, but the table is an int64 array as
    large as ``col`` to build and keep; see docs/performance.md.)
    """
    batch, channels, height, width = input_shape
    out_h = output_size(height, filter_h, stride, pad)
    out_w = output_size(width, filter_w, stride, pad)
    col = col.reshape(batch, channels, filter_h, filter_w, out_h, out_w)
    padded = np.zeros((batch, channels, height + 2 * pad, width + 2 * pad), dtype=col.dtype)
    for i in range(filter_h):
        rows = slice(i, i + stride * out_h, stride)
        for j in range(filter_w):
            padded[:, :, rows, j : j + stride * out_w : stride] += col[:, :, i, j]
    return padded[:, :, pad : pad + height, pad : pad + width]


def check_stride_and_pad(stride, pad, layer):
    """Return ``(stride, pad)`` as ints if stride >= 1 and pad >= 0, else raise ``ValueError``."""
    stride = check_positive_int(stride, f"{layer} stride")
    return stride, check(pad, Integer(0), f"{layer} pad")


def check_images(x, channels, filter_h, filter_w, pad, layer):
    """Raise a ``ValueError`` unless ``x`` is a batch (N, C, H, W) into which the window fits."""
    expected = f"(N, {channels}, H, W)" if channels is not None else "(N, C, H, W)"
    if np.ndim(x) != 4:
        fix = " (add a channel axis: x.reshape(N, 1, H, W))" if np.ndim(x) in (2, 3) else ""
        raise ValueError(f"{layer} expects images of shape {expected}; got an array of shape {np.shape(x)}{fix}")
    if channels is not None and x.shape[1] != channels:
        raise ValueError(f"{layer} expects images of shape {expected} ({channels} channels); "
                         f"got shape {x.shape} ({x.shape[1]} channels)")
    height, width = x.shape[2] + 2 * pad, x.shape[3] + 2 * pad
    if height < filter_h or width < filter_w:
        raise ValueError(f"{layer}'s {filter_h}x{filter_w} window does not fit into images of {x.shape[2]}x"
                         f"{x.shape[3]} pixels with pad {pad} ({height}x{width} padded); give larger images, "
                         "a smaller window or more padding")
