"""``im2col`` and ``col2im`` in the layout of the book's code, given to the chapter 7 exercises.

The book "Deep Learning from Scratch" lays the windows of a batch out as the
*rows* of one matrix::

    col[(n, y, x), (c, i, j)] = x_padded[n, c, y * stride + i, x * stride + j]

shape (N * out_h * out_w, C * filter_h * filter_w): one row a window, in the
order of the images and then of the window positions, its pixels in the
order (channel, row, column) of ``W.reshape(FN, -1)``. ``minidl.layers.im2col``
computes the same numbers laid out per image as columns, shape
(N, C * filter_h * filter_w, out_h * out_w), for one batched matrix product;
the two functions here are that one, transposed.

They are given to the ``convolution`` and ``pooling`` exercises (the
student's own ``im2col.py`` is graded on its own, in the ``im2col``
exercise), and they are the reference the ``im2col`` exercise is checked
against.
"""

from __future__ import annotations

import numpy as np

import minidl.layers.im2col as _per_image
from minidl.layers.im2col import output_size


def im2col(input_data, filter_h, filter_w, stride=1, pad=0, pad_value=0.0):
    """Every ``filter_h x filter_w`` window of a batch of images, one window a row.

    Parameters
    ----------
    input_data : numpy.ndarray, shape (N, C, H, W)
    filter_h, filter_w : int
        The window's height and width.
    stride : int, default 1
    pad : int, default 0
        Rows and columns of ``pad_value`` added on every side first.
    pad_value : float, default 0.0
        0 for a convolution; ``-np.inf`` for max pooling, where a padded
        pixel must never be the maximum.

    Returns
    -------
    numpy.ndarray, shape (N * out_h * out_w, C * filter_h * filter_w)
        Of the dtype of ``input_data``.
    """
    channels = input_data.shape[1]
    col = _per_image.im2col(input_data, filter_h, filter_w, stride, pad, pad_value)
    return col.transpose(0, 2, 1).reshape(-1, channels * filter_h * filter_w)


def col2im(col, input_shape, filter_h, filter_w, stride=1, pad=0):
    """Add every row of ``col`` back onto the pixels it was copied from: the backward pass of :func:`im2col`.

    Parameters
    ----------
    col : numpy.ndarray, shape (N * out_h * out_w, C * filter_h * filter_w)
        Typically the gradient of the loss with respect to ``im2col(x, ...)``.
    input_shape : tuple of int
        (N, C, H, W), the shape of the images given to :func:`im2col`.
    filter_h, filter_w, stride, pad : int
        As given to :func:`im2col`.

    Returns
    -------
    numpy.ndarray, shape (N, C, H, W)
        A pixel that lies in several windows gets the sum of their entries;
        what lands on the padding is dropped.
    """
    batch, channels, height, width = input_shape
    out_h = output_size(height, filter_h, stride, pad)
    out_w = output_size(width, filter_w, stride, pad)
    expected = (batch * out_h * out_w, channels * filter_h * filter_w)
    if np.shape(col) != expected:
        raise ValueError(f"col2im: col has shape {np.shape(col)}, but images of shape {tuple(input_shape)} with a "
                         f"{filter_h}x{filter_w} window, stride {stride} and pad {pad} give {expected} (one row a "
                         "window); are input_shape, stride and pad the ones given to im2col?")
    per_image = col.reshape(batch, out_h * out_w, -1).transpose(0, 2, 1)
    return _per_image.col2im(per_image, input_shape, filter_h, filter_w, stride, pad)
