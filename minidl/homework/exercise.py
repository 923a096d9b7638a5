"""What an exercise is: a file for the student, and checks worth points.

An :class:`Exercise` names the file a student fills in (``affine.py``) and
lists its :class:`Check` objects. A check is a function ``run(module, rng)``
that receives the student's imported module and returns a
:class:`~minidl.homework.checks.CheckReport`; it earns its points when every row of
the report passes (a warning row is advice and costs nothing). Visible checks
use fixed shapes and values and are what ``minidl homework check`` runs;
hidden checks draw their shapes and values from ``rng``, seeded by the
grader's ``--seed``, so an answer cannot be hard-coded.

The helpers below are shared by the check modules.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from minidl.homework.checks.report import compare_arrays


@dataclass(frozen=True)
class Check:
    """One graded check of an exercise.

    Attributes
    ----------
    name : str
        Short and unique within its exercise, e.g. ``"forward values"``.
    points : float
        Earned in full when the check passes, else none.
    hidden : bool
        Hidden checks run only in ``minidl homework grade``, on shapes and
        values drawn from the grader's seed.
    run : callable
        ``run(module, rng) -> CheckReport``.
    """

    name: str
    points: float
    hidden: bool
    run: object = field(repr=False)


@dataclass(frozen=True)
class Exercise:
    """One concept of the book's chapters 5 to 7, in one file for the student.

    Attributes
    ----------
    name : str
        What ``--exercise`` takes, e.g. ``"affine"``.
    title : str
        One line for the list, e.g. ``"Affine layer: forward and backward"``.
    chapter : int
        The book's chapter.
    file : str
        The file the student fills in, inside the homework folder.
    checks : tuple of Check
        Visible checks first, then hidden ones.
    """

    name: str
    title: str
    chapter: int
    file: str
    checks: tuple

    @property
    def points(self):
        """float: the exercise's full marks, the sum of its checks' points."""
        return sum(check.points for check in self.checks)


class MissingName(AttributeError):
    """The student's file lacks a class or function the exercise needs."""


def student_attribute(module, name):
    """``module.name``, or :class:`MissingName` with a sentence a student understands."""
    try:
        return getattr(module, name)
    except AttributeError:
        file = Path(getattr(module, "__file__", None) or module.__name__).name
        raise MissingName(f"{file} defines no {name}; keep the name the starter file gives it") from None


def compare(report, row, actual, expected, tolerance=1e-9, floor=1e-12, hint=""):
    """Add a row comparing what the student's code gave with the expected array; return whether it passed.

    ``hint``, if given, is the failed row's hint: the usual cause. It may be a
    function ``hint(actual, expected)`` of the two arrays (same shape), called
    only on a failure, to read the likely mistake from the numbers.
    """
    if actual is None:
        return report.add(row, False, "got None; did you forget to return the result?")
    try:
        actual = np.asarray(actual, dtype=np.float64)
    except (TypeError, ValueError):
        return report.add(row, False, f"got {type(actual).__name__}, expected an array of numbers")
    expected = np.asarray(expected, dtype=np.float64)
    if actual.shape != expected.shape:
        return report.add(row, False, f"shape {actual.shape}, expected {expected.shape}")
    passed, detail = compare_arrays(actual, expected, tolerance, floor, labels=("yours", "expected"))
    if passed:
        return report.add(row, True, detail)
    return report.add(row, False, detail, hint=hint(actual, expected) if callable(hint) else hint)


def unlike(visible, draw):
    """``draw()``, drawn again while it equals ``visible``: a hidden check never repeats the visible one's shape.

    ``visible`` may also be a function ``visible(value) -> bool`` telling
    whether a drawn value repeats the visible check.
    """
    repeats = visible if callable(visible) else visible.__eq__
    value = draw()
    while repeats(value):
        value = draw()
    return value


def uniform(rng, low, high):
    """A number drawn uniformly from [low, high], rounded to 3 significant digits (readable in a report)."""
    return float(f"{rng.uniform(low, high):.3g}")

