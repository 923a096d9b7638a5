"""Exercise: the convolution layer, forward and backward, on ``im2col``.

Chapter 7 of the book "Deep Learning from Scratch". With every window of the
input copied into a row of ``col`` (``im2col``), a convolution is an affine
layer: ``col @ col_W + b``, one row a window, one column a filter. Its
backward pass is the affine layer's, followed by ``col2im``.

``im2col`` and ``col2im`` come from minidl (``minidl.homework.book_layout``,
the book's layout), not from your ``im2col.py``, so this exercise is graded
on its own: a slip there costs points in the ``im2col`` exercise, not here.

Check your work with ``minidl homework check .``
"""

import numpy as np

from minidl.homework.book_layout import col2im, im2col


class Convolution:
    """A 2-D convolution: ``FN`` filters of shape (C, FH, FW) slid over images of C channels.

    Parameters
    ----------
    W : numpy.ndarray, shape (FN, C, FH, FW)
        The filters. Keep this very array (no copy): an optimizer updates it
        in place.
    b : numpy.ndarray, shape (FN,)
        One bias a filter.
    stride : int, default 1
    pad : int, default 0
        Rows and columns of zeros added on every side of the input.

    Attributes
    ----------
    dW : numpy.ndarray, shape (FN, C, FH, FW)
    db : numpy.ndarray, shape (FN,)
        Gradients of the loss, set by :meth:`backward`.

    Notes
    -----
    For ``x`` of shape (N, C, H, W), ``out_h = (H + 2 pad - FH) // stride + 1``
    (and ``out_w`` alike), and::

        col   = im2col(x, FH, FW, stride, pad)        (N out_h out_w, C FH FW)
        col_W = W.reshape(FN, -1).T                   (C FH FW, FN)
        out   = col @ col_W + b                       (N out_h out_w, FN)
              -> reshape (N, out_h, out_w, FN) -> transpose to (N, FN, out_h, out_w)

    ``W.reshape(FN, -1)`` keeps each filter in one row, its entries in the
    order (channel, row, column) of ``col``'s columns; transposing it makes
    one column a filter. Backward, with ``dout`` brought to the layout of
    ``out`` before the reshape (N out_h out_w, FN)::

        db   = dout summed over the rows                        (FN,)
        dW   = col^T dout  (C FH FW, FN) -> transpose -> reshape to (FN, C, FH, FW)
        dcol = dout col_W^T                                     (N out_h out_w, C FH FW)
        dx   = col2im(dcol, x.shape, FH, FW, stride, pad)       (N, C, H, W)

    ``col2im`` needs the stride and the padding of the forward pass, and it
    adds up the gradients of a pixel that lies in several windows.

    **Accepted forms**, all full marks: the book's (``np.dot``,
    ``self.dW.transpose(1, 0).reshape(FN, C, FH, FW)``); ``dW = (dout.T @
    col).reshape(W.shape)``; ``np.einsum`` or ``np.tensordot`` for the
    products; an output computed as ``W.reshape(FN, -1) @ col.T``, reshaped
    to (FN, N, out_h, out_w) and transposed.
    """

    def __init__(self, W, b, stride=1, pad=0):
        self.W = W
        self.b = b
        self.stride = stride
        self.pad = pad
        self.x = None
        self.col = None
        self.col_W = None
        self.dW = None
        self.db = None

    def forward(self, x):
        """Return the convolution of ``x``, shape (N, FN, out_h, out_w); remember what backward needs."""
        FN, C, FH, FW = self.W.shape
        N, C, H, W = x.shape
        out_h = (H + 2 * self.pad - FH) // self.stride + 1
        out_w = (W + 2 * self.pad - FW) // self.stride + 1
        # BEGIN SOLUTION: col = im2col(...), col_W (a filter a column), col col_W + b to (N, FN, out_h, out_w); keep x, col, col_W
        col = im2col(x, FH, FW, self.stride, self.pad)
        col_W = self.W.reshape(FN, -1).T
        out = col @ col_W + self.b
        self.x, self.col, self.col_W = x, col, col_W
        return out.reshape(N, out_h, out_w, FN).transpose(0, 3, 1, 2)
        # END SOLUTION

    def backward(self, dout):
        """Set ``self.dW`` and ``self.db``; return ``dx``, of the shape of the forward pass's ``x``."""
        FN, C, FH, FW = self.W.shape
        # BEGIN SOLUTION: dout to (N out_h out_w, FN); db; dW (transposed, reshaped to W's shape); dcol; return col2im(dcol, ...)
        dout = dout.transpose(0, 2, 3, 1).reshape(-1, FN)
        self.db = dout.sum(axis=0)
        self.dW = (self.col.T @ dout).transpose(1, 0).reshape(FN, C, FH, FW)
        dcol = dout @ self.col_W.T
        return col2im(dcol, self.x.shape, FH, FW, self.stride, self.pad)
        # END SOLUTION
