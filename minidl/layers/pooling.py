"""Max pooling: the largest value of each window, channel by channel."""

from __future__ import annotations

import numpy as np

from minidl.layers.im2col import check_images, check_stride_and_pad, col2im, im2col, output_size
from minidl.settings import check_positive_int


class Pooling:
    """Max pooling over ``pool_h x pool_w`` windows, as in the book "Deep Learning from Scratch" chapter 7.

    Parameters
    ----------
    pool_h, pool_w : int
        Height and width of the window.
    stride : int, optional
        Step between neighbouring windows; by default the window size, so
        that windows tile the image without overlapping (2x2 windows halve
        the height and the width).
    pad : int, default 0
        Rows and columns added on every side. They count as ``-inf``, never
        as the maximum, as in PyTorch's ``max_pool2d``.

    Notes
    -----
    For input ``x`` of shape (N, C, H, W) the output has shape
    (N, C, out_h, out_w) with ``out_h = (H + 2 pad - pool_h) // stride + 1``, and

    .. math:: \\text{out}_{n,c,y,x} = \\max_{i,j}\\; x^{\\text{pad}}_{n,c,\\,y s + i,\\,x s + j}

    The layer has no parameters. The gradient of a maximum flows only to the
    element that was largest: ``backward`` puts each ``dout`` value at the
    place of its window's maximum (the first one when several are equal, as
    PyTorch does) and zero elsewhere, then ``col2im`` adds the windows back
    onto the input (where windows overlap, a pixel may collect several).
    """

    def __init__(self, pool_h, pool_w, stride=None, pad=0):
        self.pool_h = check_positive_int(pool_h, "Pooling pool_h")
        self.pool_w = check_positive_int(pool_w, "Pooling pool_w")
        if stride is None:
            # A stride of the window size tiles the image, whatever the padding.
            stride = self.pool_h if self.pool_h == self.pool_w else None
            if stride is None:
                raise ValueError(f"Pooling with a {self.pool_h}x{self.pool_w} window needs an explicit stride "
                                 "(one stride serves both axes); give stride=")
        self.stride, self.pad = check_stride_and_pad(stride, pad, "Pooling")
        if self.pad > min(self.pool_h, self.pool_w) // 2:
            raise ValueError(f"Pooling pad must be at most half the window ({min(self.pool_h, self.pool_w) // 2} "
                             f"for {self.pool_h}x{self.pool_w}); got {self.pad}: a window of padding only has no maximum")
        self.input_shape = None
        self.argmax = None

    def forward(self, x, train=True):
        """Return the maximum of each window, shape (N, C, out_h, out_w). ``train`` is ignored."""
        check_images(x, None, self.pool_h, self.pool_w, self.pad, "Pooling")
        batch, channels, height, width = x.shape
        out_h = output_size(height, self.pool_h, self.stride, self.pad)
        out_w = output_size(width, self.pool_w, self.stride, self.pad)
        self.input_shape = x.shape
        col = im2col(x, self.pool_h, self.pool_w, self.stride, self.pad, pad_value=-np.inf)
        # (N, C, pool_h pool_w, P): the windows of each channel, one column a window.
        col = col.reshape(batch, channels, self.pool_h * self.pool_w, out_h * out_w)
        self.argmax = col.argmax(axis=2)[:, :, None, :]
        out = np.take_along_axis(col, self.argmax, axis=2)
        return out.reshape(batch, channels, out_h, out_w)

    def backward(self, dout):
        """Return ``dx``: each ``dout`` value at the place of its window's maximum, zero elsewhere."""
        batch, channels = self.input_shape[:2]
        dcol = np.zeros((batch, channels, self.pool_h * self.pool_w, self.argmax.shape[-1]), dtype=dout.dtype)
        np.put_along_axis(dcol, self.argmax, dout.reshape(batch, channels, 1, -1), axis=2)
        return col2im(dcol, self.input_shape, self.pool_h, self.pool_w, self.stride, self.pad)

    def __repr__(self):
        return f"Pooling({self.pool_h}x{self.pool_w}, stride={self.stride}, pad={self.pad})"
