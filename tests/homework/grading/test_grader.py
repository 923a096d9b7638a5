"""The grader: starter files score 0, the key full marks, a bug costs its exercise only, student code cannot stop it."""

import shutil

import pytest

from minidl.homework import EXERCISES, grade
from minidl.homework.assignment import key_source
from minidl.homework.derive import solution
from minidl.homework.grading.runner import check_generator

#: One realistic mistake an exercise: (text of the key's solution, what the student wrote instead).
PLANTED_BUGS = {
    "affine": ("self.db = dout.sum(axis=0)", "self.db = dout.mean(axis=0)"),
    "relu": ("return dout * self.mask", "return 1.0 * self.mask"),
    "sigmoid": ("return dout * self.out * (1 - self.out)", "return dout * (1 - self.out)"),
    "softmax_with_loss": ("return dx * (dout / batch_size)", "return dx * dout"),
    "numerical_gradient": ("(f_plus - f_minus) / (2 * h)", "(f_plus - f_minus) / h"),
    "two_layer_net": ("dout = self.last_layer.backward(1.0)", "dout = self.last_layer.backward(2.0)"),
    "sgd": ("params[key] -= self.lr * grads[key]", "params[key] = params[key] - self.lr * grads[key]"),
    "momentum": ("self.momentum * self.v[key] - self.lr * grads[key]\n",
                 "self.momentum * self.v[key] - grads[key]\n"),
    "nesterov": ("params[key] += self.momentum * self.v[key] - self.lr * grads[key]", "params[key] += self.v[key]"),
    "adagrad": ("(np.sqrt(self.h[key]) + self.eps)", "np.sqrt(self.h[key] + self.eps)"),
    # The default hard-coded: right for the visible check, caught by the hidden one only.
    "rmsprop": ("(1 - self.decay_rate) * grads", "(1 - 0.99) * grads"),
    "adam": ("m_hat = self.m[key] / (1 - self.beta1**self.iter)", "m_hat = self.m[key]"),
    "minibatches": ("x[permutation], t[permutation]", "x[permutation], t"),
    "initialisation": ("np.sqrt(2.0 / fan_in)", "np.sqrt(2.0 / fan_out)"),
    "im2col": ("col.transpose(0, 4, 5, 1, 2, 3)", "col.transpose(0, 4, 5, 2, 3, 1)"),
    "convolution": ("col_W = self.W.reshape(FN, -1).T", "col_W = self.W.reshape(-1, FN)"),
    "pooling": ("self.pad, pad_value=-np.inf", "self.pad, pad_value=0.0"),
    "simple_conv_net": ("for layer in reversed(self.layers.values()):", "for layer in self.layers.values():"),
}

#: The grader's seed in these tests, as a student id would be.
SEED = 20240917

FULL_MARKS = sum(exercise.points for exercise in EXERCISES.values())


def scores(report):
    return {name: sum(result.score for result in results) for name, results in report.exercises().items()}


def test_every_exercise_has_a_planted_bug_in_its_solution():
    assert set(PLANTED_BUGS) == set(EXERCISES)
    for name, (old, _) in PLANTED_BUGS.items():
        assert solution(key_source(EXERCISES[name])).count(old) == 1, name


@pytest.mark.parametrize("name", list(EXERCISES))
def test_a_planted_bug_costs_its_exercise_and_bugs_elsewhere_cost_it_nothing(name, key, tmp_path, edit):
    # Together, over every exercise: a key with one planted bug loses that exercise's points and only those.
    buggy_elsewhere = tmp_path / "elsewhere"
    shutil.copytree(key, buggy_elsewhere)
    for other, bug in PLANTED_BUGS.items():
        edit((key if other == name else buggy_elsewhere) / EXERCISES[other].file, *bug)
    report = grade(key, [name], seed=SEED)
    assert report.score < EXERCISES[name].points, report
    report = grade(buggy_elsewhere, [name], seed=SEED)
    assert report.score == EXERCISES[name].points, report


def test_a_hard_coded_default_passes_the_visible_check_and_fails_the_hidden_one(key, edit):
    edit(key / "rmsprop.py", *PLANTED_BUGS["rmsprop"])
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


def test_a_failed_check_worth_one_point_says_point(key, edit):
    edit(key / "relu.py", *PLANTED_BUGS["relu"])
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
