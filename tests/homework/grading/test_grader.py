"""The grader: starter files score 0, the key full marks, a bug costs its exercise only, student code cannot stop it."""

import shutil

import pytest
from mutations import MUTATIONS, mutated

from minidl.homework import EXERCISES, grade
from minidl.homework.grading.runner import check_generator

#: The grader's seed in these tests, as a student id would be.
SEED = 20240917

FULL_MARKS = sum(exercise.points for exercise in EXERCISES.values())


def scores(report):
    return {name: sum(result.score for result in results) for name, results in report.exercises().items()}


def plant(folder, name):
    """Write the key's ``name`` exercise into ``folder`` with the first bug of the mutation table planted."""
    (folder / EXERCISES[name].file).write_text(mutated(name, MUTATIONS[name]["bugs"][0]))


@pytest.mark.parametrize("name", list(EXERCISES))
def test_a_planted_bug_costs_its_exercise_and_bugs_elsewhere_cost_it_nothing(name, key, tmp_path):
    # Together, over every exercise: a key with one planted bug loses that exercise's points and only those.
    buggy_elsewhere = tmp_path / "elsewhere"
    shutil.copytree(key, buggy_elsewhere)
    for other in EXERCISES:
        plant(key if other == name else buggy_elsewhere, other)
    report = grade(key, [name], seed=SEED)
    assert report.score < EXERCISES[name].points, report
    report = grade(buggy_elsewhere, [name], seed=SEED)
    assert report.score == EXERCISES[name].points, report


def test_a_hard_coded_default_passes_the_visible_check_and_fails_the_hidden_one(key):
    plant(key, "rmsprop")  # 0.99 written for self.decay_rate
    report = grade(key, ["rmsprop"], seed=SEED)
    visible, hidden = report.results
    assert visible.passed and not visible.hidden
    assert not hidden.passed and hidden.hidden and "first divergence" in hidden.output
    assert "is 0.99 written into your update instead of self.decay_rate?" in hidden.output  # the suspect, shown by replay
    assert report.score == visible.max_score == 3  # partial credit


def test_student_code_that_breaks_down_costs_its_exercise_and_never_the_grade(key, edit):
    edit(key / "affine.py", "return dout @ self.W.T", "return dout @ self.W.T)")
    edit(key / "relu.py", "return dout * self.mask", "import sys; sys.exit(3)")
    edit(key / "sigmoid.py", "self.out = 1 / (1 + np.exp(-x))",
               "print('about to leave'); import os; os._exit(0)")
    edit(key / "sgd.py", "for key in params:", "while True:\n            pass\n        for key in params:")
    report = grade(key, ["affine", "relu", "sigmoid", "sgd", "momentum"], seed=SEED, time_limit=3)
    earned = scores(report)
    assert earned == {"affine": 0, "relu": 2, "sigmoid": 0, "sgd": 0, "momentum": 5}, report.failures()
    outputs = {name: "\n".join(result.output for result in results) for name, results in report.exercises().items()}
    assert "could not import affine.py: SyntaxError" in outputs["affine"] and "line" in outputs["affine"]
    assert "called sys.exit(3) at relu.py line" in outputs["relu"]
    assert "process running your code ended while this check was running (exit code 0)" in outputs["sigmoid"]
    assert "about to leave" in outputs["sigmoid"]  # what the student printed helps find where
    assert "time limit of 3 s" in outputs["sgd"] and "endless loop" in outputs["sgd"]


def test_a_missing_file_scores_zero_with_a_message(key):
    (key / "adam.py").unlink()
    report = grade(key, ["adam", "sgd"], seed=SEED)
    assert scores(report) == {"adam": 0, "sgd": 5}
    assert all("adam.py not found" in result.output for result in report.exercises()["adam"])
    assert "rename" not in report.results[0].output  # adagrad.py, another exercise's file, is not a suspect


@pytest.mark.parametrize("misnamed", ["Adam.py", "adam (1).py"])
def test_a_misnamed_file_is_named_with_the_name_to_give_it(key, misnamed):
    (key / "adam.py").rename(key / misnamed)
    (result, *_) = grade(key, ["adam"], seed=SEED).results
    assert f"adam.py not found in {key}; found {misnamed!r}: rename it to adam.py" in result.output


def test_a_failed_check_worth_one_point_says_point(key):
    plant(key, "relu")
    failures = grade(key, ["relu"], seed=SEED).failures()
    assert "relu: gradient, other shapes (hidden) (0 of 1 point)\n" in failures, failures


def test_hidden_checks_draw_their_values_from_the_seed_and_visible_ones_do_not():
    for exercise in EXERCISES.values():
        for check in exercise.checks:
            first, second = (check_generator(seed, exercise, check).integers(2**62) for seed in (1, 2))
            assert (first != second) == check.hidden, (exercise.name, check.name)


def test_the_hidden_problem_changes_with_the_seed(key):
    outputs = [grade(key, ["momentum"], seed=seed).results[1].output.splitlines()[0] for seed in (1, 2)]
    assert outputs[0] != outputs[1]  # e.g. "momentum(lr=0.0954, momentum=0.758)" against other values


@pytest.mark.parametrize("arguments, message", [
    ({"seed": -1}, "seed must be a whole number"),
    ({"time_limit": 0}, r"time_limit must be a finite number in \(0.0, inf\) \(seconds\); got 0.0"),
    ({"exercises": ["nope"]}, "unknown exercise 'nope'"),
    ({"jobs": 0}, "jobs must be a whole number >= 1; got 0"),
])
def test_bad_settings_are_refused_with_a_clear_error(key, arguments, message):
    with pytest.raises(ValueError, match=message):
        grade(key, **arguments)
