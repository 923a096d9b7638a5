"""Noticing an epoch in which no weight changed: the mark of an update that is not in place.

The layers of a network hold references to the very arrays of
``network.params``. An optimizer must therefore change those arrays
*in place*::

    param -= lr * grad           # in place: the layer sees the new weights

while ``param = param - lr * grad`` makes a new array and binds it to the
local name ``param``: the network's array stays as it was, and training
runs without error, learning nothing. The trainer copies the weights when
an epoch starts and compares them when it ends, to say so at once.
"""

from __future__ import annotations

import warnings

import numpy as np

MESSAGE = ("no weight changed: update params in place (param -= lr * grad); binding a new array to "
           "a name (param = param - lr * grad) leaves the network's weights as they were")


def snapshot(params):
    """A copy of every array of ``params`` (a dict of arrays), to compare with later."""
    return {name: np.array(value, copy=True) for name, value in params.items()}


def warn_if_unchanged(before, params, lr=None):
    """Warn (``UserWarning``) if every array of ``params`` still equals its copy in ``before``.

    A learning rate ``lr`` below the precision of the weights' dtype
    (float32's :math:`\\epsilon = 1.2 \\times 10^{-7}`: a weight of about 1
    changes only by more than that) is named as the cause instead: then
    every step rounds away, however the update is written.

    The warning's text does not name the epoch, so Python shows it once
    (per place in the code), not at every epoch of a long run.
    """
    if all(np.array_equal(before[name], value) for name, value in params.items()):
        dtype = next(iter(params.values())).dtype if params else np.dtype(np.float32)
        epsilon = float(np.finfo(dtype).eps)
        if lr is not None and 0 < lr < epsilon:
            warnings.warn(
                f"no weight changed: the learning rate {lr:g} is below {dtype.name} precision (a weight of "
                f"about 1 moves only by more than {epsilon:.2g}), so every update rounds away; use a larger "
                "learning rate, e.g. the optimizer's default", UserWarning, stacklevel=4)
        else:
            warnings.warn(MESSAGE, UserWarning, stacklevel=4)
