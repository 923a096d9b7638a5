"""Exercise: AdaGrad, a learning rate for every weight.

Chapter 6 of the book "Deep Learning from Scratch". AdaGrad divides each
weight's step by the root of the sum of that weight's past squared
gradients: weights that have moved a lot take smaller steps.

Check your work with ``minidl homework check .``
"""

import numpy as np


class AdaGrad:
    """AdaGrad.

    Parameters
    ----------
    lr : float, default 0.01
        The learning rate, eta.
    eps : float, default 1e-7
        Added to the root so that a weight whose gradients were all 0 does
        not divide by zero.

    Attributes
    ----------
    h : dict of str -> numpy.ndarray, or None
        The running sum of squared gradients of every parameter, zeros at
        first (created at the first :meth:`update`).

    Notes
    -----
    For every parameter ``W`` with gradient ``g``, element by element::

        h <- h + g * g
        W <- W - lr * g / (sqrt(h) + eps)

    ``eps`` goes *outside* the square root. ``h`` only grows, so the steps
    shrink as training goes on.

    **Accepted forms**: the book's, with ``1e-7`` written for ``eps`` (the
    checks use eps = 1e-7); ``g ** 2`` or ``np.square(g)``; PyTorch's
    ``W -= lr * g / (sqrt(h) + eps)`` with ``h`` summed in place.
    """

    def __init__(self, lr=0.01, eps=1e-7):
        self.lr = lr
        self.eps = eps
        self.h = None

    def update(self, params, grads):
        """One AdaGrad step for every array of ``params``, in place."""
        # BEGIN SOLUTION: on the first call, h = zeros like each parameter; then h += g * g and W -= lr g / (sqrt(h) + eps)
        if self.h is None:
            self.h = {key: np.zeros_like(value) for key, value in params.items()}
        for key in params:
            self.h[key] += grads[key] * grads[key]
            params[key] -= self.lr * grads[key] / (np.sqrt(self.h[key]) + self.eps)
        # END SOLUTION
