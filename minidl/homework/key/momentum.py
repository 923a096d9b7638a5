"""Exercise: gradient descent with momentum.

Chapter 6 of the book "Deep Learning from Scratch". Like a ball rolling
downhill, the weights keep a velocity: steps build up along directions where
the gradient keeps its sign, and cancel out where it flips.

Check your work with ``minidl homework check .``
"""

import numpy as np


class Momentum:
    """Momentum SGD, in the book's form.

    Parameters
    ----------
    lr : float, default 0.01
        The learning rate, eta.
    momentum : float, default 0.9
        How much of the velocity is kept from one step to the next, mu.

    Attributes
    ----------
    v : dict of str -> numpy.ndarray, or None
        The velocity of every parameter: zeros of its shape, created at the
        first :meth:`update` (the shapes are not known before).

    Notes
    -----
    For every parameter ``W`` with gradient ``g``::

        v <- momentum * v - lr * g
        W <- W + v

    Update ``W`` in place (``params[key] += ...``): the network's layers hold
    these very arrays.

    **Accepted forms**, the same rule while ``lr`` is constant: the book's
    above; PyTorch's sign convention ``v <- momentum * v + g; W <- W - lr * v``;
    Sutskever's ``v <- momentum * v + lr * g; W <- W - v``. They agree to
    rounding, far inside the check's relative 1e-9.
    """

    def __init__(self, lr=0.01, momentum=0.9):
        self.lr = lr
        self.momentum = momentum
        self.v = None

    def update(self, params, grads):
        """One momentum step for every array of ``params``, in place."""
        # BEGIN SOLUTION: on the first call, v = zeros like each parameter; then v = momentum v - lr g and W += v
        if self.v is None:
            self.v = {key: np.zeros_like(value) for key, value in params.items()}
        for key in params:
            self.v[key] = self.momentum * self.v[key] - self.lr * grads[key]
            params[key] += self.v[key]
        # END SOLUTION
