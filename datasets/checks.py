"""Input checks shared by the split and mini-batch helpers.

Both helpers take inputs ``x`` and targets ``t`` that must describe the same
samples: row ``i`` of ``x`` belongs with row ``i`` of ``t``. Catching a
mismatch here gives a message that names the sizes, instead of an
``IndexError`` deep inside numpy or a silently misaligned training set.
"""

from __future__ import annotations

import numbers

import numpy as np


def check_samples(x, t):
    """Return ``x`` and ``t`` as arrays after checking they pair up sample by sample.

    Parameters
    ----------
    x : array_like, shape (N, ...)
        Inputs, one sample per row.
    t : array_like, shape (N,) or (N, n_classes)
        Targets, one per sample.

    Returns
    -------
    x, t : ndarray
        The same data as numpy arrays (no copy when they already are).

    Raises
    ------
    ValueError
        If either is a scalar, empty, or their first dimensions differ.
    """
    x = np.asarray(x)
    t = np.asarray(t)
    for name, array in (("x", x), ("t", t)):
        if array.ndim == 0:
            raise ValueError(
                f"{name} must be an array with one sample per row, got a scalar "
                f"({array!r}); pass an array of shape (N, ...)"
            )
    if len(x) != len(t):
        raise ValueError(
            f"x and t must have the same number of samples, got x with shape {x.shape} "
            f"({len(x)} samples) and t with shape {t.shape} ({len(t)} samples); "
            "pass inputs and targets of the same data set"
        )
    if len(x) == 0:
        raise ValueError(
            f"x and t are empty (shapes {x.shape} and {t.shape}); "
            "pass at least one sample"
        )
    return x, t


def check_positive_integer(value, name):
    """Return ``value`` as an ``int`` after checking it is a whole number >= 1.

    ``True`` is refused even though Python counts it as the integer 1: a flag
    passed by mistake should not silently become a batch size.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ValueError(
            f"{name} must be a whole number >= 1, got {value!r} of type "
            f"{type(value).__name__}; pass an int such as 32"
        )
    if value <= 0:
        raise ValueError(f"{name} must be >= 1, got {value}; pass a positive int such as 32")
    return int(value)
