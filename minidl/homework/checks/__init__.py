"""The homework kit: check a layer, an optimizer or a network written by a student.

Students of a course write the pieces of a network themselves; a grader, or
the student, then runs::

    from minidl.homework.checks import check_layer, check_optimizer, check_network

    print(check_layer(MyAffine(W, b), input_shape=(4, 3)))     # gradients, shapes, dtypes
    print(check_layer(MySoftmaxWithLoss(), (4, 3), t="one-hot"))  # a loss layer: forward(x, t)
    print(check_optimizer(MyRMSprop, "rmsprop", lr=0.01))      # same steps as minidl's RMSprop?
    print(check_network(MyTwoLayerNet()))                      # trains, gradients right?

Each returns a :class:`CheckReport`: a readable table for a person
(``print(report)``, or just ``report`` in a notebook), with a hint under each
failure that names the likely mistake; ``report.ok``, ``report.status`` and
``report.to_dict()`` for a grader; and ``raise_on_failure=True`` (or
``report.raise_if_failed()``) to raise :class:`CheckFailed` inside a pytest
test. A row is ``ok``, ``FAIL``, ``warn`` (does not fail the report) or
``TODO`` (the code raised ``NotImplementedError``: not written yet).
``docs/homework.md`` walks through a complete exercise.
"""

from minidl.homework.checks.layers import check_layer
from minidl.homework.checks.network import check_network
from minidl.homework.checks.optimizers import check_optimizer
from minidl.homework.checks.report import CheckFailed, CheckReport, Row

__all__ = ["CheckFailed", "CheckReport", "Row", "check_layer", "check_network", "check_optimizer"]
