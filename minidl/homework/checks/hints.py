"""Hints: read the numbers of a failed check and name the likely mistake.

"max relative error 6.0e-01 at index (1,)" says *that* a gradient is wrong;
a student then needs to know *why*. Most wrong answers are a simple function
of the right one, and that function names the mistake:

=====================================  ==============================================
the wrong answer is                    the likely mistake
=====================================  ==============================================
the right one times -1                 a sign (``+=`` for ``-=``, ``x - t`` for ``t - x``)
the right one times N, the batch size  a sum where the mean belongs, or the reverse
the right one times another constant   a learning rate or a constant factor
the right one transposed               ``dout.T @ x`` for ``x.T @ dout``
dout summed over the wrong axis        ``db = dout.sum(axis=1)``, or the mean for the sum
the right one divided by ``dout``      the chain rule forgotten (``dout *`` missing)
nonzero where the right one is zero    a mask inverted or missing
=====================================  ==============================================

Each function below tests one row of that table and returns a sentence, or
``""`` when the numbers do not fit it. They compare loosely (relative 1e-4):
a finite difference is accurate to far better than that, and a pattern that
fits only approximately is not worth naming.
"""

from __future__ import annotations

import itertools

import numpy as np


def gradient_hint(student, expected, name, *, against="the numerical gradient", dout=None, batch_size=None):
    """The first pattern that explains how ``student`` differs from ``expected``, or ``""``.

    Parameters
    ----------
    student, expected : numpy.ndarray
        The wrong array (a backward pass's gradient) and the right one (a
        finite-difference estimate). Their shapes may differ: then only the
        transpose and the sums of ``dout`` are tried.
    name : str
        What ``student`` is called in the sentence, e.g. ``"db"``.
    against : str
        What ``expected`` is called, e.g. ``"the numerical gradient"``.
    dout : numpy.ndarray, optional
        The upstream gradient a layer's ``backward`` was given.
    batch_size : int, optional
        The number of samples, so a factor equal to it can be named.

    Returns
    -------
    str
        E.g. ``"dW equals the numerical gradient transposed"``.
    """
    student = np.asarray(student, dtype=np.float64)
    expected = np.asarray(expected, dtype=np.float64)
    if not (np.isfinite(student).all() and np.isfinite(expected).all()):
        return ""  # the report names the non-finite value already
    hints = [transpose_hint(student, expected, name, against)]
    if dout is not None:
        dout = np.asarray(dout, dtype=np.float64)
        hints = [missing_dout_hint(student, expected, dout, name, against),
                 reduction_hint(student, expected, dout, name)] + hints
    if student.shape == expected.shape:
        hints += [mask_hint(student, expected, name, against), ratio_hint(student, expected, name, against, batch_size)]
    return next((hint for hint in hints if hint), "")


def ratio_hint(student, expected, name, against, batch_size=None):
    """``"your step is 0.10x the reference step"``: ``student`` is a constant times ``expected``."""
    ratio = proportional(student, expected)
    if ratio is None:
        if not np.any(student) and np.any(expected):
            return f"{name} is zero everywhere; {against} is not"
        return ""
    if abs(ratio - 1) < 1e-3:
        return ""
    if abs(ratio + 1) < 1e-3:
        return f"{name} has the wrong sign: it is minus {against}"
    if batch_size and batch_size > 1 and abs(ratio - batch_size) < 1e-3 * batch_size:
        return (f"{name} is {batch_size}x {against}, and {batch_size} is the batch size: "
                "a sum where the mean belongs, or a missing division by the batch size?")
    if batch_size and batch_size > 1 and abs(ratio * batch_size - 1) < 1e-3:
        return (f"{name} is 1/{batch_size} of {against}, and {batch_size} is the batch size: "
                "a mean where the sum belongs, or one division by the batch size too many?")
    return f"{name} is {times(ratio)} {against}"


def proportional(student, expected, share=0.9):
    """The constant ``c`` with ``student == c * expected`` on most elements, or None.

    ``c`` is the median of the element-wise ratios; it is returned when at
    least ``share`` of the elements agree with it to a relative 1e-3 (so a
    few elements where eps or a kink matters do not hide a wrong factor).
    None when ``expected`` or ``student`` is all zeros.
    """
    student = np.asarray(student, dtype=np.float64).ravel()
    expected = np.asarray(expected, dtype=np.float64).ravel()
    if student.shape != expected.shape or not np.any(expected) or not np.any(student):
        return None
    usable = np.abs(expected) > 1e-6 * np.abs(expected).max()
    ratios = student[usable] / expected[usable]
    ratio = float(np.median(ratios))
    if ratio == 0:
        return None
    return ratio if np.mean(np.abs(ratios - ratio) <= 1e-3 * abs(ratio)) >= share else None


def times(ratio):
    """``0.10x``, ``3.16x``, ``2.5e-04x``: a ratio as a student reads it."""
    return f"{ratio:.2f}x" if 0.01 <= abs(ratio) < 1000 else f"{ratio:.2g}x"


def transpose_hint(student, expected, name, against):
    """``"dW equals the numerical gradient transposed"``."""
    if student.ndim != 2 or student.T.shape != expected.shape or student.shape[0] == 1 or student.shape[1] == 1:
        return ""
    if close(student.T, expected) and not close(student, expected):
        return f"{name} equals {against} transposed"
    return ""


def reduction_hint(student, expected, dout, name):
    """``"db is the sum of dout over axis 1 instead of over axis 0 (the batch)"``.

    Both arrays are matched against the sums and means of ``dout`` over every
    set of axes; the hint is given when each matches a different one.
    """
    mine, right = _reduction_of(student, dout), _reduction_of(expected, dout)
    if mine is None or right is None or mine == right:
        return ""
    (my_kind, my_axes), (right_kind, right_axes) = mine, right
    if my_axes == right_axes:
        factor = int(np.prod([dout.shape[axis] for axis in my_axes]))
        return (f"{name} is the {my_kind} of dout over {_axes_text(my_axes, dout)} instead of its {right_kind} "
                f"(a factor {factor})")
    return (f"{name} is the {my_kind} of dout over {_axes_text(my_axes, dout)} instead of "
            f"the {right_kind} over {_axes_text(right_axes, dout)}")


def missing_dout_hint(student, expected, dout, name, against):
    """``"dx times dout equals the numerical gradient: ..."``: the chain rule forgotten."""
    if not (student.shape == expected.shape == dout.shape) or close(student, expected):
        return ""
    if close(student * dout, expected):
        return (f"{name} times dout equals {against}: multiply the local gradient by dout "
                "(the chain rule)")
    return ""


def mask_hint(student, expected, name, against):
    """A gradient let through where it should be blocked, or blocked where it should pass."""
    scale = max(np.abs(expected).max(initial=0.0), np.abs(student).max(initial=0.0))
    if scale == 0:
        return ""
    blocked, student_zero = np.abs(expected) <= 1e-7 * scale, np.abs(student) <= 1e-7 * scale
    if not blocked.any() or blocked.all():
        return ""
    if np.array_equal(student_zero, ~blocked):
        return (f"{name} is nonzero exactly where {against} is zero, and zero where it is not: "
                "is the mask inverted?")
    if close(student[~blocked], expected[~blocked]) and not student_zero[blocked].all():
        return (f"{name} is right where {against} is nonzero, but not zero where it is: "
                "is the mask missing, or applied to the wrong array?")
    return ""


def close(first, second):
    """Loose equality for recognising a pattern: same shape, equal to a relative 1e-4."""
    first, second = np.asarray(first, dtype=np.float64), np.asarray(second, dtype=np.float64)
    if first.shape != second.shape:
        return False
    scale = max(np.abs(first).max(initial=0.0), np.abs(second).max(initial=0.0))
    return bool(np.allclose(first, second, rtol=1e-4, atol=1e-6 * scale))


def _reduction_of(array, dout):
    """``(kind, axes)``: the first sum or mean of ``dout`` over some axes that equals ``array``."""
    for count in range(1, dout.ndim + 1):
        for axes in itertools.combinations(range(dout.ndim), count):
            for kind in ("sum", "mean"):
                if close(array, getattr(dout, kind)(axis=axes)):
                    return kind, axes
    return None


def _axes_text(axes, dout):
    if len(axes) == dout.ndim:
        return "all its axes"
    if axes == (0,):
        return "axis 0 (the batch)"
    return f"axis {axes[0]}" if len(axes) == 1 else f"axes {axes}"
