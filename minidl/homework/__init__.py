"""The teacher's half of the homework kit: exercises, starter files, an autograder with points.

Two homeworks on the book "Deep Learning from Scratch": fourteen exercises on
chapters 5 and 6 (the default) and four on chapter 7 (convolutional
networks), each exercise one concept in one file (``minidl homework list``)::

    minidl homework new hw                   # starter files, checks, notebooks, README
    minidl homework new hw7 --chapter 7      # chapter 7's homework
    minidl homework check hw                 # the student: visible checks, readable reports
    minidl homework grade hw --seed 1234 --results results.json   # the grader, for Gradescope

or from Python::

    from minidl.homework import EXERCISES, chapter_exercises, write_assignment, check, grade

    write_assignment("hw")                   # or solutions=True for the answer key
    write_assignment("hw7", chapter_exercises(7))
    report = grade("hw", seed=1234)
    print(report)                            # a table, then what failed and why
    report.write_gradescope("results.json")

The starter files are derived from the answer key (:mod:`minidl.homework.key`),
whose solutions sit between ``# BEGIN SOLUTION`` and ``# END SOLUTION``;
:mod:`minidl.homework.derive` turns each region into ``# TODO`` and
``raise NotImplementedError``.

The package, one concept a part:

- :mod:`minidl.homework.checks`: the student-facing checks,
  ``check_layer``, ``check_optimizer``, ``check_network`` and their
  reports (``minidl.testing`` is its old name, kept as an alias);
- the exercises: :mod:`~minidl.homework.exercise` (what an exercise and a
  check are), :mod:`~minidl.homework.catalogue` and the check modules
  ``layer_checks``, ``gradient_checks``, ``optimizer_checks``,
  ``data_checks``, built on :mod:`minidl.homework.checks`;
- :mod:`minidl.homework.key`: the answer key, and
  :mod:`~minidl.homework.derive` and :mod:`~minidl.homework.assignment`,
  which turn it into a homework folder;
- :mod:`minidl.homework.grading`: the grader, its child processes and their
  confinement, the results.

``docs/teaching.md`` walks through a course, Gradescope included.
"""

from minidl.homework.assignment import write_assignment
from minidl.homework.catalogue import EXERCISES, chapter_exercises
from minidl.homework.grading import CheckResult, GradeReport, check, grade

__all__ = ["EXERCISES", "CheckResult", "GradeReport", "chapter_exercises", "check", "grade", "write_assignment"]
