"""minidl homework list / new / check / grade: the contract course staff and their scripts rely on."""

import json
import re

import pytest

from minidl.cli import main
from minidl.homework import EXERCISES
from minidl.homework.catalogue import chapter_exercises

#: The default homework, chapters 5 and 6.
FULL_MARKS = sum(EXERCISES[name].points for name in chapter_exercises(5, 6))


@pytest.fixture
def folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path


def one_line_error(capsys):
    error = capsys.readouterr().err
    lines = error.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("minidl: error: "), error
    return lines[0]


@pytest.mark.parametrize("solutions", [False, True], ids=["starter", "key"])
def test_new_then_grade_writes_gradescope_results_and_exits_0(folder, capsys, solutions):
    assert main(["homework", "new", "hw"] + ["--solutions"] * solutions) == 0
    assert main(["homework", "grade", "hw", "--results", "results.json", "--seed", "1234"]) == 0
    expected = FULL_MARKS if solutions else 0
    printed = capsys.readouterr().out
    assert re.search(rf"^total\s+{expected}\s+{FULL_MARKS}\s", printed, re.MULTILINE), printed
    results = json.loads((folder / "results.json").read_text())
    tests = results["tests"]
    # The top-level output, shown at once, leaves out the hidden checks (shown after the due date).
    assert re.search(r"^total\s+\S+\s+67\s", results["output"], re.MULTILINE) and "hidden checks (33 points)" in \
        results["output"]
    assert results["output_format"] == results["test_output_format"] == "text"  # plain text, as written
    assert results["score"] == expected == sum(test["score"] for test in tests)
    assert sum(test["max_score"] for test in tests) == FULL_MARKS
    assert len({test["name"] for test in tests}) == len({test["number"] for test in tests}) == len(tests)
    for test in tests:
        assert set(test) == {"name", "number", "score", "max_score", "status", "output", "visibility"}
        assert test["status"] == ("passed" if solutions else "failed") and test["output"]
        assert test["visibility"] == ("after_due_date" if test["name"].endswith("(hidden)") else "visible")
        if not solutions:
            assert "not implemented yet (TODO)" in test["output"], test


def test_chapter_7_new_check_and_grade(folder, capsys):
    assert main(["homework", "new", "hw7", "--chapter", "7"]) == 0
    assert main(["homework", "new", "key7", "--chapter", "7", "--solutions"]) == 0
    capsys.readouterr()
    assert main(["homework", "grade", "key7", "--chapter", "7"]) == 0
    assert re.search(r"^total\s+40\s+40\s", capsys.readouterr().out, re.MULTILINE)
    assert main(["homework", "grade", "hw7", "--chapter", "7"]) == 0
    assert re.search(r"^total\s+0\s+40\s", capsys.readouterr().out, re.MULTILINE)
    # Without --chapter 7, grade refuses a chapter-7 folder instead of scoring chapters 5 and 6 at 0.
    assert main(["homework", "grade", "key7"]) == 1
    assert one_line_error(capsys).endswith("none of the default homework (chapters 5 and 6); grade it with "
                                           "--chapter 7 (in Python: exercises=chapter_exercises(7))")
    assert main(["homework", "check", "key7"]) == 0  # the exercises whose file is there
    assert re.search(r"^pooling\s+8\s+8\s", capsys.readouterr().out, re.MULTILINE)


def test_grade_sets_the_visibility_of_hidden_checks(folder):
    main(["homework", "new", "hw", "--exercise", "relu"])
    main(["homework", "grade", "hw", "--exercise", "relu", "--results", "r.json", "--hidden-visibility", "hidden"])
    visibility = {test["name"]: test["visibility"] for test in json.loads((folder / "r.json").read_text())["tests"]}
    assert visibility == {"relu: forward values": "visible", "relu: gradient dx": "visible",
                          "relu: gradient, other shapes (hidden)": "hidden"}


def test_check_lists_every_visible_check_and_exits_1_until_all_pass(folder, capsys):
    main(["homework", "new", "hw", "--exercise", "relu", "sgd"])
    main(["homework", "new", "key", "--exercise", "relu", "sgd", "--solutions"])
    capsys.readouterr()
    assert main(["homework", "check", "hw"]) == 1
    printed = capsys.readouterr().out
    # A check still TODO reads TODO, not FAIL, and earns nothing.
    assert "TODO  forward values (2 points)" in printed and "ReLU.forward: not implemented yet (TODO)" in printed
    assert "FAIL" not in printed and re.search(r"^relu\s+0\s+4\s+0 of 2 \(2 TODO\)$", printed, re.MULTILINE)
    assert "hidden" not in printed and re.search(r"^total\s+0\s+7\s", printed, re.MULTILINE)
    assert main(["homework", "check", "key"]) == 0
    assert re.search(r"^total\s+7\s+7\s", capsys.readouterr().out, re.MULTILINE)


def test_list_shows_the_exercises_and_their_points(capsys):
    assert main(["homework", "list", "--checks"]) == 0
    printed = capsys.readouterr().out
    assert FULL_MARKS == 100
    assert printed.startswith("14 exercises, 100 points: chapters 5 and 6, the default homework")
    assert "\n4 exercises, 40 points: chapter 7, a homework of its own (--chapter 7)\n" in printed
    for exercise in EXERCISES.values():
        assert re.search(rf"^  {exercise.name}\s+{exercise.points:g}\s+{exercise.chapter}\s+{exercise.file}\s",
                         printed, re.MULTILINE)
    assert "hidden   gradients, other shapes" in printed


@pytest.mark.parametrize("arguments, message", [
    (["grade", "missing"], "homework folder 'missing' does not exist"),
    (["new", "hw", "--exercise", "nope"], "unknown exercise 'nope'"),
    (["new", "hw", "--chapter", "8"], "no exercise of chapter 8; the chapters are 5, 6, 7"),
    (["check", "."], "no exercise file"),
    (["grade", ".", "--results", "no/such/folder/results.json"], "--results 'no/such/folder/results.json'"),
])
def test_mistakes_end_with_one_line(folder, capsys, arguments, message):
    assert main(["homework", *arguments]) == 1
    assert message in one_line_error(capsys)


def test_new_refuses_a_folder_that_is_not_empty(folder, capsys):
    (folder / "hw").mkdir()
    (folder / "hw" / "notes.txt").write_text("mine")
    assert main(["homework", "new", "hw"]) == 1
    assert "pass --force" in one_line_error(capsys)
    assert main(["homework", "new", "hw", "--force"]) == 0 and (folder / "hw" / "affine.py").exists()
