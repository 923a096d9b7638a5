"""check_layer passes minidl's own layers and catches the mistakes students make."""

import numpy as np
import pytest

from minidl.layers import Affine, BatchNorm, Dropout, ReLU, Sigmoid, Tanh
from minidl.testing import CheckFailed, check_layer


def weights(fan_in, fan_out, dtype=np.float64, seed=0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((fan_in, fan_out)).astype(dtype), rng.standard_normal(fan_out).astype(dtype)


# ----------------------------------------------------------------- student layers, right and wrong
class BookAffine:
    """The book's Affine: forward(x) without a train argument. Correct."""

    def __init__(self, W, b):
        self.W, self.b = W, b
        self.x = self.dW = self.db = None

    def forward(self, x):
        self.x = x
        return x @ self.W + self.b

    def backward(self, dout):
        self.dW = self.x.T @ dout
        self.db = dout.sum(axis=0)
        return dout @ self.W.T


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


class BookReLU:
    """The book's ReLU: right values, but backward writes into dout."""

    def forward(self, x):
        self.mask = x <= 0
        out = x.copy()
        out[self.mask] = 0
        return out

    def backward(self, dout):
        dout[self.mask] = 0
        return dout


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
    assert report.problems == ["gradient db: after backward, db is of shape (); expected an array of b's shape (2,)"]


def test_wrong_parameter_gradient_reports_values_where_they_differ():
    report = check_layer(AffineWithTransposedDw(*weights(3, 2)), (4, 3))
    assert [problem.split(":")[0] for problem in report.problems] == ["gradient dW"]
    # Half the true gradient everywhere: |g/2 - g| / (|g/2| + |g|) = 1/3.
    assert "max relative error 3.3e-01" in report.problems[0]


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


@pytest.mark.parametrize("bad_shape", [(), (0, 3), 5])
def test_bad_input_shape_is_refused(bad_shape):
    with pytest.raises((ValueError, TypeError), match="input_shape"):
        check_layer(ReLU(), bad_shape)


def test_object_without_backward_is_refused():
    with pytest.raises(TypeError, match="forward\\(x\\) and backward\\(dout\\)"):
        check_layer(object(), (2, 3))
