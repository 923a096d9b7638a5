"""Gradient descent and its momentum variants: ``SGD``, ``Momentum``, ``Nesterov``.

All three equal ``torch.optim.SGD`` (with ``momentum=0``, with ``momentum``
and ``dampening=0``, and with ``nesterov=True``), also when the learning rate
changes between steps.
"""

from __future__ import annotations

import numpy as np

from minidl.optim.base import Optimizer
from minidl.optim.registry import register
from minidl.settings import check_number


@register
class SGD(Optimizer):
    """Plain (stochastic) gradient descent: a step against the gradient.

    Parameters
    ----------
    lr : float, default 0.01
        Learning rate, > 0. The book's default: small enough to be stable on
        most small networks, large enough to learn MNIST in a few epochs.

    Notes
    -----
    .. math:: W \\leftarrow W - \\eta \\, \\frac{\\partial L}{\\partial W}

    with learning rate :math:`\\eta`. Same as ``torch.optim.SGD(lr)``.
    """

    elementwise = True

    def __init__(self, lr=0.01):
        super().__init__(lr)

    def update_one(self, param, grad, state, scratch):
        """The in-place form of :func:`minidl.optim.reference.sgd`."""
        step = scratch[0]
        np.multiply(grad, self.lr, out=step)  # eta * g
        param -= step  # W <- W - eta * g


@register
class Momentum(Optimizer):
    """Gradient descent with momentum: the steps build up speed along steady directions.

    Parameters
    ----------
    lr : float, default 0.01
        Learning rate, > 0.
    momentum : float, default 0.9
        How much of the previous velocity is kept, in [0, 1). 0.9 keeps about
        the last 10 gradients in play (1 / (1 - 0.9)).

    Notes
    -----
    With the velocity :math:`b` (zeros at first) measured in gradient units:

    .. math::
        b \\leftarrow \\mu \\, b + g, \\qquad W \\leftarrow W - \\eta \\, b

    This is ``torch.optim.SGD(lr, momentum, dampening=0)``. The book's code
    writes the velocity in parameter units instead:
    :math:`v \\leftarrow \\mu v - \\eta g,\\ W \\leftarrow W + v`. At a
    constant learning rate both give the same trajectory (:math:`v = -\\eta b`).
    When a schedule changes :math:`\\eta`, they differ: here a new learning
    rate scales the whole velocity at once, while in the book's form it only
    scales the newest gradient and old steps keep their old size. minidl
    follows PyTorch, so schedules behave as they do there.
    """

    slots = ("velocity",)
    elementwise = True

    def __init__(self, lr=0.01, momentum=0.9):
        super().__init__(lr)
        self.momentum = check_number(momentum, "momentum", low=0.0, high=1.0, high_inclusive=False)

    def accelerate(self, velocity, grad):
        """Update the velocity in place: :math:`b \\leftarrow \\mu \\, b + g`."""
        velocity *= self.momentum  # b <- mu * b ...
        velocity += grad  # ... + g
        return velocity

    def update_one(self, param, grad, state, scratch):
        """The in-place form of :func:`minidl.optim.reference.momentum`."""
        velocity, step = self.accelerate(state["velocity"], grad), scratch[0]
        np.multiply(velocity, self.lr, out=step)  # eta * b
        param -= step  # W <- W - eta * b


@register
class Nesterov(Momentum):
    """Nesterov's accelerated gradient: momentum that looks one step ahead.

    Parameters
    ----------
    lr : float, default 0.01
        Learning rate, > 0.
    momentum : float, default 0.9
        How much of the previous velocity is kept, in [0, 1).

    Notes
    -----
    With the velocity :math:`b` (zeros at first):

    .. math::
        b \\leftarrow \\mu \\, b + g, \\qquad W \\leftarrow W - \\eta \\, (g + \\mu \\, b)

    The step uses the velocity *after* this update (where momentum is about
    to carry the weights) instead of before it. This is the form of
    ``torch.optim.SGD(lr, momentum, nesterov=True)``, a rewriting of
    Nesterov's "gradient at the look-ahead point" that needs only the
    gradient at the current weights. Only the step differs from
    :class:`Momentum`: the velocity, its state and settings are Momentum's.
    """

    def update_one(self, param, grad, state, scratch):
        """The in-place form of :func:`minidl.optim.reference.nesterov`."""
        velocity, step = self.accelerate(state["velocity"], grad), scratch[0]
        np.multiply(velocity, self.momentum, out=step)  # mu * b
        step += grad  # g + mu * b
        step *= self.lr  # eta * (g + mu * b)
        param -= step  # W <- W - eta * (g + mu * b)
