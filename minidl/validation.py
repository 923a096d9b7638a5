"""Checks of arrays: the data, labels, parameters and gradients that enter minidl.

A wrong shape deep inside a matrix product produces an error such as
``matmul: Input operand 1 has a mismatch in its core dimension 0`` that tells
a learner nothing about what *they* did wrong. The functions here run where
arrays enter minidl (the network, the trainer, the scikit-learn estimator,
the data sets, an optimizer's update) and turn a bad input into an error
that names the problem, the shapes or values involved, what was expected
and the fix. Each returns the cleaned value, so a caller writes
``x = check_features(x, 784, np.float32)`` and carries on.

The checks of settings (numbers, names, choices) are in :mod:`minidl.settings`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np

from minidl.flat import FlatArrays

# Re-exported: minidl.training.trainer imports these two settings checks from here.
from minidl.settings import check_positive_int, check_seed  # noqa: F401


# ======================================================================= data
def _as_numeric_array(values, name, labels=False):
    array = np.asarray(values)
    if array.dtype.kind not in "biuf":
        # Labels are class numbers: "7" becomes 7, and names such as "cat" need a number each.
        fix = ("convert them to integer classes 0, 1, ...: np.asarray(t).astype(int) for digits such as '7', "
               "or np.unique(t, return_inverse=True)[1] for names" if labels
               else "convert it with np.asarray(..., dtype=float)")
        raise ValueError(f"{name} must hold numbers, but its dtype is {array.dtype} (strings or objects?); {fix}")
    return array


def check_features(x, n_features, dtype=None, name="x", advice=None):
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
    advice : callable, optional
        ``advice(width)`` gives the fix the error names when a sample has
        ``width`` numbers instead of ``n_features`` (a network names its own
        setting, e.g. a SimpleConvNet its ``input_dim``); by default "check
        the data matches the model's input_size".

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
            f"but {n_features} were expected; "
            + (advice(width) if advice is not None else "check the data matches the model's input_size")
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
    labels = _as_numeric_array(t, name, labels=True)
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


# ===================================================== parameters and gradients
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
        _check_computable(value, target.dtype, name)
        values[name] = value
    return values


def _check_computable(value, dtype, name):
    """Refuse finite values that no computation survives, and a negative variance.

    A number above :math:`\\sqrt{M}`, where :math:`M` is the largest number
    of ``dtype`` (3.4e38 for float32, so 1.8e19), overflows when multiplied
    by another as large: a weight of 3e38 times an input of 2 is infinite,
    and the prediction NaN. No trained network comes near: its weights are
    of order 1. A batch normalisation's running variance is a mean of
    squares, never negative; below zero, :math:`\\sqrt{\\sigma^2 + \\epsilon}`
    is NaN.
    """
    if value.size == 0:
        return
    bound = math.sqrt(float(np.finfo(dtype).max))
    largest = float(np.max(np.abs(value)))
    if largest > bound:
        raise ValueError(
            f"state[{name!r}] holds values too large to compute with (largest magnitude {largest:.3g}; above "
            f"{bound:.3g}, the square root of {np.dtype(dtype).name}'s largest number, one product overflows "
            "to infinity): weights this large come from a run that diverged; train again with a lower learning rate"
        )
    if name.startswith("running_var") and float(value.min()) < 0:
        raise ValueError(
            f"state[{name!r}] holds a negative running variance ({float(value.min()):.3g}), which no batch "
            "normalisation computes (a variance is a mean of squares) and which would make every prediction "
            "NaN; the file was changed by another program: save the network again"
        )


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
    all_in_one = isinstance(grads, FlatArrays) and is_finite(grads.flat)
    not_finite = [] if all_in_one else [name for name, grad in grads.items() if not is_finite(grad)]
    if not_finite:
        raise ValueError(
            f"grads {not_finite} contain NaN or infinity; no parameter was changed. The loss has "
            "probably diverged: lower the learning rate or clip gradients (ClipGradNorm)"
        )
    return grads
