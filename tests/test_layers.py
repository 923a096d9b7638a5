"""Layers: forward values against hand-computed cases, backward against finite differences."""

import numpy as np
import pytest

from minidl.gradcheck import numerical_gradient, relative_error
from minidl.layers import Affine, BatchNorm, Dropout, ReLU, Sigmoid, Tanh

TOLERANCE = 1e-6


def layer_gradient_errors(layer, x, parameters=(), reset=None, train=True, seed=0):
    """Relative errors of dx and of each named parameter gradient, for L = sum(forward(x) * dout).

    A random ``dout`` makes L depend on every output; ``reset`` is called before
    each forward pass (to fix a dropout mask).
    """
    rng = np.random.default_rng(seed)
    reset = reset or (lambda: None)
    reset()
    dout = rng.standard_normal(layer.forward(x, train=train).shape)

    def loss(_):
        reset()
        return float(np.sum(layer.forward(x, train=train) * dout))

    reset()
    layer.forward(x, train=train)
    dx = layer.backward(dout.copy())
    errors = {"x": relative_error(dx, numerical_gradient(loss, x))}
    for attribute, gradient_name in parameters:
        analytic = getattr(layer, gradient_name)
        errors[attribute] = relative_error(analytic, numerical_gradient(loss, getattr(layer, attribute)))
    return errors


# ===================================================================== Affine
def test_affine_forward_matches_hand_computation():
    W = np.array([[1.0, 0.0, -1.0], [0.0, 1.0, 2.0]])
    b = np.array([1.0, 1.0, 1.0])
    out = Affine(W, b).forward(np.array([[1.0, 2.0], [3.0, 4.0]]))
    np.testing.assert_array_equal(out, [[2.0, 3.0, 4.0], [4.0, 5.0, 6.0]])


def test_affine_gradients_match_numerical():
    rng = np.random.default_rng(1)
    layer = Affine(rng.standard_normal((4, 3)), rng.standard_normal(3))
    errors = layer_gradient_errors(layer, rng.standard_normal((5, 4)), [("W", "dW"), ("b", "db")])
    assert max(errors.values()) < TOLERANCE, errors


def test_affine_flattens_images_and_returns_dx_in_their_shape():
    rng = np.random.default_rng(2)
    layer = Affine(rng.standard_normal((6, 2)), np.zeros(2))
    images = rng.standard_normal((3, 2, 3))
    out = layer.forward(images)
    np.testing.assert_allclose(out, images.reshape(3, 6) @ layer.W)
    assert layer.backward(np.ones((3, 2))).shape == (3, 2, 3)
    errors = layer_gradient_errors(layer, images, [("W", "dW")])
    assert max(errors.values()) < TOLERANCE, errors


def test_affine_can_skip_the_input_gradient_but_keeps_parameter_gradients():
    rng = np.random.default_rng(3)
    W, b = rng.standard_normal((4, 3)), rng.standard_normal(3)
    x, dout = rng.standard_normal((5, 4)), rng.standard_normal((5, 3))
    full, partial = Affine(W, b), Affine(W, b, needs_input_gradient=False)
    full.forward(x), partial.forward(x)
    full.backward(dout)
    assert partial.backward(dout) is None
    np.testing.assert_array_equal(partial.dW, full.dW)
    np.testing.assert_array_equal(partial.db, full.db)


def test_affine_holds_references_so_in_place_updates_take_effect():
    W, b = np.ones((2, 2)), np.zeros(2)
    layer = Affine(W, b)
    W *= 3.0
    b += 1.0
    np.testing.assert_array_equal(layer.forward(np.array([[1.0, 1.0]])), [[7.0, 7.0]])


def test_affine_rejects_wrong_feature_count_with_shapes_in_message():
    layer = Affine(np.zeros((4, 3)), np.zeros(3))
    with pytest.raises(ValueError, match=r"expects 4 input features.*\(2, 5\)"):
        layer.forward(np.zeros((2, 5)))
    with pytest.raises(ValueError, match="fan_in, fan_out"):
        Affine(np.zeros((4, 3)), np.zeros(4))


# ================================================================ activations
def test_relu_forward_and_backward_by_hand():
    layer = ReLU()
    np.testing.assert_array_equal(layer.forward(np.array([[-1.0, 0.0, 2.0]])), [[0.0, 0.0, 2.0]])
    np.testing.assert_array_equal(layer.backward(np.array([[5.0, 6.0, 7.0]])), [[0.0, 0.0, 7.0]])


def test_sigmoid_and_tanh_forward_by_hand():
    x = np.array([[0.0, np.log(3.0), -np.log(3.0)]])
    np.testing.assert_allclose(Sigmoid().forward(x), [[0.5, 0.75, 0.25]], rtol=1e-15)
    # tanh(ln 2) = (2 - 1/2) / (2 + 1/2)
    np.testing.assert_allclose(Tanh().forward(np.array([[np.log(2.0)]])), [[0.6]], rtol=1e-15)


def test_sigmoid_saturates_without_overflow_warning():
    # pytest turns RuntimeWarning into an error: a naive 1/(1+exp(-x)) overflows here.
    out = Sigmoid().forward(np.array([[-1000.0, 1000.0]], dtype=np.float32))
    np.testing.assert_array_equal(out, [[0.0, 1.0]])


@pytest.mark.parametrize("layer_class", [ReLU, Sigmoid, Tanh])
def test_activation_gradients_match_numerical(layer_class):
    x = np.random.default_rng(4).standard_normal((4, 5))
    x[np.abs(x) < 0.01] = 0.5  # keep away from ReLU's kink, where no derivative exists
    assert layer_gradient_errors(layer_class(), x)["x"] < TOLERANCE


@pytest.mark.parametrize("layer_class", [ReLU, Sigmoid, Tanh])
def test_activations_keep_float32(layer_class):
    layer = layer_class()
    out = layer.forward(np.linspace(-3, 3, 12, dtype=np.float32).reshape(3, 4))
    assert out.dtype == np.float32
    assert layer.backward(np.ones((3, 4), dtype=np.float32)).dtype == np.float32


# ==================================================================== Dropout
def test_dropout_is_identity_in_eval_mode():
    x = np.arange(6.0).reshape(2, 3)
    layer = Dropout(0.5, rng=0)
    np.testing.assert_array_equal(layer.forward(x, train=False), x)
    np.testing.assert_array_equal(layer.backward(np.ones((2, 3))), np.ones((2, 3)))


def test_dropout_drops_the_ratio_and_scales_the_rest_to_keep_the_mean():
    x = np.ones((200, 500))
    out = Dropout(0.3, rng=0).forward(x, train=True)
    kept = out != 0
    assert abs(1 - kept.mean() - 0.3) < 0.01
    np.testing.assert_allclose(out[kept], 1 / 0.7)
    assert abs(out.mean() - 1.0) < 0.01


def test_dropout_is_seeded_and_keeps_dtype():
    x = np.ones((10, 10), dtype=np.float32)
    first, second = Dropout(0.5, rng=7).forward(x), Dropout(0.5, rng=7).forward(x)
    np.testing.assert_array_equal(first, second)
    assert first.dtype == np.float32
    assert not np.array_equal(first, Dropout(0.5, rng=8).forward(x))


def test_dropout_backward_uses_the_forward_mask():
    layer = Dropout(0.5, rng=1)
    out = layer.forward(np.ones((4, 6)))
    np.testing.assert_array_equal(layer.backward(np.ones((4, 6))), out)


def test_dropout_gradient_matches_numerical_with_a_fixed_mask():
    layer = Dropout(0.4)

    def reset():
        layer.rng = np.random.default_rng(3)

    x = np.random.default_rng(5).standard_normal((4, 5))
    assert layer_gradient_errors(layer, x, reset=reset)["x"] < TOLERANCE


@pytest.mark.parametrize("ratio", [1.0, -0.1, 1.5])
def test_dropout_rejects_ratio_outside_zero_one(ratio):
    with pytest.raises(ValueError, match=r"dropout ratio must be a finite number in \[0.0, 1.0\)"):
        Dropout(ratio)


# ================================================================== BatchNorm
def make_batchnorm(size, rng=None):
    if rng is None:
        return BatchNorm(np.ones(size), np.zeros(size))
    return BatchNorm(rng.standard_normal(size), rng.standard_normal(size))


def test_batchnorm_forward_by_hand():
    # Batch [1, 3]: mean 2, variance 1, so x-hat = [-1, 1] / sqrt(1 + eps).
    layer = BatchNorm(np.array([2.0]), np.array([0.5]))
    out = layer.forward(np.array([[1.0], [3.0]]), train=True)
    scale = 1 / np.sqrt(1 + 1e-5)
    np.testing.assert_allclose(out, [[0.5 - 2 * scale], [0.5 + 2 * scale]], rtol=1e-14)
    # Running statistics after one batch, momentum 0.9: 0.9 * (0, 1) + 0.1 * (2, 1).
    np.testing.assert_allclose(layer.running_mean, [0.2])
    np.testing.assert_allclose(layer.running_var, [1.0])
    # Evaluation uses them: (4 - 0.2) / sqrt(1 + eps) * 2 + 0.5.
    np.testing.assert_allclose(layer.forward(np.array([[4.0]]), train=False), [[3.8 * scale * 2 + 0.5]], rtol=1e-14)


def test_batchnorm_training_output_is_standardised_per_feature():
    x = np.random.default_rng(6).normal(5.0, 3.0, size=(50, 4))
    out = make_batchnorm(4).forward(x, train=True)
    np.testing.assert_allclose(out.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(out.std(axis=0), 1.0, rtol=1e-5)


def test_batchnorm_updates_running_statistics_in_place():
    layer = make_batchnorm(3)
    running_mean, running_var = layer.running_mean, layer.running_var
    layer.forward(np.random.default_rng(0).standard_normal((8, 3)) + 10.0, train=True)
    assert layer.running_mean is running_mean and layer.running_var is running_var
    assert np.all(running_mean > 0.5)


@pytest.mark.parametrize("train", [True, False])
def test_batchnorm_gradients_match_numerical(train):
    rng = np.random.default_rng(7)
    layer = make_batchnorm(3, rng)
    layer.running_mean[:] = rng.standard_normal(3)
    layer.running_var[:] = rng.uniform(0.5, 2.0, 3)
    saved = layer.running_mean.copy(), layer.running_var.copy()

    def reset():  # training passes move the running statistics; evaluation reads them
        layer.running_mean[:], layer.running_var[:] = saved

    x = rng.normal(1.0, 2.0, size=(6, 3))
    errors = layer_gradient_errors(layer, x, [("gamma", "dgamma"), ("beta", "dbeta")], reset=reset, train=train)
    assert max(errors.values()) < TOLERANCE, errors


def test_batchnorm_keeps_float32():
    layer = BatchNorm(np.ones(3, dtype=np.float32), np.zeros(3, dtype=np.float32))
    out = layer.forward(np.random.default_rng(0).standard_normal((4, 3), dtype=np.float32))
    dx = layer.backward(np.ones((4, 3), dtype=np.float32))
    assert {out.dtype, dx.dtype, layer.dgamma.dtype, layer.running_var.dtype} == {np.dtype(np.float32)}


def test_batchnorm_rejects_wrong_width():
    with pytest.raises(ValueError, match=r"\(N, 3\).*\(2, 4\)"):
        make_batchnorm(3).forward(np.zeros((2, 4)))


def test_batchnorm_refuses_a_single_sample_in_training_but_not_in_evaluation():
    layer = BatchNorm(np.ones(3), np.zeros(3))
    with pytest.raises(ValueError, match="at least 2 samples"):
        layer.forward(np.ones((1, 3)), train=True)
    np.testing.assert_allclose(layer.forward(np.ones((1, 3)), train=False), np.ones((1, 3)) / np.sqrt(1 + 1e-5))


def test_dropout_refuses_integer_input():
    with pytest.raises(ValueError, match="floating-point input; got dtype int64"):
        Dropout(0.5, rng=0).forward(np.ones((2, 2), dtype=np.int64))


def test_dropout_without_rng_is_seeded():
    x = np.ones((50, 10))
    np.testing.assert_array_equal(Dropout(0.5).forward(x), Dropout(0.5, rng=0).forward(x))
