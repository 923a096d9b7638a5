"""CheckReport and compare_arrays: the table a student reads, the numbers in it."""

import numpy as np
import pytest

from minidl.gradcheck import relative_error
from minidl.testing import CheckFailed, CheckReport
from minidl.testing.report import compare_arrays, format_number


def test_compare_arrays_names_the_worst_element_and_both_values():
    analytic = np.array([[1.0, 2.0], [0.51, 4.0]])
    numerical = np.array([[1.0, 2.0], [0.12, 4.0]])
    passed, detail = compare_arrays(analytic, numerical, tolerance=1e-6, floor=1e-5)
    # |0.51 - 0.12| / (0.51 + 0.12) = 0.619...
    assert not passed
    assert detail == "max relative error 6.2e-01 at index (1, 0) (analytic 0.51, numerical 0.12)"


def test_compare_arrays_agrees_with_gradcheck_relative_error():
    rng = np.random.default_rng(0)
    first = rng.standard_normal((3, 4))
    second = first + rng.standard_normal((3, 4)) * 1e-3
    _, detail = compare_arrays(first, second, tolerance=1.0, floor=1e-5)
    expected = relative_error(first, second, floor=1e-5)
    assert detail.startswith(f"max relative error {expected:.1e} at index")


def test_compare_arrays_floor_keeps_tiny_values_from_looking_different():
    passed, _ = compare_arrays(np.array([1e-13]), np.array([-1e-13]), tolerance=1e-6, floor=1e-5)
    assert passed
    passed, _ = compare_arrays(np.array([1e-13]), np.array([-1e-13]), tolerance=1e-6, floor=1e-20)
    assert not passed


def test_compare_arrays_reports_non_finite_values_and_uses_labels():
    passed, detail = compare_arrays(np.array([0.0, np.nan]), np.array([0.0, 1.0]), 1e-6, 1e-5,
                                    labels=("student", "reference"))
    assert not passed
    assert detail == "non-finite value at index (1,) (student nan, reference 1.0)"


@pytest.mark.parametrize("value, text", [(0, "0"), (0.51, "0.51"), (3.2e-5, "3.20e-05"), (123456.0, "1.23e+05")])
def test_format_number(value, text):
    assert format_number(value) == text


def test_report_collects_problems_in_order_and_prints_a_table():
    report = CheckReport("check_layer(Toy) on input shape (2, 3)")
    assert report.add("forward output", True, "shape (2, 3)")
    assert not report.add("gradient db", False, "after backward, db is None")
    report.add("gradient dW", False, "max relative error 1.0e+00")
    assert not report.ok and not bool(report)
    assert report.problems == ["gradient db: after backward, db is None", "gradient dW: max relative error 1.0e+00"]
    lines = str(report).splitlines()
    assert lines[0] == "check_layer(Toy) on input shape (2, 3)"
    assert lines[1] == "  ok    forward output  shape (2, 3)"
    assert lines[2] == "  FAIL  gradient db     after backward, db is None"
    assert lines[-1] == "2 problems found."
    assert "problems=2" in repr(report)


def test_raise_if_failed_raises_an_assertion_error_with_the_table():
    report = CheckReport("subject")
    report.add("passing", True)
    assert report.raise_if_failed() is report
    assert str(report).endswith("All checks passed.")
    report.add("failing", False, "what is wrong")
    with pytest.raises(CheckFailed, match="FAIL  failing") as caught:
        report.raise_if_failed()
    assert isinstance(caught.value, AssertionError)
