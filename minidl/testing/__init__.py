"""The old name of the homework kit's checks; they live in :mod:`minidl.homework.checks` now.

``from minidl.testing import check_layer`` keeps working: this module only
re-exports the public names of :mod:`minidl.homework.checks`. The grading
of a course is in :mod:`minidl.homework.grading`, the answer key in
:mod:`minidl.homework.key` (``docs/homework.md``, ``docs/teaching.md``).
"""

from minidl.homework.checks import CheckFailed, CheckReport, Row, check_layer, check_network, check_optimizer

__all__ = ["CheckFailed", "CheckReport", "Row", "check_layer", "check_network", "check_optimizer"]
