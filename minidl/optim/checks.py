"""Input checks shared by the optimizers, hooks and schedules.

An optimizer changes arrays in place, so a bad argument discovered half-way
through an update would leave the network half-updated. Everything here is
therefore run *before* any array is touched, and every error message says
what was wrong, what was expected and how to fix it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from numbers import Real

import numpy as np

from minidl.flat import FlatArrays


def check_number(name, value, *, low=None, high=None, low_inclusive=True, high_inclusive=True):
    """Return ``value`` as a Python float after checking it is a finite real in range.

    Parameters
    ----------
    name : str
        The hyperparameter's name, used in the error message.
    value : object
        What the user passed.
    low, high : float or None
        Bounds of the allowed interval (``None``: unbounded on that side).
    low_inclusive, high_inclusive : bool
        Whether the bounds themselves are allowed.

    Notes
    -----
    The value is converted to a Python ``float`` on purpose: numpy treats a
    Python float as "weakly typed", so ``float32_array *= 0.9`` stays float32,
    whereas a ``np.float64`` scalar would make numpy compute in float64.
    """
    if isinstance(value, bool) or not isinstance(value, Real):
        raise TypeError(f"{name} must be a real number; got {value!r} of type {type(value).__name__}")
    value = float(value)
    left = "[" if low_inclusive else "("
    right = "]" if high_inclusive else ")"
    # An unbounded side is open: infinity itself is refused (the value must be finite).
    left, right = ("(" if low is None else left), (")" if high is None else right)
    interval = f"{left}{'-inf' if low is None else low}, {'inf' if high is None else high}{right}"
    too_low = low is not None and (value < low or (value == low and not low_inclusive))
    too_high = high is not None and (value > high or (value == high and not high_inclusive))
    if not math.isfinite(value) or too_low or too_high:
        raise ValueError(f"{name} must be a finite number in {interval}; got {value!r}")
    return value


def check_positive_integer(name, value):
    """Return ``value`` as an int after checking it is an integer >= 1."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be a whole number >= 1; got {value!r}")
    return int(value)


def is_finite(array):
    """Whether every element of ``array`` is finite (no NaN, no +-inf).

    Notes
    -----
    ``np.isfinite(array).all()`` would allocate a boolean array as large as
    ``array`` at every training step. The sum of the elements is a single
    number that is NaN or infinite whenever one element is, so checking it
    costs one read of the array and no memory. The sum can also overflow for
    huge but finite values (about 1e38 in float32); only then do we pay for
    the exact element-wise check.

    The sum is taken by ``np.einsum`` over the flattened array: its plain
    loop is faster than ``np.sum``'s careful pairwise summation (only the
    NaN/infinity of the result matters here, not its last digits), and it
    does not warn about the overflows and NaNs we are looking for.
    ``ravel(order="K")`` is a view for any contiguous array.
    """
    if math.isfinite(np.einsum("i->", array.ravel(order="K"))):
        return True
    return bool(np.isfinite(array).all())


def check_params_and_grads(params, grads, grads_must_be_writeable):
    """Return ``grads`` as a dict of arrays, or raise a clear error if unusable for an update.

    Checks, in this order, for every key before returning: both are dicts
    with the same keys; every parameter is a writeable floating-point numpy
    array; every gradient is a floating-point numpy array of the same shape
    (and writeable when hooks will modify it in place); no gradient contains
    NaN or infinity.
    """
    for label, mapping in (("params", params), ("grads", grads)):
        if not isinstance(mapping, Mapping):
            raise TypeError(
                f"{label} must be a dict mapping names to numpy arrays; got {type(mapping).__name__}"
            )
    if params.keys() != grads.keys():
        missing = sorted(set(params) - set(grads))
        extra = sorted(set(grads) - set(params))
        raise ValueError(
            f"grads must have exactly the keys of params; missing from grads: {missing}, "
            f"not in params: {extra}; pass the grads returned for this same network"
        )
    if not params:
        raise ValueError("params is empty: there is nothing to update; pass the network's params dict")
    # Array-likes (a numpy scalar for a 0-d parameter, a list) become arrays;
    # a dict of numpy arrays is returned as the very same object.
    if not all(isinstance(grad, np.ndarray) for grad in grads.values()):
        converted = {}
        for name, grad in grads.items():
            try:
                converted[name] = np.asarray(grad)
            except (TypeError, ValueError) as error:
                raise TypeError(f"grads[{name!r}] is not an array: {error}") from error
        grads = converted
    for name, param in params.items():
        grad = grads[name]
        if not isinstance(param, np.ndarray) or param.dtype.kind != "f":
            raise TypeError(
                f"params[{name!r}] must be a floating-point numpy array; got "
                f"{getattr(param, 'dtype', type(param).__name__)}"
            )
        if not param.flags.writeable:
            raise ValueError(
                f"params[{name!r}] is read-only, so it cannot be updated in place; "
                "pass the network's own (writeable) arrays"
            )
        if grad.dtype.kind != "f":
            raise TypeError(f"grads[{name!r}] must be a floating-point numpy array; got dtype {grad.dtype}")
        if grad.shape != param.shape:
            raise ValueError(
                f"grads[{name!r}] has shape {grad.shape} but params[{name!r}] has shape "
                f"{param.shape}; each gradient must have its parameter's shape"
            )
        if grads_must_be_writeable and not grad.flags.writeable:
            raise ValueError(
                f"grads[{name!r}] is read-only, but this optimizer's hooks change gradients in "
                "place; pass a writeable copy (grad.copy())"
            )
    # Gradients in one buffer are checked in one pass (see minidl.flat).
    all_in_one = isinstance(grads, FlatArrays) and grads.is_intact() and is_finite(grads.flat)
    not_finite = [] if all_in_one else [name for name, grad in grads.items() if not is_finite(grad)]
    if not_finite:
        raise ValueError(
            f"grads {not_finite} contain NaN or infinity; no parameter was changed. The loss has "
            "probably diverged: lower the learning rate or clip gradients (ClipGradNorm)"
        )
    return grads
