"""Exercise: the sigmoid activation layer, forward and backward.

Chapter 5 of the book "Deep Learning from Scratch". The sigmoid squashes any
number into (0, 1). Its derivative can be written with its own output, so
``forward`` remembers the output and ``backward`` needs nothing else.

Check your work with ``minidl homework check .``
"""

import numpy as np


class Sigmoid:
    """Logistic sigmoid: ``out = 1 / (1 + exp(-x))``, element by element.

    Attributes
    ----------
    out : numpy.ndarray
        The output of the last :meth:`forward`.

    Notes
    -----
    ::

        out   = 1 / (1 + exp(-x))
        dL/dx = dout * out * (1 - out)

    The derivative is at most 1/4 (at x = 0) and vanishes for large ``|x|``:
    that is why deep sigmoid networks learn slowly.

    **Accepted forms**: ``0.5 * (1 + np.tanh(x / 2))`` for the forward (the
    same function, equal to rounding); ``dout * (1 - out) * out``, or the
    derivative recomputed from a remembered ``x``.
    """

    def __init__(self):
        self.out = None

    def forward(self, x):
        """Return ``1 / (1 + exp(-x))`` and remember it in ``self.out``."""
        # BEGIN SOLUTION: out = 1 / (1 + exp(-x)); remember it in self.out and return it
        self.out = 1 / (1 + np.exp(-x))
        return self.out
        # END SOLUTION

    def backward(self, dout):
        """Return ``dout * out * (1 - out)``."""
        # BEGIN SOLUTION: dout times the derivative, written with self.out
        return dout * self.out * (1 - self.out)
        # END SOLUTION
