"""Gradient checking: finite differences against known derivatives, and catching a wrong backward."""

import numpy as np
import pytest

import minidl
from minidl import MLP
from minidl.gradcheck import check_gradients, gradient_pairs, numerical_gradient, relative_error


@pytest.mark.parametrize("order, tolerance", [(2, 1e-7), (4, 1e-10)])
def test_numerical_gradient_of_a_cubic(order, tolerance):
    x = np.array([[0.5, -1.0], [2.0, 0.1]])
    # d/dx sum(x**3) = 3 x**2; the two-point error here is h**2 = 1e-8 per entry.
    gradient = numerical_gradient(lambda v: np.sum(v**3), x, order=order)
    np.testing.assert_allclose(gradient, 3 * x**2, rtol=tolerance, atol=tolerance)


def test_numerical_gradient_is_exact_for_a_quadratic_and_restores_x_bit_for_bit():
    x = np.random.default_rng(0).standard_normal(7)
    before = x.copy()
    gradient = numerical_gradient(lambda v: np.sum(v**2), x)
    np.testing.assert_allclose(gradient, 2 * before, rtol=1e-9)
    np.testing.assert_array_equal(x, before)


def test_numerical_gradient_reads_shared_memory():
    weights = np.array([1.0, 2.0])
    gradient = numerical_gradient(lambda _: weights @ np.array([3.0, -4.0]), weights)
    np.testing.assert_allclose(gradient, [3.0, -4.0], rtol=1e-10)


def test_numerical_gradient_rejects_bad_arguments():
    with pytest.raises(ValueError, match="floating-point numpy array"):
        numerical_gradient(lambda v: 0.0, np.array([1, 2]))
    with pytest.raises(ValueError, match=r"order must be one of \[2, 4\]"):
        numerical_gradient(lambda v: 0.0, np.zeros(2), order=3)


def test_relative_error_by_hand():
    assert relative_error([1.0, 2.0], [1.0, 2.0]) == 0.0
    assert relative_error([1.0], [-1.0]) == 1.0
    assert relative_error([1.0, 3.0], [1.0, 1.0]) == pytest.approx(0.5)
    # Both tiny: the difference is divided by the floor, not by ~1e-12.
    assert relative_error([0.0], [1e-12], floor=1e-5) == pytest.approx(1e-7)
    with pytest.raises(ValueError, match=r"shapes \(2,\) and \(3,\)"):
        relative_error(np.zeros(2), np.zeros(3))


def test_check_gradients_catches_a_wrong_backward():
    rng = np.random.default_rng(1)
    x, t = rng.standard_normal((6, 4)), rng.integers(0, 3, 6)
    net = MLP(4, [5], 3, dtype=np.float64, seed=0)
    assert max(check_gradients(net, x, t).values()) < 1e-6
    # A classic bug: forgetting to block the gradient where ReLU was inactive.
    net.layers["Activation1"].backward = lambda dout: dout
    errors = check_gradients(net, x, t)
    assert errors["W1"] > 1e-2 and errors["b1"] > 1e-2
    assert errors["W2"] < 1e-6  # layers above the bug are still right


def test_check_gradients_leaves_the_network_as_it_found_it():
    rng = np.random.default_rng(2)
    x, t = rng.standard_normal((6, 4)), rng.integers(0, 3, 6)
    net = MLP(4, [5], 3, batchnorm=True, dropout=0.3, dtype=np.float64, seed=0)
    state, rng_state = net.state_dict(), net.rng.bit_generator.state
    check_gradients(net, x, t)
    for name, value in net.state_dict().items():
        np.testing.assert_array_equal(value, state[name])
    assert net.rng.bit_generator.state == rng_state


def convnets(filter_size, pad):
    conv_param = {"filter_num": 4, "filter_size": filter_size, "pad": pad, "stride": 1}
    return [minidl.SimpleConvNet(input_dim=(1, 8, 8), conv_param=conv_param, hidden_size=10, dtype=np.float64,
                                 seed=seed) for seed in range(3)]


def raw_digits():
    from sklearn.datasets import load_digits

    images, labels = load_digits(return_X_y=True)
    return (images[:10] / 16).reshape(-1, 1, 8, 8), labels[:10]


@pytest.mark.parametrize("pad", [0, 1])
def test_convnet_on_raw_digits_sits_on_the_kinks(pad):
    # The README: blank 3x3 patches with zero biases give conv outputs of exactly 0, the ReLU kink.
    x, t = raw_digits()
    assert max(check_gradients(net, x, t)["b1"] for net in convnets(3, pad)) > 1e-2


def share_off(net, x, t):
    """For each parameter, the share of its entries whose two gradients disagree (relative error > 1e-6)."""
    shares = {}
    for name, (analytic, numerical) in gradient_pairs(net, x, t).items():
        error = np.abs(analytic - numerical) / np.maximum(np.abs(analytic) + np.abs(numerical), 1e-5)
        shares[name] = np.mean(error > 1e-6)
    return shares


@pytest.mark.parametrize("filter_size, pad", [(3, 0), (3, 1), (5, 0)])
def test_on_random_inputs_a_kink_moves_a_few_entries_and_a_bug_most(filter_size, pad):
    _, t = raw_digits()
    for seed, net in enumerate(convnets(filter_size, pad)):
        noise = np.random.default_rng(seed).normal(size=(10, 1, 8, 8))
        assert max(share_off(net, noise, t).values()) < 0.2
        conv = net.layers["Conv1"]
        backward = conv.backward

        def wrong_backward(dout, *args, backward=backward, conv=conv, **kwargs):
            dx = backward(dout, *args, **kwargs)
            conv.dW *= 1.5  # a planted bug in the filters' gradient
            return dx

        conv.backward = wrong_backward
        assert share_off(net, noise, t)["W1"] > 0.8
