"""Exercise: RMSprop, AdaGrad that forgets.

Chapter 6 of the book "Deep Learning from Scratch". AdaGrad's sum of squared
gradients only grows, so its steps die out. RMSprop keeps a moving average
instead: old gradients fade away and the steps keep their size.

Check your work with ``minidl homework check .``
"""

import numpy as np


class RMSprop:
    """RMSprop.

    Parameters
    ----------
    lr : float, default 0.01
        The learning rate, eta.
    decay_rate : float, default 0.99
        How much of the average is kept at each step, rho.
    eps : float, default 1e-7
        Added to the root to avoid dividing by zero.

    Attributes
    ----------
    h : dict of str -> numpy.ndarray, or None
        The moving average of squared gradients of every parameter, zeros at
        first (created at the first :meth:`update`).

    Notes
    -----
    For every parameter ``W`` with gradient ``g``, element by element::

        h <- decay_rate * h + (1 - decay_rate) * g * g
        W <- W - lr * g / (sqrt(h) + eps)

    ``eps`` goes *outside* the square root.

    **Accepted forms**: the book's ``h *= decay_rate; h += (1 - decay_rate) g g``
    with ``1e-7`` for ``eps`` (the checks use eps = 1e-7); the incremental
    ``h += (1 - decay_rate) * (g * g - h)``; PyTorch's (the same equations).
    """

    def __init__(self, lr=0.01, decay_rate=0.99, eps=1e-7):
        self.lr = lr
        self.decay_rate = decay_rate
        self.eps = eps
        self.h = None

    def update(self, params, grads):
        """One RMSprop step for every array of ``params``, in place."""
        # BEGIN SOLUTION: on the first call, h = zeros like each parameter; then the moving average of g * g, and W -= lr g / (sqrt(h) + eps)
        if self.h is None:
            self.h = {key: np.zeros_like(value) for key, value in params.items()}
        for key in params:
            self.h[key] = self.decay_rate * self.h[key] + (1 - self.decay_rate) * grads[key] * grads[key]
            params[key] -= self.lr * grads[key] / (np.sqrt(self.h[key]) + self.eps)
        # END SOLUTION
