"""Input checks shared by the whole of minidl.

A wrong shape deep inside a matrix product produces an error such as
``matmul: Input operand 1 has a mismatch in its core dimension 0`` that tells
a learner nothing about what *they* did wrong. The functions here run once,
where data enters minidl (the network, the trainer, the scikit-learn
estimator, the data sets), and turn a bad input into a ``ValueError`` that
names the problem, the shapes or values involved, what was expected and the
fix. Each returns the cleaned value, so a caller writes
``x = check_features(x, 784, np.float32)`` and carries on.
"""

from __future__ import annotations

import numbers

import numpy as np

SUPPORTED_DTYPES = ("float32", "float64")


# ==================================================================== scalars
def check_positive_int(value, name):
    """Return ``value`` as an ``int`` if it is an integer >= 1, else raise ``ValueError``."""
    # bool is a subclass of int in Python: `True` hidden units is a bug, not 1.
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"{name} must be a positive integer (1, 2, ...); got {value!r}")
    return int(value)


def check_non_negative(value, name):
    """Return ``value`` as a ``float`` if it is a finite number >= 0, else raise ``ValueError``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not np.isfinite(value) or value < 0:
        raise ValueError(f"{name} must be a finite number >= 0; got {value!r}")
    return float(value)


def check_ratio(value, name="dropout ratio"):
    """Return ``value`` as a ``float`` if it lies in ``[0, 1)``, else raise ``ValueError``.

    For dropout, a ratio of 1 would drop every unit and leave nothing to
    learn from, hence the open upper end.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not 0 <= value < 1:
        raise ValueError(f"{name} must be a number in [0, 1); got {value!r}")
    return float(value)


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
    """Return ``np.dtype(dtype)`` if it is float32 or float64, else raise ``ValueError``."""
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
    if isinstance(hidden_sizes, (str, bytes)) or not hasattr(hidden_sizes, "__iter__"):
        raise ValueError(
            f"hidden_sizes must be a list of positive integers such as [100, 100]; got {hidden_sizes!r}"
        )
    return [check_positive_int(size, f"hidden_sizes[{index}]") for index, size in enumerate(hidden_sizes)]


# ===================================================================== arrays
def _as_numeric_array(values, name):
    array = np.asarray(values)
    if array.dtype.kind not in "biuf":
        raise ValueError(
            f"{name} must hold numbers, but its dtype is {array.dtype} "
            "(strings or objects?); convert it with np.asarray(..., dtype=float)"
        )
    return array


def check_features(x, n_features, dtype=None, name="x"):
    """Check a batch of samples and return it as a 2-D array of shape (N, n_features).

    Parameters
    ----------
    x : array_like, shape (N, n_features) or (N, d1, d2, ...)
        One sample a row. Images such as (N, 28, 28) are accepted and flattened,
        as long as ``d1 * d2 * ...`` equals ``n_features``.
    n_features : int
        The width the model expects (its ``input_size``).
    dtype : numpy dtype, optional
        Convert to this dtype. No copy is made when ``x`` already has it
        (and is contiguous), which is the common case inside a training loop.
        By default floats keep their dtype and integers become float64.
    name : str
        How the array is called in error messages.

    Returns
    -------
    numpy.ndarray, shape (N, n_features)

    Raises
    ------
    ValueError
        If ``x`` is not numeric, has fewer than 2 dimensions, has no sample,
        has the wrong number of features, or holds NaN or infinity.

    Notes
    -----
    Finiteness is checked on two numbers only, ``x.min()`` and ``x.max()``:
    a NaN anywhere makes both NaN, and an infinity is the minimum or the
    maximum. Unlike ``np.isfinite(x).all()`` this builds no boolean array as
    large as ``x`` on every batch, and unlike ``np.isfinite(x.sum())`` it
    cannot be fooled by finite values whose sum overflows. The element-wise
    check runs only to locate a bad value for the error message.
    """
    array = _as_numeric_array(x, name)
    if array.ndim < 2:
        hint = " use x.reshape(1, -1) for a single sample" if array.ndim == 1 else ""
        raise ValueError(
            f"{name} must have shape (n_samples, {n_features}), one sample a row; "
            f"got shape {array.shape};{hint or ' pass a batch of samples'}"
        )
    if array.shape[0] == 0:
        raise ValueError(f"{name} holds no sample (shape {array.shape}); pass at least one row")
    width = int(np.prod(array.shape[1:]))
    if width != n_features:
        raise ValueError(
            f"{name} has {width} features a sample (shape {array.shape}), "
            f"but {n_features} were expected; check the data matches the model's input_size"
        )
    given = array
    if dtype is not None and array.dtype != dtype:
        with np.errstate(over="ignore"):  # values too large for dtype are reported below, by name
            array = array.astype(dtype)
    elif dtype is None and array.dtype.kind != "f":
        array = array.astype(np.float64)
    array = array.reshape(array.shape[0], n_features)
    if not (np.isfinite(array.min()) and np.isfinite(array.max())):
        given = given.reshape(array.shape)
        bad = ~np.isfinite(given)
        if not bad.any():  # finite as given: the conversion to dtype overflowed
            raise _too_large(given, array.dtype, name, "rescale the data (e.g. standardise it) or use float64",
                             axes=("row", "feature"))
        row, column = np.argwhere(bad)[0]
        raise ValueError(
            f"{name} contains {int(bad.sum())} NaN or infinite value(s), the first at "
            f"row {row}, feature {column} ({given[row, column]}); clean or impute the data first"
        )
    return array


def _too_large(values, dtype, name, fix, axes=None):
    """The error for finite ``values`` that ``dtype`` cannot hold (they would become infinite).

    It names the largest magnitude and, given ``axes`` (e.g. ``("row", "feature")``), where it is.
    """
    magnitudes = np.abs(values)
    place = np.unravel_index(np.argmax(magnitudes), values.shape)
    where = "".join(f", {axis} {index}" for axis, index in zip(axes, place)) if axes else ""
    return ValueError(
        f"{name} holds values too large for {dtype} (largest magnitude {magnitudes[place]:.3g}{where}; "
        f"{dtype} holds up to {np.finfo(dtype).max:.3g}); {fix}"
    )


def check_labels(t, n_samples, n_classes, name="t"):
    """Check class labels and return them as a 1-D integer array of shape (N,).

    Parameters
    ----------
    t : array_like, shape (N,) or (N, n_classes)
        Either integer class indices in ``[0, n_classes)``, or one-hot rows
        (a single 1 in each row, zeros elsewhere). Floats that are whole
        numbers (``3.0``) are accepted as indices.
    n_samples : int
        The batch size N the labels must match.
    n_classes : int
        The number of classes (the network's ``output_size``).

    Returns
    -------
    numpy.ndarray of int64, shape (N,)
        The class index of each sample (one-hot rows are turned into indices).

    Raises
    ------
    ValueError
        On a count that differs from ``n_samples``, a value outside
        ``[0, n_classes)``, a non-integer label, or a row that is not one-hot.
    """
    labels = _as_numeric_array(t, name)
    if labels.ndim == 2 and labels.shape[1] == n_classes and n_classes > 1:
        if labels.shape[0] != n_samples:
            raise ValueError(
                f"{name} has {labels.shape[0]} one-hot rows but the batch has {n_samples} samples; "
                "give one label a sample"
            )
        ones = labels == 1
        row_is_one_hot = (ones | (labels == 0)).all(axis=1) & (ones.sum(axis=1) == 1)
        if not row_is_one_hot.all():
            bad_row = int(np.argmin(row_is_one_hot))
            raise ValueError(
                f"{name} of shape {labels.shape} is read as one-hot, but row {bad_row} is "
                f"{labels[bad_row].tolist()}; each row needs exactly one 1 and zeros elsewhere"
            )
        return ones.argmax(axis=1)
    if labels.ndim != 1:
        raise ValueError(
            f"{name} must be integer labels of shape ({n_samples},) or one-hot of shape "
            f"({n_samples}, {n_classes}); got shape {labels.shape}"
            + ("; use t.ravel() for a column of labels" if labels.ndim == 2 and labels.shape[1] == 1 else "")
        )
    if labels.shape[0] != n_samples:
        raise ValueError(
            f"{name} has {labels.shape[0]} labels but the batch has {n_samples} samples; "
            "give one label a sample"
        )
    if labels.dtype.kind == "f":
        whole = np.isfinite(labels) & (labels == np.round(labels))
        if not whole.all():
            bad_value = labels[np.flatnonzero(~whole)[0]]
            raise ValueError(
                f"{name} must hold integer class labels; got the non-integer value {bad_value} "
                "(regression targets? probabilities?); labels are 0, 1, ..., n_classes - 1"
            )
    elif labels.dtype.kind == "b":
        raise ValueError(f"{name} must hold integer class labels, not booleans; use t.astype(int)")
    if labels.size and (labels.min() < 0 or labels.max() >= n_classes):
        bad_value = labels[(labels < 0) | (labels >= n_classes)][0]
        raise ValueError(
            f"{name} contains the label {bad_value}, outside [0, {n_classes}): "
            f"the model has {n_classes} classes, numbered 0 to {n_classes - 1}"
        )
    return labels.astype(np.int64, copy=False)


def check_state(state, targets, description):
    """Check a saved state against the arrays it will be copied into; return ``state`` as arrays.

    Parameters
    ----------
    state : dict of str -> array_like
        What to load, e.g. from ``MLP.state_dict()``.
    targets : dict of str -> numpy.ndarray
        The arrays the values go into, by name.
    description : str
        The model, for error messages (``MLP.describe()``).

    Raises
    ------
    ValueError
        On missing or unexpected names, a shape that differs from the
        target's, a non-numeric value, or NaN or infinity. All of it is
        checked before the caller changes anything.
    """
    missing, unexpected = sorted(set(targets) - set(state)), sorted(set(state) - set(targets))
    if missing or unexpected:
        raise ValueError(
            f"state does not match this network ({description}): missing keys {missing}, "
            f"unexpected keys {unexpected}; was it saved from another architecture?"
        )
    values = {}
    for name, target in targets.items():
        value = np.asarray(state[name])
        if value.shape != target.shape or value.dtype.kind not in "biuf":
            raise ValueError(
                f"state[{name!r}] has shape {value.shape} and dtype {value.dtype}, but this network's "
                f"{name!r} has shape {target.shape} ({description}); was it saved from another architecture?"
            )
        if not np.isfinite(value).all():
            raise ValueError(f"state[{name!r}] contains NaN or infinite values; refusing to load a broken model")
        if value.dtype.kind == "f" and np.finfo(value.dtype).max > np.finfo(target.dtype).max:
            with np.errstate(over="ignore"):
                overflows = not np.isfinite(value.astype(target.dtype)).all()
            if overflows:
                raise _too_large(value, target.dtype, f"state[{name!r}]",
                                 "weights this large come from a run that diverged: train again with a lower "
                                 "learning rate, or build the network with dtype float64")
        values[name] = value
    return values
