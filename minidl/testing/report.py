"""The result of a homework check: what was checked, what passed, what is wrong.

Every ``check_*`` function of :mod:`minidl.testing` returns a :class:`CheckReport`.
Printing it shows a table a student can read top to bottom::

    check_layer(Affine) on input shape (4, 3)
      ok    forward output       shape (4, 2), dtype float64
      FAIL  gradient db          max relative error 1.0e+00 at index (1,) (analytic 0, numerical 0.73)
      ...
    1 problem found.

A grader script can instead test ``report.ok`` or call
:meth:`CheckReport.raise_if_failed`, which raises :class:`CheckFailed` (an
``AssertionError``, so pytest shows the whole table).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


class CheckFailed(AssertionError):
    """Raised by :meth:`CheckReport.raise_if_failed`; its message is the report table."""


@dataclass
class CheckReport:
    """What one ``check_*`` call found.

    Attributes
    ----------
    subject : str
        What was checked, e.g. ``"check_layer(Affine) on input shape (4, 3)"``.
    rows : list of (str, bool, str)
        One row per check: its name, whether it passed, and a sentence of detail
        (for a failure: what is wrong, where, and the numbers involved).
    """

    subject: str
    rows: list = field(default_factory=list)

    def add(self, name, passed, detail=""):
        """Append one row; return ``passed`` so a caller can stop after a failure."""
        self.rows.append((name, bool(passed), detail))
        return bool(passed)

    @property
    def problems(self):
        """list of str: ``"name: detail"`` for every failed row, in the order found."""
        return [f"{name}: {detail}" for name, passed, detail in self.rows if not passed]

    @property
    def ok(self):
        """bool: True when every row passed."""
        return not self.problems

    def __bool__(self):
        # ``if check_layer(...):`` reads naturally in a grader script.
        return self.ok

    def __str__(self):
        width = max([len(name) for name, _, _ in self.rows] + [10])
        lines = [self.subject]
        for name, passed, detail in self.rows:
            lines.append(f"  {'ok  ' if passed else 'FAIL'}  {name:<{width}}  {detail}".rstrip())
        count = len(self.problems)
        if count == 0:
            lines.append("All checks passed.")
        else:
            lines.append(f"{count} problem{'s' if count > 1 else ''} found.")
        return "\n".join(lines)

    def __repr__(self):
        return f"CheckReport({self.subject!r}, ok={self.ok}, problems={len(self.problems)})"

    def raise_if_failed(self):
        """Raise :class:`CheckFailed` with the full table if any row failed."""
        if not self.ok:
            raise CheckFailed("\n" + str(self))
        return self


def format_number(value):
    """Short, readable number: ``0.51``, ``3.2e-05``, ``0``."""
    value = float(value)
    if value == 0:
        return "0"
    if 1e-3 <= abs(value) < 1e4:
        return f"{value:.4g}"
    return f"{value:.2e}"


def compare_arrays(first, second, tolerance, floor, labels=("analytic", "numerical")):
    """Locate the worst disagreement between two arrays of the same shape.

    Parameters
    ----------
    first, second : numpy.ndarray
        The two arrays (a backward pass and a finite-difference estimate, or
        a student's parameters and the reference's).
    tolerance : float
        The largest relative error accepted.
    floor : float
        Denominator floor of the relative error (see Notes).
    labels : (str, str)
        What to call the two arrays in the detail sentence.

    Returns
    -------
    passed : bool
        True when the largest relative error is at most ``tolerance``.
    detail : str
        The largest relative error, where, and both values there, e.g.
        ``"max relative error 3.2e-01 at index (2, 1) (analytic 0.51, numerical 0.12)"``.

    Notes
    -----
    The relative error of one element is that of
    :func:`minidl.gradcheck.relative_error`,

    .. math:: e_i = \\frac{|a_i - n_i|}{\\max(|a_i| + |n_i|, \\text{floor})}

    a number in [0, 1]: 1 means the two values have opposite signs or one of
    them is zero. The floor keeps two values that are both almost zero from
    looking wildly different (their difference is then divided by the floor).
    Here we also need *where* the worst element is, hence the element-wise form.
    """
    first = np.asarray(first, dtype=np.float64)
    second = np.asarray(second, dtype=np.float64)
    if first.size == 0:
        return True, "empty array"
    finite = np.isfinite(first) & np.isfinite(second)
    if not finite.all():
        index = tuple(int(i) for i in np.argwhere(~finite)[0])
        return False, f"non-finite value at index {index} ({labels[0]} {first[index]}, {labels[1]} {second[index]})"
    errors = np.abs(first - second) / np.maximum(np.abs(first) + np.abs(second), floor)
    worst = np.unravel_index(int(np.argmax(errors)), errors.shape)
    index = tuple(int(i) for i in worst)
    detail = (
        f"max relative error {errors[worst]:.1e} at index {index} "
        f"({labels[0]} {format_number(first[worst])}, {labels[1]} {format_number(second[worst])})"
    )
    return bool(errors[worst] <= tolerance), detail
