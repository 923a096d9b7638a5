"""The affine (fully connected) layer: ``out = x @ W + b``."""

from __future__ import annotations

import numpy as np


class Affine:
    """A fully connected layer, the workhorse of a multilayer perceptron.

    Parameters
    ----------
    W : numpy.ndarray, shape (fan_in, fan_out)
        The weights. The layer keeps a *reference* to this array, not a copy:
        an optimizer that updates the network's ``params["W1"]`` in place
        updates this layer too.
    b : numpy.ndarray, shape (fan_out,)
        The biases, also kept by reference.
    needs_input_gradient : bool, default True
        Whether :meth:`backward` computes ``dx``. The first layer of a network
        has the data as input, whose gradient nobody uses; skipping it saves a
        matrix product as large as the one for ``dW`` (PyTorch does the same
        for inputs that do not require a gradient). :meth:`backward` then
        returns ``None``.

    Attributes
    ----------
    dW, db : numpy.ndarray
        Gradients of the loss with respect to ``W`` and ``b``, set by :meth:`backward`.

    Notes
    -----
    For a batch ``x`` of shape (N, fan_in) and an upstream gradient
    ``dout = dL/d(out)`` of shape (N, fan_out):

    .. math:: \\text{out} = xW + b, \\quad
              \\frac{\\partial L}{\\partial x} = \\text{dout}\\, W^\\top, \\quad
              \\frac{\\partial L}{\\partial W} = x^\\top \\text{dout}, \\quad
              \\frac{\\partial L}{\\partial b} = \\sum_n \\text{dout}_n

    The bias is added to every row, so its gradient sums over the rows. An
    input of shape (N, d1, d2, ...) (images) is flattened to (N, d1*d2*...),
    and ``dx`` is given back in the original shape.
    """

    def __init__(self, W, b, needs_input_gradient=True):
        if W.ndim != 2 or b.shape != (W.shape[1],):
            raise ValueError(
                f"Affine needs W of shape (fan_in, fan_out) and b of shape (fan_out,); "
                f"got W {W.shape} and b {b.shape}"
            )
        self.W = W
        self.b = b
        self.needs_input_gradient = needs_input_gradient
        self.x = None
        self.input_shape = None
        self.dW = None
        self.db = None

    def forward(self, x, train=True):
        """Return ``x @ W + b``, shape (N, fan_out). ``train`` is ignored (no train/eval difference)."""
        self.input_shape = x.shape
        self.x = x.reshape(x.shape[0], -1)
        if self.x.shape[1] != self.W.shape[0]:
            raise ValueError(
                f"Affine layer expects {self.W.shape[0]} input features, "
                f"got input of shape {x.shape} ({self.x.shape[1]} features)"
            )
        out = self.x @ self.W
        # In place: adding the bias into the fresh product avoids a second (N, fan_out) array.
        out += self.b
        return out

    def backward(self, dout, dW=None, db=None):
        """Store ``dW``, ``db`` and return ``dx`` (shape of the forward input), or None if not needed.

        ``dW`` and ``db``, if given, are arrays of the shapes of ``W`` and
        ``b`` to write the gradients into (the MLP passes views of one flat
        gradient buffer, see :class:`minidl.flat.FlatArrays`); by default
        they are new arrays.
        """
        self.dW = np.matmul(self.x.T, dout, out=dW)
        self.db = dout.sum(axis=0, out=db)
        if not self.needs_input_gradient:
            return None
        return (dout @ self.W.T).reshape(self.input_shape)

    def __repr__(self):
        return f"Affine({self.W.shape[0]} -> {self.W.shape[1]})"
