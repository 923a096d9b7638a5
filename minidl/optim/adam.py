"""Adam and AdamW: momentum and RMSprop together, with bias correction."""

from __future__ import annotations

import numpy as np

from minidl.optim.base import Optimizer
from minidl.optim.registry import register
from minidl.settings import check_number


@register
class Adam(Optimizer):
    """Adam: a moving average of gradients, divided by the root of a moving average of their squares.

    Parameters
    ----------
    lr : float, default 0.001
        Learning rate, > 0. The paper's default; each weight then moves
        roughly ``lr`` per step at most, whatever the gradient's scale.
    beta1 : float, default 0.9
        How much of the old first moment (gradient average) is kept, in [0, 1).
    beta2 : float, default 0.999
        How much of the old second moment (average of squares) is kept, in [0, 1).
    eps : float, default 1e-8
        Added to the root to avoid dividing by zero, > 0.

    Notes
    -----
    Algorithm 1 of Kingma & Ba (2015). With the moments :math:`m, v` (zeros
    at first) and the step count :math:`t = 1, 2, \\dots`:

    .. math::
        m \\leftarrow \\beta_1 m + (1 - \\beta_1) \\, g, \\qquad
        v \\leftarrow \\beta_2 v + (1 - \\beta_2) \\, g \\odot g

        \\hat m = \\frac{m}{1 - \\beta_1^t}, \\qquad
        \\hat v = \\frac{v}{1 - \\beta_2^t}, \\qquad
        W \\leftarrow W - \\eta \\, \\frac{\\hat m}{\\sqrt{\\hat v} + \\epsilon}

    The moments start at zero, so early on they are too small; dividing by
    :math:`1 - \\beta^t` corrects that bias. The current learning rate
    :math:`\\eta` is used at every step, so a schedule takes effect at once.
    Same as ``torch.optim.Adam``.

    The book's code folds the corrections into the learning rate and
    adds eps to :math:`\\sqrt{v}` *before* correcting it: in these terms their
    eps is :math:`\\epsilon / \\sqrt{1 - \\beta_2^t}` (with eps = 1e-7), larger
    during the first steps, so those steps are slightly smaller when the
    gradients are tiny. The two agree once :math:`\\beta_2^t` is negligible.
    """

    slots = ("first_moment", "second_moment")
    elementwise = True

    def __init__(self, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
        super().__init__(lr)
        self.beta1 = check_number(beta1, "beta1", low=0.0, high=1.0, high_inclusive=False)
        self.beta2 = check_number(beta2, "beta2", low=0.0, high=1.0, high_inclusive=False)
        self.eps = check_number(eps, "eps", low=0.0, low_inclusive=False)

    def update_one(self, param, grad, state, scratch):
        """The in-place form of :func:`minidl.optim.reference.adam`."""
        m, v, step = state["first_moment"], state["second_moment"], scratch[0]
        t = self.step_count
        m *= self.beta1
        np.multiply(grad, 1.0 - self.beta1, out=step)
        m += step  # m <- beta1 m + (1 - beta1) g
        v *= self.beta2
        np.square(grad, out=step)
        step *= 1.0 - self.beta2
        v += step  # v <- beta2 v + (1 - beta2) g^2
        np.multiply(v, 1.0 / (1.0 - self.beta2**t), out=step)  # v_hat = v / (1 - beta2^t)
        np.sqrt(step, out=step)
        step += self.eps  # sqrt(v_hat) + eps
        np.divide(m, step, out=step)
        step *= self.lr / (1.0 - self.beta1**t)  # lr m_hat / (sqrt(v_hat) + eps), m_hat = m / (1 - beta1^t)
        param -= step  # W <- W - lr m_hat / (sqrt(v_hat) + eps)


@register
class AdamW(Adam):
    """AdamW: Adam with weight decay applied to the weights directly ("decoupled").

    Parameters
    ----------
    lr, beta1, beta2, eps : float
        As in :class:`Adam` (same defaults).
    weight_decay : float, default 0.01
        Fraction of the weights removed at each step, per unit of learning
        rate, >= 0 (PyTorch's default).

    Notes
    -----
    Loshchilov & Hutter (2019). First shrink the weights, then take the Adam step:

    .. math::
        W \\leftarrow W \\, (1 - \\eta \\lambda), \\qquad
        W \\leftarrow W - \\eta \\, \\frac{\\hat m}{\\sqrt{\\hat v} + \\epsilon}

    Adding :math:`\\lambda W` to the gradient instead (L2 regularisation, the
    ``WeightDecay`` hook) would pass the decay through Adam's division by
    :math:`\\sqrt{\\hat v}`, so weights with large gradients would hardly be
    decayed; decoupling decays all weights alike. Same as ``torch.optim.AdamW``.
    """

    def __init__(self, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.01):
        super().__init__(lr, beta1, beta2, eps)
        self.weight_decay = check_number(weight_decay, "weight_decay", low=0.0)

    def update_one(self, param, grad, state, scratch):
        """The in-place form of :func:`minidl.optim.reference.adamw`."""
        param *= 1.0 - self.lr * self.weight_decay  # W <- W (1 - eta lambda)
        super().update_one(param, grad, state, scratch)
