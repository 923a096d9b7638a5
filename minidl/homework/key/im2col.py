"""Exercise: ``im2col`` and ``col2im``, a convolution turned into one matrix product.

Chapter 7 of the book "Deep Learning from Scratch". A convolution slides each
filter over the image and takes, at every position, the dot product of the
filter with the window under it. ``im2col`` ("image to columns") copies every
window into one row of a matrix; the convolution of all filters at all
positions is then a single matrix product. ``col2im`` goes back, for the
backward pass: it adds each row onto the pixels it was copied from.

Check your work with ``minidl homework check .``
"""

import numpy as np


def output_size(size, filter_size, stride, pad):
    """Window positions along one axis: ``(size + 2 pad - filter_size) // stride + 1``."""
    return (size + 2 * pad - filter_size) // stride + 1


def im2col(input_data, filter_h, filter_w, stride=1, pad=0):
    """Copy every ``filter_h x filter_w`` window of a batch of images into one row of a matrix.

    Parameters
    ----------
    input_data : numpy.ndarray, shape (N, C, H, W)
        N images of C channels.
    filter_h, filter_w : int
        The window's height and width (they may differ).
    stride : int, default 1
        Step between neighbouring windows, along both axes.
    pad : int, default 0
        Rows and columns of zeros added on every side first.

    Returns
    -------
    numpy.ndarray, shape (N * out_h * out_w, C * filter_h * filter_w)
        ::

            col[(n, y, x), (c, i, j)] = x_padded[n, c, y * stride + i, x * stride + j]

        One row a window, the windows of image 0 first, each image's row by
        row (y, then x); in a row, the window's pixels in the order (channel,
        filter row, filter column), the order of ``W.reshape(FN, -1)``, so
        that ``col @ W.reshape(FN, -1).T`` is the convolution.

    Notes
    -----
    The book's way: an array ``col`` of shape (N, C, filter_h, filter_w,
    out_h, out_w), filled offset by offset in the window (two loops over
    ``i`` and ``j``, each copying a strided slice of the padded image,
    ``img[:, :, i : i + stride * out_h : stride, j : j + stride * out_w :
    stride]``), then transposed so that the axes of a window's position (N,
    out_h, out_w) come first and those of its pixels (C, filter_h,
    filter_w) last, and reshaped to two dimensions. The order of the axes in
    that transpose is the whole difficulty: a reshape never moves a number,
    it only regroups them in the order they lie.

    **Accepted forms**, all full marks: the book's (``np.zeros`` of the
    6-D array, its two loops, ``transpose(0, 4, 5, 1, 2, 3)``); a loop over
    the windows instead of the offsets; ``sliding_window_view``. Not
    accepted: the layout of ``minidl.layers.im2col``, shape (N, C * filter_h
    * filter_w, out_h * out_w), which is the same numbers transposed image
    by image: this exercise, like the book and its ``Convolution``, wants
    one row a window.
    """
    # BEGIN SOLUTION: pad, fill col (N, C, filter_h, filter_w, out_h, out_w) offset by offset, then transpose and reshape
    batch, channels, height, width = input_data.shape
    out_h = output_size(height, filter_h, stride, pad)
    out_w = output_size(width, filter_w, stride, pad)
    img = np.pad(input_data, [(0, 0), (0, 0), (pad, pad), (pad, pad)])
    col = np.zeros((batch, channels, filter_h, filter_w, out_h, out_w), dtype=input_data.dtype)
    for i in range(filter_h):
        for j in range(filter_w):
            col[:, :, i, j, :, :] = img[:, :, i : i + stride * out_h : stride, j : j + stride * out_w : stride]
    return col.transpose(0, 4, 5, 1, 2, 3).reshape(batch * out_h * out_w, -1)
    # END SOLUTION


def col2im(col, input_shape, filter_h, filter_w, stride=1, pad=0):
    """Add every row of ``col`` back onto the pixels it came from: the backward pass of :func:`im2col`.

    Parameters
    ----------
    col : numpy.ndarray, shape (N * out_h * out_w, C * filter_h * filter_w)
        One value for each entry of ``im2col(x, ...)``, usually the gradient
        of the loss with respect to it.
    input_shape : tuple of int
        (N, C, H, W), the shape of the images given to :func:`im2col`.
    filter_h, filter_w, stride, pad : int
        As given to :func:`im2col`.

    Returns
    -------
    numpy.ndarray, shape (N, C, H, W)
        ``dx[n, c, h, w]``: the sum of the entries of ``col`` that
        :func:`im2col` copied from pixel (h, w) of channel c of image n.

    Notes
    -----
    Backpropagation through a copy is a sum: a pixel copied into k windows
    acts on the loss through all k of them, so its gradient adds up k
    entries of ``col`` (``+=``, never ``=``: with a stride smaller than the
    window, windows overlap). Undo the reshape and the transpose of
    :func:`im2col`, add the slices back in the same two loops onto a padded
    image of zeros, and cut the padding off at the end: it is a constant,
    not an input, and ``dx`` has the shape of ``x``.

    **Accepted forms**: the book's (an image ``stride - 1`` rows and columns
    larger than needed, cut to size); ``np.add.at``; a loop over the windows.
    """
    # BEGIN SOLUTION: col back to (N, C, filter_h, filter_w, out_h, out_w); add each offset's slice onto padded zeros; crop
    batch, channels, height, width = input_shape
    out_h = output_size(height, filter_h, stride, pad)
    out_w = output_size(width, filter_w, stride, pad)
    col = col.reshape(batch, out_h, out_w, channels, filter_h, filter_w).transpose(0, 3, 4, 5, 1, 2)
    img = np.zeros((batch, channels, height + 2 * pad, width + 2 * pad), dtype=col.dtype)
    for i in range(filter_h):
        for j in range(filter_w):
            img[:, :, i : i + stride * out_h : stride, j : j + stride * out_w : stride] += col[:, :, i, j, :, :]
    return img[:, :, pad : pad + height, pad : pad + width]
    # END SOLUTION
