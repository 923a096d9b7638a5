"""The mutation table: realistic bugs lose points in their own exercise, the accepted forms keep full marks.

The table, and what counts as a bug or a variant, is in ``tests/helpers/mutations.py``.

Speed: the table is graded in this process, by the checks the grader's
child process runs (same checks, same seeded generators), which takes a
few seconds for the whole table; two folders holding a bug in half of the
exercises and a variant in the other half go through the real grader, to
show that a bug costs its own exercise only.
"""

import importlib.util
import itertools

import pytest
from mutations import MUTATIONS, mutated

from minidl.homework import EXERCISES, grade, write_assignment
from minidl.homework.grading.runner import check_generator, counts, selected_checks

#: The grader's seed in these tests, as a student id would be.
SEED = 20240917

_loaded = itertools.count()


def in_process_score(exercise, text, directory, outputs=None):
    """The points ``text`` earns as ``exercise``'s file, graded by the grader's checks in this process.

    ``outputs``, a list, receives the text of every check's report.
    """
    path = directory / EXERCISES[exercise].file
    path.write_text(text)
    spec = importlib.util.spec_from_file_location(f"mutant_{next(_loaded)}_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    score = 0.0
    for check in selected_checks(EXERCISES[exercise], hidden=True):
        try:
            report = check.run(module, check_generator(SEED, EXERCISES[exercise], check))
        except Exception as error:  # noqa: BLE001 - a bug that raises loses the check, as in the grader
            (outputs if outputs is not None else []).append(repr(error))
            continue
        (outputs if outputs is not None else []).append(str(report))
        score += check.points if counts(report) else 0
    return score


def cases(kind):
    return [pytest.param(name, index, id=f"{name}-{index}") for name, table in MUTATIONS.items()
            for index in range(len(table[kind]))]


def test_the_table_covers_every_exercise_with_three_bugs_or_more_and_a_variant():
    assert set(MUTATIONS) == set(EXERCISES)
    for name, table in MUTATIONS.items():
        assert len(table["bugs"]) >= 3 and table["variants"], name


@pytest.mark.parametrize("name, index", cases("bugs"))
def test_a_bug_loses_points(name, index, tmp_path):
    score = in_process_score(name, mutated(name, MUTATIONS[name]["bugs"][index]), tmp_path)
    assert score < EXERCISES[name].points, (name, index, score)


@pytest.mark.parametrize("name, index", cases("variants"))
def test_an_accepted_variant_keeps_full_marks(name, index, tmp_path):
    score = in_process_score(name, mutated(name, MUTATIONS[name]["variants"][index]), tmp_path)
    assert score == EXERCISES[name].points, (name, index, score)


@pytest.mark.parametrize("half", [0, 1])
def test_through_the_grader_a_bug_costs_its_own_exercise_only(half, tmp_path):
    # Bugs in half of the exercises and variants in the other half, graded at once by the real grader.
    write_assignment(tmp_path / "hw", list(EXERCISES), solutions=True)
    buggy = [name for position, name in enumerate(EXERCISES) if position % 2 == half]
    for name in EXERCISES:
        table = MUTATIONS[name]
        edits = table["bugs"][0] if name in buggy else table["variants"][0]
        (tmp_path / "hw" / EXERCISES[name].file).write_text(mutated(name, edits))
    report = grade(tmp_path / "hw", list(EXERCISES), seed=SEED)
    earned = {name: sum(result.score for result in results) for name, results in report.exercises().items()}
    for name, exercise in EXERCISES.items():
        if name in buggy:
            assert earned[name] < exercise.points, (name, report.failures())
        else:
            assert earned[name] == exercise.points, (name, report.failures())


#: What the failure of a bug of the table tells, by (exercise, the bug's index).
TOLD = {
    # Forms of the book's code refused on purpose (the exercise text says why): the failure names the reason.
    ("relu", 2): "as the book's `dout[mask] = 0` does",
    ("minibatches", 3): "the global np.random generator was used",
    ("minibatches", 4): "every sample must come exactly once an epoch",
    ("initialisation", 2): "the global np.random generator was used",
    ("pooling", 0): "the padding counts as -inf, never the maximum",
    # The classic mistakes of chapter 7 get their hint (each one a pattern the check reads from the numbers).
    ("im2col", 0): "they lie in the order (N, out_h, out_w, filter_h, filter_w, C) of the axes",
    ("im2col", 1): "they lie in the order (N, C, filter_h, filter_w, out_h, out_w) of the axes",
    ("im2col", 2): "right where a pixel lies in one window only, wrong where windows overlap",
    ("im2col", 3): "that is the shape of the padded image; cut the padding off",
    ("im2col", 4): "that is the layout of minidl.layers.im2col",
    ("convolution", 0): "your col_W is W.reshape(-1, FN)",
    ("convolution", 1): "your col_W is W.T.reshape(-1, FN)",
    ("convolution", 2): "they lie in the order (N, out_h, out_w, FN) of the axes",
    ("convolution", 3): "reshaped to W's shape without the transpose",
    ("convolution", 4): "are input_shape, stride and pad the ones given to im2col?",  # the padding left out of backward
    ("pooling", 1): "they lie in the order (N, out_h, out_w, C) of the axes",
    ("pooling", 2): "each of a window's tied maxima got all of its dout",
    ("simple_conv_net", 1): "that is the number with the padding left out",
    ("simple_conv_net", 2): "that is the number with the height used for the width too",
    ("simple_conv_net", 4): "that is the number with the stride left out",
}


@pytest.mark.parametrize("name, index, told", [(*case, text) for case, text in TOLD.items()])
def test_a_refused_form_or_a_classic_mistake_is_told_what_is_wrong(name, index, told, tmp_path):
    outputs = []
    in_process_score(name, mutated(name, MUTATIONS[name]["bugs"][index]), tmp_path, outputs)
    assert any(told in output for output in outputs), outputs
