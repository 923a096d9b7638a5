"""Activation layers: the non-linearities between affine layers.

Without them a stack of affine layers collapses into a single affine map
(``(x W1) W2 = x (W1 W2)``), however deep. Each class here applies a function
element-wise in :meth:`forward` and multiplies the upstream gradient by that
function's derivative in :meth:`backward` (the chain rule). They have no
parameters, and behave the same in training and evaluation.
"""

from __future__ import annotations

import numpy as np


class ReLU:
    """Rectified linear unit, ``max(x, 0)``: the default for hidden layers.

    Notes
    -----
    .. math:: \\mathrm{relu}(x) = \\max(x, 0), \\qquad
              \\frac{\\partial L}{\\partial x} = \\text{dout} \\cdot [x > 0]

    The gradient passes unchanged where the unit was active and is blocked
    where it was not. Its derivative at exactly 0 is taken to be 0. Unlike
    sigmoid and tanh, the active side never saturates, so gradients do not
    shrink layer after layer.
    """

    def __init__(self):
        self.mask = None

    def forward(self, x, train=True):
        out = np.maximum(x, 0)
        # A boolean mask is a quarter of the size of a float32 copy of x.
        self.mask = out > 0
        return out

    def backward(self, dout):
        return dout * self.mask

    def __repr__(self):
        return "ReLU()"


class Sigmoid:
    """Logistic sigmoid, ``1 / (1 + exp(-x))``, squashing any number into (0, 1).

    Notes
    -----
    .. math:: \\sigma(x) = \\frac{1}{1 + e^{-x}} = \\frac{1 + \\tanh(x / 2)}{2}, \\qquad
              \\frac{\\partial L}{\\partial x} = \\text{dout} \\cdot \\sigma(x)\\,(1 - \\sigma(x))

    We evaluate the right-hand form: ``exp(-x)`` overflows to infinity for
    ``x < -88`` in float32, while ``tanh`` stays within [-1, 1] for every
    input. The derivative is at most 1/4 (at 0) and vanishes for large
    ``|x|``, which is why deep sigmoid networks learn slowly.
    """

    def __init__(self):
        self.out = None

    def forward(self, x, train=True):
        out = np.tanh(x * 0.5)
        # In place on our own temporary; Python floats keep float32 as float32.
        out *= 0.5
        out += 0.5
        self.out = out
        return out

    def backward(self, dout):
        return dout * self.out * (1.0 - self.out)

    def __repr__(self):
        return "Sigmoid()"


class Tanh:
    """Hyperbolic tangent, squashing any number into (-1, 1), centred on 0.

    Notes
    -----
    .. math:: \\tanh(x) = \\frac{e^x - e^{-x}}{e^x + e^{-x}} = 2\\sigma(2x) - 1, \\qquad
              \\frac{\\partial L}{\\partial x} = \\text{dout} \\cdot (1 - \\tanh^2(x))

    Being zero-centred, its outputs make a better input for the next layer
    than sigmoid's, though it saturates for large ``|x|`` just the same.
    """

    def __init__(self):
        self.out = None

    def forward(self, x, train=True):
        self.out = np.tanh(x)
        return self.out

    def backward(self, dout):
        return dout * (1.0 - self.out * self.out)

    def __repr__(self):
        return "Tanh()"


#: Activation name (as given to ``MLP(activation=...)``) -> layer class.
ACTIVATIONS = {"relu": ReLU, "sigmoid": Sigmoid, "tanh": Tanh}
