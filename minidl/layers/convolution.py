"""The convolution layer: filters slid over images, as one matrix product on ``im2col``."""

from __future__ import annotations

import numpy as np

from minidl.layers.im2col import check_images, check_stride_and_pad, col2im, im2col, output_size


class Convolution:
    """A 2-D convolution layer, the layer of the book "Deep Learning from Scratch" chapter 7.

    Parameters
    ----------
    W : numpy.ndarray, shape (filters, channels, filter_h, filter_w)
        The filters, laid out as in the book and in PyTorch. Kept by
        *reference*, as :class:`~minidl.layers.Affine` keeps its weights: an
        optimizer updating the network's ``params["W1"]`` in place updates
        this layer too.
    b : numpy.ndarray, shape (filters,)
        One bias a filter, also kept by reference.
    stride : int, default 1
        Step between neighbouring positions of the filter.
    pad : int, default 0
        Rows and columns of zeros added on every side of the input.
    needs_input_gradient : bool, default True
        Whether :meth:`backward` computes ``dx``; as for
        :class:`~minidl.layers.Affine`, the first layer of a network can skip
        it (its input is the data), which saves a matrix product and
        :func:`~minidl.layers.im2col.col2im`. :meth:`backward` then returns None.

    Attributes
    ----------
    dW, db : numpy.ndarray
        Gradients of the loss with respect to ``W`` and ``b``, set by :meth:`backward`.

    Notes
    -----
    For input ``x`` of shape (N, C, H, W) the output has shape (N, F, out_h,
    out_w) with ``out_h = (H + 2 pad - filter_h) // stride + 1`` (the same for
    the width), and

    .. math:: \\text{out}_{n,f,y,x} = b_f + \\sum_{c,i,j}
              W_{f,c,i,j}\\, x^{\\text{pad}}_{n,c,\\,y s + i,\\,x s + j}

    (a cross-correlation, as in every deep learning framework: the filter is
    not flipped). With ``col = im2col(x)`` of shape (N, C fh fw, out_h out_w)
    and ``W_flat = W.reshape(F, -1)`` this is one matrix product per image,
    ``out_n = W_flat col_n + b``, and backpropagation is that of an affine layer:

    .. math:: \\frac{\\partial L}{\\partial W_{\\text{flat}}} = \\sum_n \\text{dout}_n\\, \\text{col}_n^\\top,
              \\quad \\frac{\\partial L}{\\partial b_f} = \\sum_{n,y,x} \\text{dout}_{n,f,y,x},
              \\quad \\frac{\\partial L}{\\partial \\text{col}_n} = W_{\\text{flat}}^\\top \\text{dout}_n

    and ``dx = col2im(dcol)`` adds each column's gradient back onto the
    pixels it was copied from.
    """

    def __init__(self, W, b, stride=1, pad=0, needs_input_gradient=True):
        if np.ndim(W) != 4 or np.shape(b) != (np.shape(W)[0],):
            raise ValueError(
                "Convolution needs W of shape (filters, channels, filter_h, filter_w) and b of shape (filters,); "
                f"got W {np.shape(W)} and b {np.shape(b)}"
            )
        self.stride, self.pad = check_stride_and_pad(stride, pad, "Convolution")
        self.W = W
        self.b = b
        self.needs_input_gradient = needs_input_gradient
        self.input_shape = None
        self.col = None
        self.dW = None
        self.db = None

    def forward(self, x, train=True):
        """Return the convolution of ``x`` (N, C, H, W), shape (N, F, out_h, out_w). ``train`` is ignored."""
        filters, channels, filter_h, filter_w = self.W.shape
        check_images(x, channels, filter_h, filter_w, self.pad, "Convolution")
        batch, _, height, width = x.shape
        out_h = output_size(height, filter_h, self.stride, self.pad)
        out_w = output_size(width, filter_w, self.stride, self.pad)
        self.input_shape = x.shape
        self.col = im2col(x, filter_h, filter_w, self.stride, self.pad)
        # One matrix product for the whole batch, (F, C fh fw) @ (N, C fh fw, P) -> (N, F, P).
        out = np.matmul(self.W.reshape(filters, -1), self.col)
        out += self.b[:, None]
        return out.reshape(batch, filters, out_h, out_w)

    def backward(self, dout, dW=None, db=None):
        """Store ``dW``, ``db`` and return ``dx`` (shape of the forward input), or None if not needed.

        ``dW`` and ``db``, if given, are arrays of the shapes of ``W`` and
        ``b`` to write the gradients into (as for :meth:`Affine.backward`).
        """
        filters, channels, filter_h, filter_w = self.W.shape
        dout = dout.reshape(dout.shape[0], filters, -1)
        # (N, F, P) @ (N, P, C fh fw) -> (N, F, C fh fw), summed over the images.
        per_image = np.matmul(dout, self.col.transpose(0, 2, 1))
        if dW is None:
            dW = np.empty(self.W.shape, dtype=per_image.dtype)
        per_image.sum(axis=0, out=dW.reshape(filters, -1))
        self.dW = dW
        self.db = dout.sum(axis=(0, 2), out=db)
        if not self.needs_input_gradient:
            return None
        dcol = np.matmul(self.W.reshape(filters, -1).T, dout)
        return col2im(dcol, self.input_shape, filter_h, filter_w, self.stride, self.pad)

    def __repr__(self):
        filters, channels, filter_h, filter_w = self.W.shape
        return (f"Convolution({channels} -> {filters}, {filter_h}x{filter_w}, "
                f"stride={self.stride}, pad={self.pad})")
