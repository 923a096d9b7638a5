"""CheckReport and compare_arrays: the table a student reads, the data a grader reads, the numbers in both."""

import copy
import json

import numpy as np
import pytest

from minidl.gradcheck import relative_error
from minidl.homework.checks import CheckFailed, CheckReport
from minidl.homework.checks.report import Row, compare_arrays, format_number


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
    # The first line, which pytest's short summary shows, is never empty.
    assert str(caught.value).splitlines()[0] == "subject: 1 problem found (failing)"


def a_report_of_every_status():
    report = CheckReport("check_layer(Toy<T>) on input shape (2, 3)")
    report.add("forward output", True, "shape (2, 3)")
    report.warn("two networks", "mixes <state> & more", hint="one optimizer a network")
    report.add("gradient db", False, "max relative error 6.0e-01", hint="db is the mean of dout")
    report.add_error("backward", NotImplementedError(), "backward")
    return report


def test_rows_have_a_status_and_still_read_as_the_old_triples():
    report = a_report_of_every_status()
    assert [row.status for row in report.rows] == ["pass", "warn", "fail", "todo"]
    assert [row.passed for row in report.rows] == [True, True, False, False]
    assert ("forward output", True, "shape (2, 3)") in report.rows
    name, passed, message = report.rows[2]
    assert (name, passed, message) == ("gradient db", False, "max relative error 6.0e-01; hint: db is the mean of dout")
    assert copy.deepcopy(report.rows[1]).status == "warn" and copy.deepcopy(report.rows[1]).hint != ""
    old_style = CheckReport("subject", [("a", True, "fine"), ("b", False, "wrong")])
    assert [row.status for row in old_style.rows] == ["pass", "fail"] and old_style.problems == ["b: wrong"]
    with pytest.raises(ValueError, match="status must be one of"):
        Row("a", "passed")


def test_warnings_do_not_fail_a_report_and_todos_do():
    report = CheckReport("subject")
    report.add("fine", True)
    report.warn("pitfall", "harmless here")
    assert report.ok and report.status == "warn" and report.warnings == ["pitfall: harmless here"]
    assert str(report).endswith("All checks passed. 1 warning.")
    report.add_error("update", NotImplementedError("write me"), "step 1: update")
    assert not report.ok and report.status == "todo"
    assert report.problems == ["update: not implemented yet (TODO): step 1: update raised NotImplementedError: "
                               "write me"]
    assert report.summary == "1 part not implemented yet (TODO)."
    report.add("wrong", False)
    assert report.status == "fail" and report.summary == "1 problem found; 1 part not implemented yet (TODO)."


def test_the_text_table_shows_every_status_and_hints_on_their_own_line():
    lines = str(a_report_of_every_status()).splitlines()
    assert lines[1:6] == [
        "  ok    forward output  shape (2, 3)",
        "  warn  two networks    mixes <state> & more",
        "                        hint: one optimizer a network",
        "  FAIL  gradient db     max relative error 6.0e-01",
        "                        hint: db is the mean of dout",
    ]
    assert lines[6] == "  TODO  backward        not implemented yet (TODO): backward raised NotImplementedError"


def test_to_dict_is_json_ready_data_for_a_grader():
    data = json.loads(json.dumps(a_report_of_every_status().to_dict()))
    assert {key: data[key] for key in ("subject", "ok", "status", "summary")} == {
        "subject": "check_layer(Toy<T>) on input shape (2, 3)", "ok": False, "status": "fail",
        "summary": "1 problem found; 1 part not implemented yet (TODO)."}
    assert data["text"] == str(a_report_of_every_status())
    assert data["rows"][2] == {"name": "gradient db", "status": "fail", "passed": False,
                               "message": "max relative error 6.0e-01; hint: db is the mean of dout",
                               "detail": "max relative error 6.0e-01", "hint": "db is the mean of dout"}


def test_notes_follow_the_table_in_text_html_and_data():
    report = a_report_of_every_status()
    report.notes.append("def rule(x):\n    return x < 1")
    assert str(report).endswith("(TODO).\n\ndef rule(x):\n    return x < 1")
    assert report._repr_html_().endswith("</table><pre>def rule(x):\n    return x &lt; 1</pre>")
    assert report.to_dict()["notes"] == ["def rule(x):\n    return x < 1"]


def test_a_notebook_shows_an_escaped_html_table():
    page = a_report_of_every_status()._repr_html_()
    assert page.startswith("<table") and page.endswith("</table>")
    assert page.count("<tr>") == 6  # the header, four rows and the summary
    assert "check_layer(Toy&lt;T&gt;)" in page and "mixes &lt;state&gt; &amp; more" in page
    assert "<state>" not in page and "Toy<T>" not in page
    assert "hint: db is the mean of dout" in page and ">TODO</td>" in page


class Printer:
    """The part of IPython's pretty printer (IPython.lib.pretty) that _repr_pretty_ uses."""

    def __init__(self):
        self.written = []

    def text(self, text):
        self.written.append(text)


def test_ipython_pretty_printing_shows_the_text_table():
    report = a_report_of_every_status()
    printer = Printer()
    report._repr_pretty_(printer, cycle=False)
    assert printer.written == [str(report)]
