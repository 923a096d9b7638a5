"""Starter files and solutions derived from the key: the same file outside the marked regions, valid Python."""

import ast

import pytest

from minidl.homework import EXERCISES
from minidl.homework.assignment import assignment_files, key_source
from minidl.homework.derive import MarkerError, regions, solution, starter

KEY_FILES = {exercise.file: key_source(exercise) for exercise in EXERCISES.values()}


def outside(source):
    """The lines of ``source`` outside its marked regions, markers excluded."""
    inside = {line for begin, end, _, _ in regions(source) for line in range(begin, end + 1)}
    return [line for number, line in enumerate(source.splitlines()) if number not in inside]


@pytest.mark.parametrize("file", KEY_FILES)
def test_starter_and_solution_are_python_and_keep_everything_outside_the_regions(file):
    key = KEY_FILES[file]
    marked = regions(key, file)
    assert marked, f"{file} has no solution region"
    begun, made = starter(key, file), solution(key, file)
    ast.parse(begun, filename=file)
    ast.parse(made, filename=file)
    assert "SOLUTION" not in begun and "SOLUTION" not in made
    # The starter is the key with each region cut down to two lines.
    assert len(begun.splitlines()) == len(key.splitlines()) - sum(end - begin - 1 for begin, end, _, _ in marked)
    assert [line for line in begun.splitlines() if "# TODO: " not in line and "raise NotImplementedError" not in line] \
        == outside(key)
    # The solution is the key without its marker lines, nothing else.
    assert len(made.splitlines()) == len(key.splitlines()) - 2 * len(marked)
    assert set(made.splitlines()) <= set(key.splitlines())


@pytest.mark.parametrize("file", KEY_FILES)
def test_each_region_becomes_its_hint_and_a_raise_naming_the_function(file):
    key = KEY_FILES[file]
    lines = starter(key, file).splitlines()
    todo = [number for number, line in enumerate(lines) if line.strip().startswith("# TODO: ")]
    hints = [hint for _, _, _, hint in regions(key, file)]
    assert [lines[number].strip()[len("# TODO: "):] for number in todo] == hints
    for number, (_, _, indent, _) in zip(todo, regions(key, file)):
        assert lines[number].startswith(indent + "# TODO") and lines[number + 1].startswith(indent + "raise ")
        assert "not implemented yet (TODO)" in lines[number + 1]
    functions = {node.name for node in ast.walk(ast.parse(key)) if isinstance(node, ast.FunctionDef)}
    named = [line.split('"')[1].split(":")[0].split(".")[-1] for line in lines if "raise NotImplementedError" in line]
    assert set(named) <= functions and len(named) == len(hints)


def test_new_writes_exactly_the_derived_files():
    everything = list(EXERCISES)
    starters, solutions = assignment_files(everything), assignment_files(everything, solutions=True)
    for file, key in KEY_FILES.items():
        assert starters[file] == starter(key, file) and solutions[file] == solution(key, file)


def test_the_raise_names_the_innermost_function():
    source = "class A:\n    def f(self):\n        # BEGIN SOLUTION: do it\n        return 1\n        # END SOLUTION\n"
    assert starter(source) == ('class A:\n    def f(self):\n        # TODO: do it\n'
                               '        raise NotImplementedError("A.f: not implemented yet (TODO)")\n')
    assert solution(source) == "class A:\n    def f(self):\n        return 1\n"


@pytest.mark.parametrize("source, message", [
    ("def f():\n    # BEGIN SOLUTION\n    return 1\n", r"<key>:2: BEGIN SOLUTION is never closed"),
    ("def f():\n    return 1\n    # END SOLUTION\n", r"<key>:3: END SOLUTION without a BEGIN"),
    ("def f():\n    # BEGIN SOLUTION\n    # BEGIN SOLUTION\n    return 1\n    # END SOLUTION\n",
     r"<key>:3: BEGIN SOLUTION inside the region opened at line 2"),
    ("def f():\n    # BEGIN SOLUTION\n    # END SOLUTION\n", r"<key>:2: empty solution region"),
    ("def f():\n    # BEGIN SOLUTION\n    return 1\n# END SOLUTION\n", r"<key>:4: END SOLUTION is indented differently"),
])
def test_markers_that_do_not_pair_up_are_refused_with_their_line(source, message):
    with pytest.raises(MarkerError, match=message):
        starter(source)
