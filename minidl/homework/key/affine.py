"""Exercise: the affine (fully connected) layer, forward and backward.

Chapter 5 of the book "Deep Learning from Scratch" builds a network from
layers, each a class with ``forward`` and ``backward``. ``forward`` computes
the layer's output and remembers what ``backward`` will need; ``backward``
takes the gradient of the loss with respect to the output, ``dout``, and
returns the gradient with respect to the input (the chain rule), keeping the
gradients of the parameters as attributes ``dW`` and ``db``.

Check your work with ``minidl homework check .``
"""

import numpy as np


class Affine:
    """A fully connected layer: ``out = x @ W + b``.

    Parameters
    ----------
    W : numpy.ndarray, shape (fan_in, fan_out)
        The weights. Keep this very array (no copy): an optimizer updates the
        network's parameters in place, and the layer must see the change.
    b : numpy.ndarray, shape (fan_out,)
        The biases, kept the same way.

    Attributes
    ----------
    dW : numpy.ndarray, shape (fan_in, fan_out)
        Gradient of the loss with respect to ``W``, set by :meth:`backward`.
    db : numpy.ndarray, shape (fan_out,)
        Gradient of the loss with respect to ``b``, set by :meth:`backward`.

    Notes
    -----
    For a batch ``x`` of N rows, shape (N, fan_in), and the upstream gradient
    ``dout = dL/d(out)``, shape (N, fan_out)::

        out   = x W + b                      shape (N, fan_out)
        dL/dx = dout W^T                     shape (N, fan_in)
        dL/dW = x^T dout                     shape (fan_in, fan_out)
        dL/db = dout summed over the rows    shape (fan_out,)

    Check the shapes: each gradient has the shape of what it is the gradient
    of. The bias is added to every row, so its gradient adds up the rows.

    **Accepted forms**, all full marks: ``np.dot(x, W)`` for ``x @ W``; the
    transposed products (``(W @ dout.T).T`` for ``dout @ W.T``,
    ``(dout.T @ x).T`` for ``x.T @ dout``); ``np.sum(dout, axis=0)``; the
    book's ``Affine`` that flattens ``x`` to (N, -1) and reshapes ``dx`` back.
    """

    def __init__(self, W, b):
        self.W = W
        self.b = b
        self.x = None
        self.dW = None
        self.db = None

    def forward(self, x):
        """Return ``x @ W + b``, shape (N, fan_out), and remember ``x`` for :meth:`backward`."""
        # BEGIN SOLUTION: remember x in self.x, then return x W + b
        self.x = x
        return x @ self.W + self.b
        # END SOLUTION

    def backward(self, dout):
        """Set ``self.dW`` and ``self.db``; return ``dx``, the gradient with respect to ``x``."""
        # BEGIN SOLUTION: dW = x^T dout, db = dout summed over the rows, return dx = dout W^T
        self.dW = self.x.T @ dout
        self.db = dout.sum(axis=0)
        return dout @ self.W.T
        # END SOLUTION
