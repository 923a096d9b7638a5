"""Exercise: the ReLU activation layer, forward and backward.

Chapter 5 of the book "Deep Learning from Scratch". An activation layer has
no parameters: ``forward`` applies a function to every element, ``backward``
multiplies ``dout`` by that function's derivative (the chain rule).

Check your work with ``minidl homework check .``
"""

import numpy as np


class ReLU:
    """Rectified linear unit: ``out = max(x, 0)``, element by element.

    Attributes
    ----------
    mask : numpy.ndarray of bool
        Where the input was positive, remembered by :meth:`forward`.

    Notes
    -----
    ::

        out   = x        where x > 0
                0        elsewhere
        dL/dx = dout     where x > 0
                0        elsewhere

    The gradient passes unchanged where the unit was active and is blocked
    where it was not (the derivative at exactly 0 is taken to be 0).

    Return a *new* array from :meth:`backward`. The book writes
    ``dout[self.mask] = 0``, which changes the caller's ``dout`` in place:
    an array someone else may still be using.

    **Accepted forms**: the mask ``x >= 0`` (it differs only at exactly 0,
    which the checks never draw); the book's ``x <= 0`` mask with
    ``out = x.copy(); out[mask] = 0``; ``np.where``, ``x * (x > 0)``. Refused
    on purpose: the book's ``dout[self.mask] = 0`` in ``backward``, which
    changes the caller's ``dout`` (the check "backward keeps dout" says so).
    """

    def __init__(self):
        self.mask = None

    def forward(self, x):
        """Return ``max(x, 0)`` element by element; remember where ``x > 0``."""
        # BEGIN SOLUTION: remember the mask x > 0, return max(x, 0) (a new array: leave x as it is)
        self.mask = x > 0
        return np.maximum(x, 0)
        # END SOLUTION

    def backward(self, dout):
        """Return ``dout`` where the input was positive and 0 elsewhere, as a new array."""
        # BEGIN SOLUTION: dout times the mask (a new array: leave dout as it is)
        return dout * self.mask
        # END SOLUTION
