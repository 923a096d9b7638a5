"""Hooks: small gradient transforms any optimizer can run before its update.

A hook is any callable ``hook(params, grads)``. ``optimizer.add_hook(hook)``
runs it before every update, after the gradients were checked, in the order
the hooks were added. So weight decay or clipping is written once, here,
instead of as a flag in every optimizer::

    optimizer = Momentum(lr=0.1).add_hook(ClipGradNorm(5.0)).add_hook(WeightDecay(1e-4))

Hooks change the gradient arrays **in place**. The network computes fresh
gradients at every backward pass, so nothing is lost, and no memory is
allocated per step; but after ``update``, ``grads`` holds the processed
gradients. Copy them first if you want to inspect the raw ones.
"""

from __future__ import annotations

import math

import numpy as np

from minidl.settings import check_number


class WeightDecay:
    """Coupled L2 weight decay: add ``rate * W`` to each gradient.

    Parameters
    ----------
    rate : float
        The L2 coefficient :math:`\\lambda`, >= 0. Typical values: 1e-5 to 1e-3.

    Notes
    -----
    Adding :math:`\\frac{\\lambda}{2} \\lVert W \\rVert^2` to the loss adds
    :math:`\\lambda W` to its gradient:

    .. math:: g \\leftarrow g + \\lambda \\, W

    This is what ``weight_decay=`` does in every ``torch.optim`` optimizer
    except AdamW. Biases are decayed too, as there. For Adam prefer AdamW
    (see its docstring for why).
    """

    def __init__(self, rate):
        self.rate = check_number(rate, "rate", low=0.0)
        self._scratch = {}

    def __repr__(self):
        return f"WeightDecay(rate={self.rate!r})"

    def __call__(self, params, grads):
        for name, param in params.items():
            product = self._scratch.get(name)
            # A work array per parameter, made once, so a step allocates nothing.
            if product is None or product.shape != param.shape or product.dtype != grads[name].dtype:
                product = self._scratch[name] = np.empty_like(grads[name])
            np.multiply(param, self.rate, out=product)  # lambda * W
            gradient = grads[name]
            gradient += product  # g <- g + lambda * W


class ClipGradNorm:
    """Rescale all gradients together so that their global norm is at most ``max_norm``.

    Parameters
    ----------
    max_norm : float
        Largest allowed norm, > 0.

    Notes
    -----
    The global norm treats all gradients as one long vector:

    .. math::
        n = \\sqrt{\\textstyle\\sum_k \\lVert g_k \\rVert^2}, \\qquad
        g_k \\leftarrow g_k \\cdot \\min\\Bigl(1, \\frac{c}{n + 10^{-6}}\\Bigr)

    with :math:`c` = ``max_norm``. Rescaling every gradient by the same factor
    keeps the direction of the step and only shortens it, which stops one
    bad batch from throwing the weights far away. Same as
    ``torch.nn.utils.clip_grad_norm_(parameters, max_norm)`` (including the
    1e-6 that avoids dividing by zero).
    """

    def __init__(self, max_norm):
        self.max_norm = check_number(max_norm, "max_norm", low=0.0, low_inclusive=False)

    def __repr__(self):
        return f"ClipGradNorm(max_norm={self.max_norm!r})"

    def __call__(self, params, grads):
        norm = global_norm(grads.values())
        scale = min(1.0, self.max_norm / (norm + 1e-6))
        if scale < 1.0:
            for grad in grads.values():
                grad *= scale


def global_norm(arrays):
    """The Euclidean norm of all ``arrays`` taken together, as a Python float.

    Each array's sum of squares is the dot product of the flattened array
    with itself, computed by ``np.einsum`` with no temporary array
    (``ravel(order="K")`` is a view for any contiguous array; einsum also
    avoids BLAS threads, which are slow to wake on a busy machine). The
    norms are combined by ``math.hypot``, which cannot overflow. If one sum
    of squares overflows (elements beyond about 1e19 in float32), that array
    is rescaled by its largest magnitude first: a temporary, but only then.
    """
    norms = []
    for array in arrays:
        flat = array.ravel(order="K")
        squares = float(np.einsum("i,i->", flat, flat))
        if math.isfinite(squares):
            norms.append(math.sqrt(squares))
        else:
            largest = float(np.max(np.abs(flat)))
            scaled = flat / largest
            norms.append(largest * math.sqrt(float(np.einsum("i,i->", scaled, scaled))))
    return math.hypot(*norms)
