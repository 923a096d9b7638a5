"""Gradient checking: finite differences against known derivatives, and catching a wrong backward."""

import numpy as np
import pytest

import minidl
from minidl import MLP, Sequential
from minidl.gradcheck import check_gradients, float64_copy, numerical_gradient, relative_error
from minidl.layers import Affine, Tanh


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


def test_convnet_on_raw_digits_sits_on_the_relu_kink_until_its_biases_move():
    # The README's advice: blank patches with zero biases give conv outputs of exactly 0
    # (the ReLU kink), so b1 disagrees; non-zero biases make every error small.
    from sklearn.datasets import load_digits

    images, labels = load_digits(return_X_y=True)
    x, t = (images[:10] / 16).reshape(-1, 1, 8, 8), labels[:10]
    conv_param = {"filter_num": 4, "filter_size": 3, "pad": 0, "stride": 1}
    b1_errors = []
    for seed in range(3):
        net = minidl.SimpleConvNet(input_dim=(1, 8, 8), conv_param=conv_param, hidden_size=10,
                                   dtype=np.float64, seed=seed)
        b1_errors.append(check_gradients(net, x, t)["b1"])
        net.params["b1"][:] = 0.1
        assert max(check_gradients(net, x, t).values()) < 1e-6
    assert max(b1_errors) > 1e-2


class Swish:
    """A layer of one's own, not registered: x * sigmoid(x)."""

    def forward(self, x, train=True):
        self.x = x
        return x / (1.0 + np.exp(-x))

    def backward(self, dout):
        sigmoid = 1.0 / (1.0 + np.exp(-self.x))
        return dout * sigmoid * (1.0 + self.x * (1.0 - sigmoid))


class Scale:
    """A layer of one's own with a parameter ``a``, one factor a feature; ``wrong`` forgets a term of ``da``."""

    def __init__(self, a, wrong=False):
        self.a, self.da, self.wrong = a, None, wrong

    def forward(self, x, train=True):
        self.x = x
        return x * self.a

    def backward(self, dout):
        self.da = dout.sum(axis=0) if self.wrong else (dout * self.x).sum(axis=0)
        return dout * self.a


def own_layers_network(wrong=False):
    rng = np.random.default_rng(5)
    return Sequential([Affine(rng.normal(size=(4, 6)).astype(np.float32), np.zeros(6, np.float32)), Swish(),
                       Scale(rng.uniform(0.5, 1.5, size=6).astype(np.float32), wrong=wrong),
                       Affine(rng.normal(size=(6, 3)).astype(np.float32), np.zeros(3, np.float32))])


def test_a_float32_network_of_unregistered_layers_is_checked_in_float64():
    # The float64 copy used to be rebuilt from net.config, which refuses a layer that is not registered.
    rng = np.random.default_rng(3)
    x, t = rng.standard_normal((6, 4)), rng.integers(0, 3, 6)
    net = own_layers_network()
    assert net.dtype == np.float32
    state = net.state_dict()
    errors = check_gradients(net, x, t)
    assert list(errors) == ["W1", "b1", "a1", "W2", "b2"] and max(errors.values()) < 1e-6, errors
    for name, value in net.state_dict().items():
        assert value.dtype == np.float32 and np.array_equal(value, state[name]), name
    # And the check can fail: the copy computes with the user's layer, bug included.
    assert check_gradients(own_layers_network(wrong=True), x, t)["a1"] > 1e-2


def test_a_float32_copy_checks_a_replaced_layer_not_the_one_built():
    # Rebuilt from its settings, this MLP would be a ReLU network again: the check would pass untouched by Tanh.
    rng = np.random.default_rng(4)
    x, t = rng.standard_normal((6, 4)), rng.integers(0, 3, 6)
    net = MLP(4, [5], 3, seed=0)
    net.layers["Activation1"] = Tanh()
    copy = float64_copy(net)
    assert type(copy) is MLP and copy.dtype == np.float64 and type(copy.layers["Activation1"]) is Tanh
    assert {name: array.dtype for name, array in copy.params.items()} == dict.fromkeys(net.params, np.float64)
    np.testing.assert_allclose(copy.gradient(x, t)["W1"], net.gradient(x, t)["W1"], rtol=1e-4, atol=1e-6)
    broken = Tanh()
    broken.backward = lambda dout: dout  # forgets the derivative of tanh
    net.layers["Activation1"] = broken
    errors = check_gradients(net, x, t)
    assert errors["W1"] > 1e-2 and errors["W2"] < 1e-6
