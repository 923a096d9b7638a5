"""check_layer passes minidl's own layers and catches the mistakes students make."""

import numpy as np
import pytest
from book_baseline import Affine as BookAffine
from book_baseline import Relu as BookReLU
from book_baseline import SoftmaxWithLoss as BookSoftmaxWithLoss
from book_baseline import softmax

from minidl.homework.checks import CheckFailed, check_layer
from minidl.layers import Affine, BatchNorm, Dropout, ReLU, Sigmoid, Tanh
from minidl.losses import SoftmaxWithLoss


def weights(fan_in, fan_out, dtype=np.float64, seed=0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((fan_in, fan_out)).astype(dtype), rng.standard_normal(fan_out).astype(dtype)


# ----------------------------------------------------------------- student layers, right and wrong
# BookAffine, BookReLU and BookSoftmaxWithLoss are the book's layers (benchmarks/book_baseline.py; its Affine is the
# answer key's). BookAffine takes forward(x) without a train argument and is correct.
class AffineForgettingDb(BookAffine):
    def backward(self, dout):
        self.dW = self.x.T @ dout
        return dout @ self.W.T


class AffineWithScalarDb(BookAffine):
    def backward(self, dout):
        self.dW = self.x.T @ dout
        self.db = dout.sum()
        return dout @ self.W.T


class AffineWithTransposedDw(BookAffine):
    def backward(self, dout):
        self.dW = (dout.T @ self.x).T * 0.5  # right shape, wrong values
        self.db = dout.sum(axis=0)
        return dout @ self.W.T


class ReLUWithWrongBackward:
    """Passes the gradient where the input was negative: the mask is inverted."""

    def forward(self, x, train=True):
        self.mask = x <= 0
        return np.maximum(x, 0)

    def backward(self, dout):
        return dout * self.mask


class ReLUInPlace:
    """Forward overwrites its input."""

    def forward(self, x):
        self.mask = x <= 0
        x[self.mask] = 0
        return x

    def backward(self, dout):
        return np.where(self.mask, 0.0, dout)


class GlobalRandomDropout:
    def forward(self, x, train=True):
        self.mask = np.random.random(x.shape) > 0.5  # the mistake under test
        return x * self.mask

    def backward(self, dout):
        return dout * self.mask


class SigmoidWithFloat64Constant:
    def forward(self, x):
        self.out = 1.0 / (1.0 + np.exp(-x))
        return self.out

    def backward(self, dout):
        return dout * self.out * (np.float64(1.0) - self.out) * np.ones(1)  # a float64 array slips in


# ----------------------------------------------------------------- minidl's layers pass
@pytest.mark.parametrize("make_layer, input_shape", [
    (lambda: Affine(*weights(3, 2)), (4, 3)),
    (lambda: Affine(*weights(3, 2, np.float32)), (4, 3)),
    (lambda: Affine(*weights(12, 2)), (4, 3, 4)),
    (ReLU, (4, 5)),
    (Sigmoid, (4, 5)),
    (Tanh, (4, 5)),
    (lambda: BatchNorm(np.ones(3), np.zeros(3)), (6, 3)),
    (lambda: Dropout(0.5, rng=3), (4, 5)),
    (lambda: BookAffine(*weights(3, 2)), (4, 3)),
], ids=["affine", "affine-float32", "affine-images", "relu", "sigmoid", "tanh", "batchnorm", "dropout", "book-affine"])
def test_correct_layers_pass(make_layer, input_shape):
    report = check_layer(make_layer(), input_shape)
    assert report.ok, str(report)


def test_batchnorm_passes_in_evaluation_mode_too():
    layer = BatchNorm(np.ones(3) * 1.5, np.zeros(3))
    layer.running_mean[:] = [0.1, -0.2, 0.3]
    assert check_layer(layer, (5, 3), train=False).ok


def test_parameters_are_discovered_by_the_d_prefix_convention():
    report = check_layer(Affine(*weights(3, 2)), (4, 3))
    assert ("parameters", True, "W, b") in report.rows
    names = [name for name, _, _ in report.rows]
    assert names.index("gradient dx") < names.index("gradient dW") < names.index("gradient db")


def test_first_affine_layer_without_input_gradient_is_skipped_not_failed():
    layer = Affine(*weights(3, 2), needs_input_gradient=False)
    report = check_layer(layer, (4, 3))
    assert report.ok
    assert ("gradient dx", True, "skipped: needs_input_gradient is False") in report.rows


def test_the_checked_layer_is_left_unchanged():
    W, b = weights(3, 2, np.float32)
    layer = Affine(W, b)
    check_layer(layer, (4, 3))
    assert layer.W is W and layer.W.dtype == np.float32 and layer.dW is None and layer.x is None


# ----------------------------------------------------------------- wrong layers are caught
def row(report, name):
    (found,) = [entry for entry in report.rows if entry[0] == name]
    return found


def test_relu_with_inverted_mask_is_caught_on_dx():
    report = check_layer(ReLUWithWrongBackward(), (3, 4))
    assert report.problems and all(problem.startswith("gradient dx:") for problem in report.problems)
    _, passed, detail = row(report, "gradient dx")
    # Wherever the mask is wrong the analytic gradient is dout and the true one 0 (or
    # the reverse): relative error exactly 1.
    assert not passed and detail.startswith("max relative error 1.0e+00 at index")


def test_affine_forgetting_db_is_caught():
    report = check_layer(AffineForgettingDb(*weights(3, 2)), (4, 3))
    assert report.problems == ["gradient db: after backward, db is None; expected an array of b's shape (2,)"]


def test_gradient_of_the_wrong_shape_is_caught():
    report = check_layer(AffineWithScalarDb(*weights(3, 2)), (4, 3))
    assert report.problems == ["gradient db: after backward, db is of shape (); expected an array of b's shape (2,); "
                               "hint: db is the sum of dout over all its axes instead of the sum over axis 0 (the batch)"]


def test_wrong_parameter_gradient_reports_values_where_they_differ():
    report = check_layer(AffineWithTransposedDw(*weights(3, 2)), (4, 3))
    assert [problem.split(":")[0] for problem in report.problems] == ["gradient dW"]
    # Half the true gradient everywhere: |g/2 - g| / (|g/2| + |g|) = 1/3.
    assert "max relative error 3.3e-01" in report.problems[0]
    assert row(report, "gradient dW").hint == "dW is 0.50x the numerical gradient"


def test_book_relu_is_right_but_writes_into_dout():
    report = check_layer(BookReLU(), (3, 4))
    assert row(report, "gradient dx")[1]
    assert [problem.split(":")[0] for problem in report.problems] == ["backward keeps dout"]


def test_forward_that_overwrites_its_input_is_caught():
    report = check_layer(ReLUInPlace(), (3, 4))
    assert "forward keeps x" in [problem.split(":")[0] for problem in report.problems]


def test_random_numbers_from_the_global_state_are_caught():
    report = check_layer(GlobalRandomDropout(), (4, 3))
    assert [problem.split(":")[0] for problem in report.problems] == ["forward repeatable"]


def test_float64_leaking_into_a_float32_layer_is_caught():
    report = check_layer(SigmoidWithFloat64Constant(), (2, 3))
    assert row(report, "gradient dx")[1]
    expected = ("float32 kept: with float32 input and parameters, dx is float64; a float64 array or "
                "np.float64 constant slipped in (use Python floats or x.dtype)")
    assert report.problems == [expected]


def test_raise_on_failure_raises_check_failed_with_the_table():
    with pytest.raises(CheckFailed, match="FAIL  gradient db"):
        check_layer(AffineForgettingDb(*weights(3, 2)), (4, 3), raise_on_failure=True)


def test_explicit_parameter_names():
    report = check_layer(BookAffine(*weights(3, 2)), (4, 3), parameters=["W"])
    assert [name for name, _, _ in report.rows if name.startswith("gradient d")] == ["gradient dx", "gradient dW"]
    with pytest.raises(ValueError, match=r"parameters names \['gamma'\], but the layer has no such array"):
        check_layer(BookAffine(*weights(3, 2)), (4, 3), parameters=["gamma"])


# (4.5, 3) and ("4", "3") were once read as (4, 3) by int(): a shape is whole numbers, not numbers made whole.
@pytest.mark.parametrize("bad_shape", [(), (0, 3), 5, (4.5, 3), ("4", "3"), (True, 3)])
def test_bad_input_shape_is_refused(bad_shape):
    with pytest.raises((ValueError, TypeError), match="input_shape"):
        check_layer(ReLU(), bad_shape)


def test_object_without_backward_is_refused():
    with pytest.raises(TypeError, match="forward\\(x\\) and backward\\(dout\\)"):
        check_layer(object(), (2, 3))


# ----------------------------------------------------------------- hints name the mistake
class AffineWithMeanDb(BookAffine):
    def backward(self, dout):
        dx = super().backward(dout)
        self.db = dout.mean(axis=0)
        return dx


class AffineSummingDbOverFeatures(BookAffine):
    def backward(self, dout):
        dx = super().backward(dout)
        self.db = dout.sum(axis=1)
        return dx


class AffineWithDwTransposed(BookAffine):
    def backward(self, dout):
        dx = super().backward(dout)
        self.dW = dout.T @ self.x
        return dx


class AffineWithNegativeDx(BookAffine):
    def backward(self, dout):
        return -super().backward(dout)


class ReLUWithoutMask(ReLUWithWrongBackward):
    def backward(self, dout):
        return dout.copy()


class SigmoidForgettingDout(SigmoidWithFloat64Constant):
    def backward(self, dout):
        return self.out * (1.0 - self.out)


@pytest.mark.parametrize("make_layer, name, hint", [
    (lambda: AffineWithMeanDb(*weights(3, 2)), "gradient db",
     "db is the mean of dout over axis 0 (the batch) instead of its sum (a factor 4)"),
    (lambda: AffineSummingDbOverFeatures(*weights(3, 2)), "gradient db",
     "db is the sum of dout over axis 1 instead of the sum over axis 0 (the batch)"),
    (lambda: AffineWithDwTransposed(*weights(3, 3)), "gradient dW", "dW equals the numerical gradient transposed"),
    (lambda: AffineWithDwTransposed(*weights(3, 2)), "gradient dW", "dW equals the numerical gradient transposed"),
    (lambda: AffineWithNegativeDx(*weights(3, 2)), "gradient dx", "dx has the wrong sign: it is minus the numerical gradient"),
    (ReLUWithWrongBackward, "gradient dx", "dx is nonzero exactly where the numerical gradient is zero, and zero "
                                           "where it is not: is the mask inverted?"),
    (ReLUWithoutMask, "gradient dx", "dx is right where the numerical gradient is nonzero, but not zero where it "
                                     "is: is the mask missing, or applied to the wrong array?"),
    (SigmoidForgettingDout, "gradient dx", "dx times dout equals the numerical gradient: multiply the local "
                                           "gradient by dout (the chain rule)"),
], ids=["mean-for-sum", "sum-over-features", "dW-transposed-square", "dW-transposed", "minus-dx", "inverted-mask",
        "missing-mask", "forgotten-dout"])
def test_a_planted_mistake_gets_the_hint_that_finds_it(make_layer, name, hint):
    report = check_layer(make_layer(), (4, 3))
    assert [problem.split(":")[0] for problem in report.problems] == [name]
    assert row(report, name).hint == hint
    lines = [line.strip() for line in str(report).splitlines()]
    assert lines[lines.index(f"hint: {hint}") - 1].startswith(f"FAIL  {name} ")  # on its own line, under the row


# ----------------------------------------------------------------- loss layers: forward(x, t)
# BookSoftmaxWithLoss, the book's: labels or one-hot t, 1e-7 inside the log, backward(dout=1).
class LossWithoutBatchDivision(BookSoftmaxWithLoss):
    def backward(self, dout=1):
        return super().backward(dout) * self.t.shape[0]


class LossForOneHotOnly(BookSoftmaxWithLoss):
    def backward(self, dout=1):
        return (self.y - self.t) / self.t.shape[0]


class LossPerSample(BookSoftmaxWithLoss):
    def forward(self, x, t):
        self.t, self.y = t, softmax(x)
        return -np.log(self.y[np.arange(len(x)), t])


@pytest.mark.parametrize("t", ["labels", "one-hot"])
@pytest.mark.parametrize("make_layer, input_shape", [
    (SoftmaxWithLoss, (4, 3)), (BookSoftmaxWithLoss, (4, 3)), (BookSoftmaxWithLoss, (5, 10))],
    ids=["minidl", "book", "book-10-classes"])
def test_correct_loss_layers_pass_with_labels_and_one_hot_targets(make_layer, input_shape, t):
    report = check_layer(make_layer(), input_shape, t=t)
    assert report.ok, str(report)
    assert [name for name, _, _ in report.rows] == [
        "forward output", "forward keeps x", "forward keeps t", "forward repeatable", "parameters", "gradient dx",
        "float32 kept"]
    described = "labels of shape" if t == "labels" else "one-hot rows of shape"
    assert f", t as {described} " in report.subject


def test_a_loss_layer_is_recognised_by_its_forward_and_given_targets_are_used():
    report = check_layer(SoftmaxWithLoss(), (4, 3))
    assert report.subject == "check_layer(SoftmaxWithLoss) on input shape (4, 3), t as labels of shape (4,)"
    report = check_layer(SoftmaxWithLoss(), (4, 3), t=np.array([2, 2, 0, 1]))
    assert report.ok and report.subject.endswith("t as labels of shape (4,)")


def test_a_loss_gradient_missing_the_division_by_the_batch_size_is_named():
    report = check_layer(LossWithoutBatchDivision(), (4, 3))
    assert report.problems == [
        "gradient dx: max relative error 6.0e-01 at index (0, 0) (analytic 0.2902, numerical 0.07255); hint: dx is "
        "4x the numerical gradient, and 4 is the batch size: a sum where the mean belongs, or a missing division "
        "by the batch size?"]


def test_a_loss_layer_taking_only_one_hot_targets_fails_on_labels_with_a_hint():
    assert check_layer(LossForOneHotOnly(), (4, 3), t="one-hot").ok
    report = check_layer(LossForOneHotOnly(), (4, 3))
    (failed,) = [entry for entry in report.rows if not entry.passed]
    assert failed.name == "backward" and failed.detail.startswith("backward raised ValueError: operands could not")
    assert "in backward: return (self.y - self.t) / self.t.shape[0])" in failed.detail
    assert failed.hint == ('t here is labels of shape (4,); a loss layer should take integer labels and one-hot rows '
                           'alike (check the other form with t="one-hot")')


def test_a_loss_layer_returning_one_loss_a_sample_is_caught():
    report = check_layer(LossPerSample(), (4, 3))
    assert report.problems == ["forward output: forward returned an array of shape (4,); a loss layer returns one "
                               "finite number, the mean loss over the batch"]


def test_targets_for_a_layer_without_them_or_of_an_unknown_kind_are_refused():
    with pytest.raises(TypeError, match=r"t is given, but ReLU.forward takes no targets"):
        check_layer(ReLU(), (4, 3), t="labels")
    with pytest.raises(ValueError, match=r't must be "labels", "one-hot" or an array of targets; got \'onehot\''):
        check_layer(SoftmaxWithLoss(), (4, 3), t="onehot")


# ----------------------------------------------------------------- unfinished and crashing layers
class ReLUToDo(ReLUWithWrongBackward):
    def backward(self, dout):
        raise NotImplementedError


class AffineToDo(BookAffine):
    def forward(self, x):
        raise NotImplementedError("TODO: x @ W + b")


class ReLUStarter(ReLUWithWrongBackward):
    def backward(self, dout):
        raise NotImplementedError("ReLU.backward: not implemented yet (TODO)")  # as a starter file has it


def test_a_starters_todo_is_said_once_with_its_place():
    (todo,) = [entry for entry in check_layer(ReLUStarter(), (4, 3)).rows if entry.status == "todo"]
    assert todo.detail.count("not implemented yet (TODO)") == 1
    assert todo.detail.startswith("not implemented yet (TODO): backward raised NotImplementedError: ReLU.backward "
                                  "(test_layers.py line ")
    assert todo.detail.endswith(", in backward)")


class ReLUCrashing(ReLUWithWrongBackward):
    def backward(self, dout):
        return dout * self.masks


def test_an_unimplemented_backward_reads_not_implemented_yet():
    report = check_layer(ReLUToDo(), (4, 3))
    assert not report.ok and report.status == "todo"
    (todo,) = [entry for entry in report.rows if entry.status == "todo"]
    assert todo.name == "backward"
    assert todo.detail.startswith("not implemented yet (TODO): backward raised NotImplementedError (test_layers.py "
                                  "line ")
    assert todo.detail.endswith(", in backward)")  # not the raise line again
    assert "  TODO  backward  " in str(report)
    assert str(report).endswith("\n1 part not implemented yet (TODO).")


def test_an_unimplemented_forward_reads_not_implemented_yet_with_its_message():
    report = check_layer(AffineToDo(*weights(3, 2)), (4, 3))
    assert [entry.status for entry in report.rows] == ["todo"]
    assert report.problems[0].startswith("forward: not implemented yet (TODO): forward raised "
                                         "NotImplementedError: TODO: x @ W + b (test_layers.py line ")


def test_an_exception_in_the_layer_names_its_line():
    report = check_layer(ReLUCrashing(), (4, 3))
    (problem,) = report.problems
    assert problem.startswith("backward: backward raised AttributeError: 'ReLUCrashing' object has no attribute "
                              "'masks'")
    assert problem.endswith(", in backward: return dout * self.masks)")
