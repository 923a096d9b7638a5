"""Exercise: Adam, momentum and RMSprop together.

Chapter 6 of the book "Deep Learning from Scratch". Adam keeps two moving
averages for every weight: of the gradients (like momentum) and of their
squares (like RMSprop), and corrects both for starting at zero.

Check your work with ``minidl homework check .``
"""

import numpy as np


class Adam:
    """Adam, as in Algorithm 1 of Kingma and Ba (2015).

    Parameters
    ----------
    lr : float, default 0.001
        The learning rate, eta.
    beta1 : float, default 0.9
        How much of the first moment (average of gradients) is kept a step.
    beta2 : float, default 0.999
        How much of the second moment (average of squares) is kept a step.
    eps : float, default 1e-8
        Added to the root to avoid dividing by zero.

    Attributes
    ----------
    iter : int
        The number of updates so far, t (1 during the first update).
    m, v : dict of str -> numpy.ndarray, or None
        The first and second moments of every parameter, zeros at first
        (created at the first :meth:`update`).

    Notes
    -----
    At step ``t = 1, 2, ...``, for every parameter ``W`` with gradient ``g``::

        m <- beta1 * m + (1 - beta1) * g
        v <- beta2 * v + (1 - beta2) * g * g
        m_hat = m / (1 - beta1 ** t)
        v_hat = v / (1 - beta2 ** t)
        W <- W - lr * m_hat / (sqrt(v_hat) + eps)

    The moments start at zero, so early on they are too small: dividing by
    ``1 - beta ** t`` corrects that bias.

    **Accepted forms**: the five lines above (Algorithm 1 of the paper, and
    PyTorch's ``sqrt(v) / sqrt(1 - beta2**t) + eps``); the paper's efficient
    form of its section 2, which is also the book's code::

        lr_t = lr * sqrt(1 - beta2 ** t) / (1 - beta1 ** t)
        W <- W - lr_t * m / (sqrt(v) + eps)

    It adds ``eps`` before the correction, as if eps were ``eps / sqrt(1 -
    beta2**t)`` in the form above: steps differ by a relative 1e-6 or so
    while ``t`` is small, and the check allows exactly that difference;
    the book's ``m += (1 - beta1) * (g - m)`` for the moments. Use
    ``self.eps``, not the book's literal ``1e-7``.
    """

    def __init__(self, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
        self.lr = lr
        self.beta1 = beta1
        self.beta2 = beta2
        self.eps = eps
        self.iter = 0
        self.m = None
        self.v = None

    def update(self, params, grads):
        """One Adam step for every array of ``params``, in place."""
        # BEGIN SOLUTION: on the first call, m and v = zeros like each parameter; count the step; then the five lines of the Notes
        if self.m is None:
            self.m = {key: np.zeros_like(value) for key, value in params.items()}
            self.v = {key: np.zeros_like(value) for key, value in params.items()}
        self.iter += 1
        for key in params:
            self.m[key] = self.beta1 * self.m[key] + (1 - self.beta1) * grads[key]
            self.v[key] = self.beta2 * self.v[key] + (1 - self.beta2) * grads[key] * grads[key]
            m_hat = self.m[key] / (1 - self.beta1**self.iter)
            v_hat = self.v[key] / (1 - self.beta2**self.iter)
            params[key] -= self.lr * m_hat / (np.sqrt(v_hat) + self.eps)
        # END SOLUTION
