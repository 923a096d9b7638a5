"""Per-weight learning rates from squared gradients: ``AdaGrad``, ``RMSprop``, ``AdaDelta``.

Each weight's step is divided by the root of (an average of) its past squared
gradients, so weights with large gradients take smaller steps and weights
with small gradients larger ones.
"""

from __future__ import annotations

import numpy as np

from minidl.optim.base import Optimizer
from minidl.optim.registry import register
from minidl.settings import check_number


@register
class AdaGrad(Optimizer):
    """AdaGrad: divide each step by the root of the sum of all past squared gradients.

    Parameters
    ----------
    lr : float, default 0.01
        Learning rate, > 0.
    eps : float, default 1e-7
        Added to the root so a weight that never had a gradient does not
        divide by zero, > 0. The book's value.

    Notes
    -----
    With the running sum :math:`h` (zeros at first), element-wise:

    .. math::
        h \\leftarrow h + g \\odot g, \\qquad
        W \\leftarrow W - \\eta \\, \\frac{g}{\\sqrt{h} + \\epsilon}

    :math:`h` only grows, so the steps shrink over time: good for sparse
    features, too cautious for long training (RMSprop fixes that). Same as
    ``torch.optim.Adagrad(lr, eps=eps)`` (``lr_decay=0``,
    ``initial_accumulator_value=0``), whose default eps is 1e-10.
    """

    slots = ("squared_gradient_sum",)
    elementwise = True

    def __init__(self, lr=0.01, eps=1e-7):
        super().__init__(lr)
        self.eps = check_number(eps, "eps", low=0.0, low_inclusive=False)

    def update_one(self, param, grad, state, scratch):
        """The in-place form of :func:`minidl.optim.reference.adagrad`."""
        squared_sum, step = state["squared_gradient_sum"], scratch[0]
        np.multiply(grad, grad, out=step)  # g * g
        squared_sum += step  # h <- h + g * g
        np.sqrt(squared_sum, out=step)  # sqrt(h)
        step += self.eps  # sqrt(h) + eps
        np.divide(grad, step, out=step)  # g / (sqrt(h) + eps)
        step *= self.lr  # eta * g / (sqrt(h) + eps)
        param -= step  # W <- W - eta * g / (sqrt(h) + eps)


@register
class RMSprop(Optimizer):
    """RMSprop: divide each step by the root of a moving average of squared gradients.

    Parameters
    ----------
    lr : float, default 0.01
        Learning rate, > 0.
    decay_rate : float, default 0.99
        How much of the old average is kept at each step, in [0, 1). 0.99
        averages over roughly the last 100 steps.
    eps : float, default 1e-7
        Added to the root to avoid dividing by zero, > 0.

    Notes
    -----
    With the moving average :math:`h` (zeros at first) and :math:`\\rho` the
    decay rate:

    .. math::
        h \\leftarrow \\rho \\, h + (1 - \\rho) \\, g \\odot g, \\qquad
        W \\leftarrow W - \\eta \\, \\frac{g}{\\sqrt{h} + \\epsilon}

    Unlike AdaGrad's sum, the average forgets old gradients, so the steps do
    not die out. Same as ``torch.optim.RMSprop(lr, alpha=decay_rate, eps=eps)``
    (not centred, no momentum), whose default eps is 1e-8.
    """

    slots = ("squared_gradient_average",)
    elementwise = True

    def __init__(self, lr=0.01, decay_rate=0.99, eps=1e-7):
        super().__init__(lr)
        self.decay_rate = check_number(decay_rate, "decay_rate", low=0.0, high=1.0, high_inclusive=False)
        self.eps = check_number(eps, "eps", low=0.0, low_inclusive=False)

    def update_one(self, param, grad, state, scratch):
        """The in-place form of :func:`minidl.optim.reference.rmsprop`."""
        average, step = state["squared_gradient_average"], scratch[0]
        average *= self.decay_rate  # h <- rho * h ...
        np.multiply(grad, grad, out=step)
        step *= 1.0 - self.decay_rate
        average += step  # ... + (1 - rho) * g * g
        np.sqrt(average, out=step)  # sqrt(h)
        step += self.eps  # sqrt(h) + eps
        np.divide(grad, step, out=step)  # g / (sqrt(h) + eps)
        step *= self.lr
        param -= step  # W <- W - eta * g / (sqrt(h) + eps)


@register
class AdaDelta(Optimizer):
    """AdaDelta: steps sized by the ratio of recent update sizes to recent gradient sizes.

    Parameters
    ----------
    lr : float, default 1.0
        Scales the computed update, > 0. The original method has no learning
        rate at all, which is ``lr=1``.
    rho : float, default 0.95
        How much of the old averages is kept at each step, in [0, 1). The
        paper's value.
    eps : float, default 1e-6
        Added inside both roots, > 0. It also sets the size of the very first
        steps (about sqrt(eps)), since the average of updates starts at zero.

    Notes
    -----
    With two moving averages, :math:`s` of squared gradients and :math:`u`
    of squared updates (both zeros at first):

    .. math::
        s \\leftarrow \\rho \\, s + (1 - \\rho) \\, g \\odot g

        \\Delta = \\frac{\\sqrt{u + \\epsilon}}{\\sqrt{s + \\epsilon}} \\odot g

        u \\leftarrow \\rho \\, u + (1 - \\rho) \\, \\Delta \\odot \\Delta

        W \\leftarrow W - \\eta \\, \\Delta

    The ratio has the units of the weights, so the step needs no learning
    rate to have the right scale. Same as ``torch.optim.Adadelta(lr, rho, eps)``,
    whose default rho is 0.9.
    """

    slots = ("squared_gradient_average", "squared_update_average")
    elementwise = True
    scratch_buffers = 2

    def __init__(self, lr=1.0, rho=0.95, eps=1e-6):
        super().__init__(lr)
        self.rho = check_number(rho, "rho", low=0.0, high=1.0, high_inclusive=False)
        self.eps = check_number(eps, "eps", low=0.0, low_inclusive=False)

    def update_one(self, param, grad, state, scratch):
        """The in-place form of :func:`minidl.optim.reference.adadelta`."""
        gradient_average = state["squared_gradient_average"]
        update_average = state["squared_update_average"]
        work, delta = scratch
        gradient_average *= self.rho  # s <- rho * s ...
        np.multiply(grad, grad, out=work)
        work *= 1.0 - self.rho
        gradient_average += work  # ... + (1 - rho) * g * g
        np.add(gradient_average, self.eps, out=work)
        np.sqrt(work, out=work)  # sqrt(s + eps)
        np.add(update_average, self.eps, out=delta)
        np.sqrt(delta, out=delta)  # sqrt(u + eps)
        delta /= work
        delta *= grad  # Delta = sqrt(u + eps) / sqrt(s + eps) * g
        update_average *= self.rho  # u <- rho * u ...
        np.multiply(delta, delta, out=work)
        work *= 1.0 - self.rho
        update_average += work  # ... + (1 - rho) * Delta * Delta
        delta *= self.lr
        param -= delta  # W <- W - eta * Delta
