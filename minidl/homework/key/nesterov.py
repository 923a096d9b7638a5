"""Exercise: Nesterov's accelerated gradient.

Chapter 6 of the book "Deep Learning from Scratch" (its ``optimizer.py``).
Momentum first moves the weights by the velocity, then corrects with the
gradient. Nesterov's idea is to take the gradient step from where momentum is
about to carry the weights, which damps the overshooting.

Check your work with ``minidl homework check .``
"""

import numpy as np


class Nesterov:
    """Nesterov momentum, in the form that needs only the gradient at the current weights.

    Parameters
    ----------
    lr : float, default 0.01
        The learning rate, eta.
    momentum : float, default 0.9
        How much of the velocity is kept from one step to the next, mu.

    Attributes
    ----------
    v : dict of str -> numpy.ndarray, or None
        The velocity of every parameter, zeros at first (created at the first
        :meth:`update`).

    Notes
    -----
    For every parameter ``W`` with gradient ``g``::

        v <- momentum * v - lr * g
        W <- W + momentum * v - lr * g

    with the *new* ``v`` in the second line: the step is the velocity once
    more (the look-ahead) plus the plain gradient step. This equals
    ``torch.optim.SGD(lr, momentum, nesterov=True)`` and minidl's
    ``Nesterov``.

    **Accepted forms**: the book's code (``W += momentum**2 v - (1 + momentum)
    lr g`` with the *old* ``v``, then ``v <- momentum v - lr g``); PyTorch's
    ``b <- momentum b + g; W <- W - lr (g + momentum b)``. All equal the
    form above to rounding.
    """

    def __init__(self, lr=0.01, momentum=0.9):
        self.lr = lr
        self.momentum = momentum
        self.v = None

    def update(self, params, grads):
        """One Nesterov step for every array of ``params``, in place."""
        # BEGIN SOLUTION: on the first call, v = zeros like each parameter; then v = momentum v - lr g and W += momentum v - lr g
        if self.v is None:
            self.v = {key: np.zeros_like(value) for key, value in params.items()}
        for key in params:
            self.v[key] = self.momentum * self.v[key] - self.lr * grads[key]
            params[key] += self.momentum * self.v[key] - self.lr * grads[key]
        # END SOLUTION
