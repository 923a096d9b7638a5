"""The homework's own checks, run directly on edited key files: their hints, and the rows they show."""

import re

import numpy as np

from minidl.homework import EXERCISES, layer_checks
from minidl.homework.grading.runner import check_generator


def softmax(key, edit, load, old, new):
    edit(key / "softmax_with_loss.py", old, new)
    return load(key / "softmax_with_loss.py")


def test_a_backward_missing_the_division_by_the_batch_size_gets_the_batch_size_hint(key, edit, load):
    module = softmax(key, edit, load, "return dx * (dout / batch_size)", "return dx * dout")
    report = layer_checks.softmax_backward(module, np.random.default_rng(0))
    (row,) = report.rows
    assert row.status == "fail"
    assert "5x the expected dx, and 5 is the batch size" in row.hint, report


def test_a_forward_that_does_not_subtract_the_row_maximum_gets_the_overflow_hint(key, edit, load):
    module = softmax(key, edit, load, "shifted = x - x.max(axis=1, keepdims=True)", "shifted = x")
    report = layer_checks.softmax_large_scores(module, np.random.default_rng(0))
    (row,) = report.rows
    assert row.status == "fail" and ("nan" in row.detail or "inf" in row.detail)
    assert "subtract each row's maximum" in row.hint, report


def test_the_optimizer_checks_leave_out_the_two_networks_warning(key, load):
    # The starter files key the state by name, as the book does: the homework must not warn about it.
    for exercise in ("momentum", "adam"):
        module = load(key / f"{exercise}.py")
        for check in EXERCISES[exercise].checks:
            report = check.run(module, np.random.default_rng(0))
            assert report.ok and report.status == "pass", report
            assert "two networks" not in [row.name for row in report.rows], report


def test_hidden_checks_never_repeat_the_visible_shapes_or_settings(key, load):
    # Seed 0 drew affine's visible input shape (4, 3) for its hidden check before; the shapes are in the subjects.
    # check_network's subject names no shape: two_layer_net is held to it by the code, not here.
    for exercise in EXERCISES.values():
        module = load(key / exercise.file)
        # Up to the suffix naming the part checked (": forward", ": backward, ..." in chapter 7).
        def problem(subject):
            return re.sub(r": (forward|backward).*$", "", subject)

        visible = {problem(check.run(module, check_generator(0, exercise, check)).subject)
                   for check in exercise.checks if not check.hidden}
        for seed in (0, 1, 2):
            for check in exercise.checks:
                if check.hidden:
                    subject = problem(check.run(module, check_generator(seed, exercise, check)).subject)
                    assert subject not in visible or exercise.name == "two_layer_net", (exercise.name, seed, subject)
