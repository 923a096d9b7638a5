"""Checks of settings: the numbers, names and choices given to minidl's classes and functions.

A learning rate of 0, a batch size of ``True`` or an activation called
``"Relu6"`` would otherwise fail much later, deep inside numpy, or not at
all. Each function here checks one kind of setting where it enters minidl
(a constructor, ``fit``, a data loader) and raises an error that names the
setting, what it got and what it takes. Each returns the cleaned value, so a
caller writes ``self.lr = check_number(lr, "lr", low=0.0, low_inclusive=False)``
and carries on. Every check takes the value first and its name second.

The checks of arrays (data, labels, parameters, gradients) are in
:mod:`minidl.validation`.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

SUPPORTED_DTYPES = ("float32", "float64")


def check_number(value, name, *, low=None, high=None, low_inclusive=True, high_inclusive=True):
    """Return ``value`` as a Python float after checking it is a finite real in range.

    Parameters
    ----------
    value : object
        What the user passed.
    name : str
        The setting's name, used in the error message.
    low, high : float or None
        Bounds of the allowed interval (``None``: unbounded on that side).
    low_inclusive, high_inclusive : bool
        Whether the bounds themselves are allowed.

    Raises
    ------
    TypeError
        If ``value`` is not a real number (a string, ``True``, None).
    ValueError
        If it is NaN, infinite or outside the interval.

    Notes
    -----
    The value is converted to a Python ``float`` on purpose: numpy treats a
    Python float as "weakly typed", so ``float32_array *= 0.9`` stays float32,
    whereas a ``np.float64`` scalar would make numpy compute in float64.
    """
    # bool is a subclass of int in Python: `True` as a learning rate is a bug, not 1.
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
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


def check_positive_int(value, name):
    """Return ``value`` as an ``int`` if it is an integer >= 1 (a count or a size), else raise ``ValueError``."""
    # bool is a subclass of int in Python: `True` hidden units is a bug, not 1.
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"{name} must be a positive integer (1, 2, ...); got {value!r}")
    return int(value)


def check_choice(value, choices, name):
    """Return ``value`` in lowercase if it is one of ``choices`` (lowercase strings) in any letter case.

    Else raise ``ValueError`` listing the choices.
    """
    if not isinstance(value, str) or value.lower() not in choices:
        raise ValueError(f"unknown {name} {value!r}; choose one of {', '.join(map(repr, choices))}")
    return value.lower()


def check_seed(seed):
    """Return ``seed`` as ``int`` (>= 0) or ``None``, else raise ``ValueError``.

    Seeds are plain integers so that they can be written into a JSON
    configuration and reproduce a run later.
    """
    if seed is None:
        return None
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise ValueError(f"seed must be None or an integer >= 0; got {seed!r}")
    return int(seed)


def check_dtype(dtype):
    """Return ``np.dtype(dtype)`` if it is float32 or float64, else raise ``ValueError``.

    ``None`` means the documented default, float32 (numpy alone would read
    it as float64).
    """
    if dtype is None:
        return np.dtype(SUPPORTED_DTYPES[0])
    try:
        resolved = np.dtype(dtype)
    except TypeError as error:
        raise ValueError(f"dtype {dtype!r} is not a numpy dtype; use one of {SUPPORTED_DTYPES}") from error
    if resolved.name not in SUPPORTED_DTYPES:
        raise ValueError(
            f"dtype {resolved.name!r} is not supported; use one of {SUPPORTED_DTYPES} "
            "(float32 is fast, float64 is precise enough for gradient checks)"
        )
    return resolved


def check_hidden_sizes(hidden_sizes):
    """Return the hidden layer widths as a list of positive ints.

    A single int means one hidden layer; an empty list means no hidden layer
    (multinomial logistic regression).
    """
    if isinstance(hidden_sizes, numbers.Integral) and not isinstance(hidden_sizes, bool):
        hidden_sizes = [hidden_sizes]
    # A dict or a set iterates too, over keys in an order nobody wrote as layer widths.
    unordered = isinstance(hidden_sizes, (dict, set, frozenset)) or hasattr(hidden_sizes, "keys")
    if isinstance(hidden_sizes, (str, bytes)) or unordered or not hasattr(hidden_sizes, "__iter__"):
        raise ValueError(
            f"hidden_sizes must be a list of positive integers such as [100, 100]; got {hidden_sizes!r}"
        )
    return [check_positive_int(size, f"hidden_sizes[{index}]") for index, size in enumerate(hidden_sizes)]
