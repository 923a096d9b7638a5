"""Exercise: max pooling, forward and backward, on ``im2col``.

Chapter 7 of the book "Deep Learning from Scratch". Max pooling keeps the
largest value of each window, channel by channel; its gradient flows only to
the pixel that was the largest.

``im2col`` and ``col2im`` come from minidl (``minidl.homework.book_layout``,
the book's layout), not from your ``im2col.py``, so this exercise is graded
on its own.

Check your work with ``minidl homework check .``
"""

import numpy as np

from minidl.homework.book_layout import col2im, im2col


class Pooling:
    """Max pooling over ``pool_h x pool_w`` windows; no parameters.

    Parameters
    ----------
    pool_h, pool_w : int
        The window's height and width (they may differ).
    stride : int, default 1
        Step between windows (the book's default; 2x2 pooling usually takes
        ``stride=2``). A stride smaller than the window makes windows overlap.
    pad : int, default 0
        Rows and columns added on every side; they count as ``-inf``.

    Attributes
    ----------
    arg_max : numpy.ndarray of int
        For each window (and channel), where in the window its maximum was.

    Notes
    -----
    For ``x`` of shape (N, C, H, W), ``out_h = (H + 2 pad - pool_h) // stride + 1``::

        col = im2col(x, pool_h, pool_w, stride, pad, pad_value=-np.inf)
                                   (N out_h out_w, C pool_h pool_w)
            -> reshape to (N out_h out_w C, pool_h pool_w): one row a window of one channel
        out = the maximum of each row -> reshape (N, out_h, out_w, C) -> transpose to (N, C, out_h, out_w)

    Backward: each ``dout`` value goes to the place of its window's maximum,
    zero to the window's other pixels, then ``col2im`` (which adds up what a
    pixel gets from overlapping windows) gives ``dx``.

    **Padding counts as -inf**, as in PyTorch's ``max_pool2d`` and minidl's
    ``Pooling``: a padded pixel is never the maximum. The book's code pads
    with zeros (``im2col``'s default), which changes the maximum of a window
    at the edge whose pixels are all negative; that form is refused (one
    hidden check uses padding), with this reason as its hint. After a ReLU,
    as in the book's network, the two agree.

    **Ties.** When several pixels of a window share its maximum, the maximum
    has no derivative there: raising any one of them raises it, at rate 1,
    only if the others stay behind. Any split of ``dout`` among the tied
    pixels, in shares that add up to 1, is a gradient of the maximum in the
    wider sense (a subgradient), and the check on ties accepts every such
    split: all of ``dout`` to the first of them (``np.argmax``, PyTorch, the
    book), to the last, or an equal share each (``mask / mask.sum()``). It
    refuses the whole of ``dout`` to each tied pixel (a mask ``x == max``
    alone): raise all the tied pixels together by ``e`` and the maximum
    rises by ``e``, while that gradient says ``k e`` for k of them.

    **Accepted forms**, all full marks: the book's (``np.argmax`` and
    ``np.max`` over the rows, ``dmax[np.arange(...), arg_max.flatten()] =
    dout.flatten()``); ``np.put_along_axis``; the splits of ties above.
    """

    def __init__(self, pool_h, pool_w, stride=1, pad=0):
        self.pool_h = pool_h
        self.pool_w = pool_w
        self.stride = stride
        self.pad = pad
        self.x = None
        self.arg_max = None

    def forward(self, x):
        """Return the maximum of each window, shape (N, C, out_h, out_w); remember where it was."""
        N, C, H, W = x.shape
        out_h = (H + 2 * self.pad - self.pool_h) // self.stride + 1
        out_w = (W + 2 * self.pad - self.pool_w) // self.stride + 1
        # BEGIN SOLUTION: im2col(..., pad_value=-np.inf), one row a window of one channel; arg_max, max; to (N, C, out_h, out_w)
        col = im2col(x, self.pool_h, self.pool_w, self.stride, self.pad, pad_value=-np.inf)
        col = col.reshape(-1, self.pool_h * self.pool_w)
        self.x = x
        self.arg_max = np.argmax(col, axis=1)
        out = np.max(col, axis=1)
        return out.reshape(N, out_h, out_w, C).transpose(0, 3, 1, 2)
        # END SOLUTION

    def backward(self, dout):
        """Return ``dx``: each ``dout`` value at the place of its window's maximum, the sum where windows overlap."""
        # BEGIN SOLUTION: dout to (N, out_h, out_w, C); each value at its arg_max in a zero array; reshaped like col; col2im
        dout = dout.transpose(0, 2, 3, 1)
        pool_size = self.pool_h * self.pool_w
        dmax = np.zeros((dout.size, pool_size), dtype=dout.dtype)
        dmax[np.arange(self.arg_max.size), self.arg_max.flatten()] = dout.flatten()
        dcol = dmax.reshape(dout.shape[0] * dout.shape[1] * dout.shape[2], -1)
        return col2im(dcol, self.x.shape, self.pool_h, self.pool_w, self.stride, self.pad)
        # END SOLUTION
