"""SGD, Momentum and Nesterov: hand-computed steps and the two views of momentum."""

from pathlib import Path

import numpy as np

from minidl import optim
from minidl.files import load_npz

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def test_sgd_step_by_hand():
    params = {"w": np.array([1.0, -2.0])}
    optim.SGD(lr=0.1).update(params, {"w": np.array([0.5, -1.0])})
    np.testing.assert_allclose(params["w"], [1.0 - 0.05, -2.0 + 0.1], rtol=0, atol=1e-15)


def test_momentum_two_steps_by_hand():
    params = {"w": np.array([1.0])}
    optimizer = optim.Momentum(lr=0.1, momentum=0.9)
    optimizer.update(params, {"w": np.array([2.0])})  # b = 2, w = 1 - 0.2
    optimizer.update(params, {"w": np.array([1.0])})  # b = 0.9 * 2 + 1 = 2.8, w = 0.8 - 0.28
    np.testing.assert_allclose(params["w"], [0.52], rtol=1e-15)
    np.testing.assert_allclose(optimizer.state["w"]["velocity"], [2.8], rtol=1e-15)


def test_nesterov_two_steps_by_hand():
    params = {"w": np.array([1.0])}
    optimizer = optim.Nesterov(lr=0.1, momentum=0.9)
    optimizer.update(params, {"w": np.array([2.0])})  # b = 2, w = 1 - 0.1 (2 + 1.8)
    np.testing.assert_allclose(params["w"], [0.62], rtol=1e-15)
    optimizer.update(params, {"w": np.array([1.0])})  # b = 2.8, w = 0.62 - 0.1 (1 + 2.52)
    np.testing.assert_allclose(params["w"], [0.62 - 0.352], rtol=1e-15)


def seeds_momentum(start, gradient, learning_rates, momentum):
    """The book's form: v = momentum * v - lr * g; W += v (velocity in parameter units)."""
    w, velocity, trajectory = start.copy(), np.zeros_like(start), []
    for lr in learning_rates:
        velocity = momentum * velocity - lr * gradient(w)
        w = w + velocity
        trajectory.append(w.copy())
    return np.array(trajectory)


def minidl_momentum(start, gradient, learning_rates, momentum):
    params, optimizer, trajectory = {"w": start.copy()}, optim.Momentum(momentum=momentum), []
    for lr in learning_rates:
        optimizer.lr = lr
        optimizer.update(params, {"w": gradient(params["w"])})
        trajectory.append(params["w"].copy())
    return np.array(trajectory)


def bowl_gradient(w):
    return np.array([0.1, 2.0]) * w + 0.3 * np.sin(w)


def test_momentum_equals_the_seeds_form_at_a_constant_learning_rate():
    start, rates = np.array([-7.0, 2.0]), [0.05] * 60
    ours = minidl_momentum(start, bowl_gradient, rates, 0.9)
    np.testing.assert_allclose(ours, seeds_momentum(start, bowl_gradient, rates, 0.9), rtol=1e-12, atol=1e-13)


def test_momentum_with_a_changing_learning_rate_follows_torch_not_the_seeds_form():
    # Replays the torch fixture whose lr changes at every step (see make_torch_fixtures.py).
    arrays, meta = load_npz(FIXTURES / "rosenbrock.npz")
    trajectory, rates = arrays["momentum-varying-lr/trajectory"], arrays["momentum-varying-lr/lr"]
    coupling = meta["constants"]["coupling"]

    def rosenbrock_gradient(x):
        valley = x[1:] - x[:-1] ** 2
        gradient = np.zeros_like(x)
        gradient[:-1] += -2.0 * (1.0 - x[:-1]) - 4.0 * coupling * x[:-1] * valley
        gradient[1:] += 2.0 * coupling * valley
        return gradient

    ours = minidl_momentum(trajectory[0], rosenbrock_gradient, rates, 0.9)
    seeds = seeds_momentum(trajectory[0], rosenbrock_gradient, rates, 0.9)
    scale = np.abs(trajectory[1:]).max()
    assert np.abs(ours - trajectory[1:]).max() / scale < 1e-10
    # The book's velocity keeps old steps at their old size: a visibly different path.
    assert np.abs(seeds - trajectory[1:]).max() / scale > 1e-3


def test_nesterov_equals_the_parameter_unit_form_at_a_constant_learning_rate():
    # v = mu v - lr g; W += mu v - lr g (Keras' documented rule; Bengio et al.'s
    # W += mu^2 v_old - (1 + mu) lr g is the same). The book's code applies mu^2
    # to the *new* velocity instead, which is a different method.
    start, lr, mu = np.array([-7.0, 2.0]), 0.05, 0.9
    w, velocity, book_w, book_velocity = start.copy(), np.zeros(2), start.copy(), np.zeros(2)
    params, optimizer = {"w": start.copy()}, optim.Nesterov(lr=lr, momentum=mu)
    for _ in range(40):
        velocity = mu * velocity - lr * bowl_gradient(w)
        w = w + mu * velocity - lr * bowl_gradient(w)
        book_gradient = bowl_gradient(book_w)
        book_velocity = mu * book_velocity - lr * book_gradient
        book_w = book_w + mu * mu * book_velocity - (1 + mu) * lr * book_gradient
        optimizer.update(params, {"w": bowl_gradient(params["w"])})
    np.testing.assert_allclose(params["w"], w, rtol=1e-12, atol=1e-13)
    assert np.abs(book_w - w).max() > 1e-3
