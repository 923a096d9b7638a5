"""Layers of one's own, the small ones the tests of several parts of minidl train, check, save and refuse.

A layer is any class with ``forward(x, train=True)`` and ``backward(dout)``
(:mod:`minidl.layers.protocol`); these are the smallest that show what the
protocol allows, and what it refuses, in a user's own code. pytest finds
this folder through the ``pythonpath`` option of ``pyproject.toml``: a test
writes ``from toys import Swish``.
"""

import numpy as np


class Swish:
    """An activation of one's own, ``x * sigmoid(x)``: no parameter, not registered, unknown to every export.

    Notes
    -----
    With ``s = sigmoid(x)``, ``d(x s)/dx = s + x s (1 - s) = s (1 + x (1 - s))``.
    """

    def forward(self, x, train=True):
        self.x = x
        return x / (1.0 + np.exp(-x))

    def backward(self, dout):
        sigmoid = 1.0 / (1.0 + np.exp(-self.x))
        return dout * sigmoid * (1.0 + self.x * (1.0 - sigmoid))


class Scale:
    """A layer of one's own with a parameter ``a`` (one factor a feature) and its gradient ``da``.

    Notes
    -----
    ``out = x * a`` row by row, so ``dL/dx = dout * a`` and ``dL/da`` sums
    ``dout * x`` over the batch.
    """

    def __init__(self, a):
        self.a = a
        self.da = None

    def forward(self, x, train=True):
        self.x = x
        return x * self.a

    def backward(self, dout):
        self.da = (dout * self.x).sum(axis=0)
        return dout * self.a


class Forgetful(Scale):
    """:class:`Scale` whose ``backward`` forgets to keep the gradient of its parameter: ``da`` stays None."""

    def backward(self, dout):
        return dout * self.a
