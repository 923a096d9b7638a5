"""Grading a homework folder: each exercise in a confined child process, with points.

- :mod:`~minidl.homework.grading.grader`: :func:`check` and :func:`grade`,
  one child process an exercise, a time limit, a few at a time;
- :mod:`~minidl.homework.grading.runner`: what the child does, import the
  student's file and run the exercise's checks;
- :mod:`~minidl.homework.grading.confine`: the child's scratch folder,
  stripped environment and resource limits;
- :mod:`~minidl.homework.grading.results`: :class:`CheckResult` and
  :class:`GradeReport`, the table and the Gradescope file.
"""

from minidl.homework.grading.grader import check, grade
from minidl.homework.grading.results import CheckResult, GradeReport

__all__ = ["CheckResult", "GradeReport", "check", "grade"]
