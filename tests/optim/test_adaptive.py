"""AdaGrad, RMSprop and AdaDelta: steps computed by hand, and the book's code."""

import math

import numpy as np

from minidl import optim


def test_adagrad_two_steps_by_hand():
    params = {"w": np.array([1.0])}
    optimizer = optim.AdaGrad(lr=0.5, eps=1e-7)
    optimizer.update(params, {"w": np.array([3.0])})  # h = 9, step = 0.5 * 3 / (3 + eps)
    optimizer.update(params, {"w": np.array([4.0])})  # h = 25, step = 0.5 * 4 / (5 + eps)
    expected = 1.0 - 0.5 * 3 / (3 + 1e-7) - 0.5 * 4 / (5 + 1e-7)
    np.testing.assert_allclose(params["w"], [expected], rtol=1e-15)
    assert optimizer.state["w"]["squared_gradient_sum"][0] == 25.0


def test_rmsprop_two_steps_by_hand():
    params = {"w": np.array([1.0])}
    optimizer = optim.RMSprop(lr=0.1, decay_rate=0.9, eps=1e-7)
    optimizer.update(params, {"w": np.array([2.0])})  # h = 0.1 * 4 = 0.4
    optimizer.update(params, {"w": np.array([1.0])})  # h = 0.9 * 0.4 + 0.1 * 1 = 0.46
    expected = 1.0 - 0.1 * 2 / (math.sqrt(0.4) + 1e-7) - 0.1 * 1 / (math.sqrt(0.46) + 1e-7)
    np.testing.assert_allclose(params["w"], [expected], rtol=1e-14)
    np.testing.assert_allclose(optimizer.state["w"]["squared_gradient_average"], [0.46], rtol=1e-15)


def test_adadelta_two_steps_by_hand():
    rho, eps, lr = 0.9, 1e-6, 1.0
    params = {"w": np.array([1.0])}
    optimizer = optim.AdaDelta(lr=lr, rho=rho, eps=eps)
    w, s, u = 1.0, 0.0, 0.0
    for g in (2.0, -1.0):
        optimizer.update(params, {"w": np.array([g])})
        s = rho * s + (1 - rho) * g * g
        delta = math.sqrt(u + eps) / math.sqrt(s + eps) * g
        u = rho * u + (1 - rho) * delta * delta
        w -= lr * delta
    np.testing.assert_allclose(params["w"], [w], rtol=1e-14)
    np.testing.assert_allclose(optimizer.state["w"]["squared_update_average"], [u], rtol=1e-14)


def seeds_adagrad(w, gradient, lr, steps):
    """The book's AdaGrad with the typo fixed: h += g * g; W -= lr * g / (sqrt(h) + 1e-7)."""
    h = np.zeros_like(w)
    for _ in range(steps):
        g = gradient(w)
        h += g * g
        w = w - lr * g / (np.sqrt(h) + 1e-7)
    return w


def seeds_rmsprop(w, gradient, lr, decay_rate, steps):
    """The book's RMSProp: h = decay h + (1 - decay) g * g; W -= lr * g / (sqrt(h) + 1e-7)."""
    h = np.zeros_like(w)
    for _ in range(steps):
        g = gradient(w)
        h *= decay_rate
        h += (1 - decay_rate) * g * g
        w = w - lr * g / (np.sqrt(h) + 1e-7)
    return w


def run(optimizer, w, gradient, steps):
    params = {"w": w.copy()}
    for _ in range(steps):
        optimizer.update(params, {"w": gradient(params["w"])})
    return params["w"]


def gradient(w):
    return np.array([0.1, 2.0]) * w


def test_adagrad_and_rmsprop_defaults_equal_the_seeds_code():
    start = np.array([-7.0, 2.0])
    ours, seeds = run(optim.AdaGrad(lr=1.5), start, gradient, 30), seeds_adagrad(start, gradient, 1.5, 30)
    np.testing.assert_allclose(ours, seeds, rtol=1e-13)
    ours, seeds = run(optim.RMSprop(lr=0.1), start, gradient, 30), seeds_rmsprop(start, gradient, 0.1, 0.99, 30)
    np.testing.assert_allclose(ours, seeds, rtol=1e-13)
