"""Adam and AdamW: hand-computed steps, the book's eps convention, decoupled decay."""

import math

import numpy as np

from minidl import optim


def test_adam_first_step_moves_each_weight_by_about_lr():
    # After one step m_hat = g and v_hat = g * g, so the step is lr * g / (|g| + eps).
    params = {"w": np.array([1.0, 1.0, 1.0])}
    grad = np.array([1e-3, -5.0, 200.0])
    optim.Adam(lr=0.01).update(params, {"w": grad.copy()})
    np.testing.assert_allclose(params["w"], 1.0 - 0.01 * grad / (np.abs(grad) + 1e-8), rtol=1e-14)


def test_adam_two_steps_by_hand():
    lr, beta1, beta2, eps = 0.1, 0.8, 0.9, 1e-8
    params = {"w": np.array([0.5])}
    optimizer = optim.Adam(lr=lr, beta1=beta1, beta2=beta2, eps=eps)
    w, m, v = 0.5, 0.0, 0.0
    for t, g in enumerate((2.0, -0.5), start=1):
        optimizer.update(params, {"w": np.array([g])})
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g * g
        w -= lr * (m / (1 - beta1**t)) / (math.sqrt(v / (1 - beta2**t)) + eps)
    np.testing.assert_allclose(params["w"], [w], rtol=1e-14)
    assert optimizer.step_count == 2


def seeds_adam(w, gradient, lr, beta1, beta2, steps, eps=1e-7):
    """The book's Adam: corrections folded into lr_t, eps added to sqrt(v) before correcting."""
    m, v = np.zeros_like(w), np.zeros_like(w)
    for t in range(1, steps + 1):
        g = gradient(w)
        lr_t = lr * np.sqrt(1.0 - beta2**t) / (1.0 - beta1**t)
        m += (1 - beta1) * (g - m)
        v += (1 - beta2) * (g**2 - v)
        w = w - lr_t * m / (np.sqrt(v) + eps)
    return w


def gradient(w):
    return np.array([0.1, 2.0]) * w


def test_the_seeds_adam_differs_only_by_where_eps_goes():
    # With eps = 0 both conventions are the same algorithm.
    start = np.array([-7.0, 2.0])
    params = {"w": start.copy()}
    optimizer = optim.Adam(lr=0.3, eps=1e-300)  # minidl needs eps > 0; 1e-300 is 0 here
    for _ in range(30):
        optimizer.update(params, {"w": gradient(params["w"])})
    np.testing.assert_allclose(params["w"], seeds_adam(start, gradient, 0.3, 0.9, 0.999, 30, eps=0.0), rtol=1e-12)
    # With tiny gradients eps matters, and the book's effective eps (1e-7 / sqrt(1 - beta2^t)) is larger.
    tiny = lambda w: 1e-9 * np.ones_like(w)  # noqa: E731
    params = {"w": np.zeros(1)}
    optim.Adam(lr=1.0, eps=1e-7).update(params, {"w": tiny(params["w"])})
    seeds = seeds_adam(np.zeros(1), tiny, 1.0, 0.9, 0.999, 1)
    np.testing.assert_allclose(params["w"], [-1e-9 / (1e-9 + 1e-7)], rtol=1e-12)
    np.testing.assert_allclose(seeds, [-1e-9 / (1e-9 + 1e-7 / math.sqrt(0.001))], rtol=1e-12)


def test_adamw_shrinks_weights_by_lr_times_decay_before_the_adam_step():
    params = {"w": np.array([2.0, -4.0])}
    optim.AdamW(lr=0.1, weight_decay=0.5).update(params, {"w": np.zeros(2)})  # zero gradient: no Adam step
    np.testing.assert_allclose(params["w"], [2.0 * 0.95, -4.0 * 0.95], rtol=1e-15)


def test_adamw_is_not_adam_with_l2_weight_decay():
    start = {"w": np.array([3.0, 0.01])}
    decoupled, coupled = {"w": start["w"].copy()}, {"w": start["w"].copy()}
    adamw = optim.AdamW(lr=0.1, weight_decay=0.1)
    adam_l2 = optim.Adam(lr=0.1).add_hook(optim.WeightDecay(0.1))
    for _ in range(10):
        adamw.update(decoupled, {"w": gradient(decoupled["w"])})
        adam_l2.update(coupled, {"w": gradient(coupled["w"])})
    assert np.abs(decoupled["w"] - coupled["w"]).max() > 1e-3


def test_a_new_learning_rate_is_used_at_once_with_the_same_bias_correction():
    params_a, params_b = {"w": np.array([1.0])}, {"w": np.array([1.0])}
    a, b = optim.Adam(lr=0.1), optim.Adam(lr=0.1)
    for params, optimizer in ((params_a, a), (params_b, b)):
        optimizer.update(params, {"w": np.array([1.0])})
    before = params_a["w"].copy()
    a.lr = 0.05
    a.update(params_a, {"w": np.array([1.0])})
    b.update(params_b, {"w": np.array([1.0])})
    # A constant gradient gives m_hat / sqrt(v_hat) = 1 at every step: the step is lr itself.
    np.testing.assert_allclose(before - params_a["w"], [0.05], rtol=1e-7)
    np.testing.assert_allclose(before - params_b["w"], [0.1], rtol=1e-7)
