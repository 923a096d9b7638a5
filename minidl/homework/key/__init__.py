"""The answer key of the homework: one file an exercise, with the solutions marked.

Each file here is what a student receives, with the answer filled in between
``# BEGIN SOLUTION: hint`` and ``# END SOLUTION``. The starter file is derived
from it (:mod:`minidl.homework.derive`): each marked region becomes the hint
as a ``# TODO`` comment and ``raise NotImplementedError``. The two therefore
cannot drift apart. This ``__init__.py`` is the only file not handed out.
"""
