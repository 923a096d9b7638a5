"""Max pooling: the largest value of each window, channel by channel."""

from __future__ import annotations

import numpy as np

from minidl.layers.im2col import check_images, check_stride_and_pad, output_size
from minidl.settings import Integer, check, check_positive_int


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
    PyTorch does) and zero elsewhere; where windows overlap, a pixel may
    collect several.

    The windows' pixels at one offset (i, j) of the window form a strided
    view of the input, ``x[:, :, i::stride, j::stride]`` (the rows of
    ``im2col``, uncopied). So the maximum is taken offset by offset, a loop
    over the ``pool_h * pool_w`` offsets (4 for 2x2) with whole-batch array
    operations inside, never over images or pixels; it remembers which
    offset won. Copying the windows out first (``im2col``) and calling
    ``argmax`` is the same computation, several times slower.
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
        self.stride, pad = check_stride_and_pad(stride, pad, "Pooling")
        self.pad = check(pad, Integer(0, min(self.pool_h, self.pool_w) // 2,
                                      note=f"at most half the {self.pool_h}x{self.pool_w} window"),
                         "Pooling pad", fix="a window of padding only has no maximum")
        self.input_shape = None
        self.argmax = None

    def forward(self, x, train=True):
        """Return the maximum of each window, shape (N, C, out_h, out_w). ``train`` is ignored."""
        check_images(x, None, self.pool_h, self.pool_w, self.pad, "Pooling")
        self.input_shape = x.shape
        if self.pad:
            x = np.pad(x, ((0, 0), (0, 0), (self.pad, self.pad), (self.pad, self.pad)), constant_values=-np.inf)
        offsets = self._offsets()
        out = x[offsets[0]].copy()
        # Which offset in the window holds the maximum; a uint8 is a quarter of a float32.
        self.argmax = np.zeros(out.shape, dtype=np.uint8)
        for number, window_slice in enumerate(offsets[1:], start=1):
            candidate = x[window_slice]
            # Strictly greater: of equal values the first one stays the maximum. The offsets
            # come in increasing order, so "argmax becomes number where greater" is a maximum.
            greater = candidate > out
            np.maximum(self.argmax, greater.view(np.uint8) * np.uint8(number), out=self.argmax)
            np.maximum(out, candidate, out=out)
        return out

    def backward(self, dout):
        """Return ``dx``: each ``dout`` value at the place of its window's maximum, zero elsewhere."""
        batch, channels, height, width = self.input_shape
        padded = np.zeros((batch, channels, height + 2 * self.pad, width + 2 * self.pad), dtype=dout.dtype)
        overlapping = self.stride < max(self.pool_h, self.pool_w)
        for number, window_slice in enumerate(self._offsets()):
            won = self.argmax == number
            if overlapping:  # a pixel may be the maximum of several windows
                padded[window_slice] += dout * won
            else:
                np.multiply(dout, won, out=padded[window_slice])
        return padded[:, :, self.pad : self.pad + height, self.pad : self.pad + width]

    def _offsets(self):
        """For each offset (i, j) in the window, the slice of the padded input it takes from every window.

        ``x[slices[k]][n, c, y, x]`` is the pixel at offset k = i * pool_w + j
        of window (y, x): ``x_padded[n, c, y * stride + i, x * stride + j]``.
        These are the rows of ``im2col(x, pool_h, pool_w, stride, pad)``,
        taken as strided views instead of copies.
        """
        batch, channels, height, width = self.input_shape
        out_h = output_size(height, self.pool_h, self.stride, self.pad)
        out_w = output_size(width, self.pool_w, self.stride, self.pad)
        everything = slice(None)
        return [(everything, everything, slice(i, i + self.stride * (out_h - 1) + 1, self.stride),
                 slice(j, j + self.stride * (out_w - 1) + 1, self.stride))
                for i in range(self.pool_h) for j in range(self.pool_w)]

    def __repr__(self):
        return f"Pooling({self.pool_h}x{self.pool_w}, stride={self.stride}, pad={self.pad})"
