"""The checks of the gradient exercises: the numerical gradient, and a two-layer net's gradient.

The numerical gradient is compared with exact derivatives of functions whose
derivative we know; the two-layer net with the formula of its forward pass
and, through :func:`minidl.homework.checks.check_network`, with finite differences
of its own loss.
"""

from __future__ import annotations

from functools import partial

import numpy as np

from minidl.homework.checks import CheckReport, check_network
from minidl.homework.exercise import Check, Exercise, compare, student_attribute, unlike
from minidl.losses import SoftmaxWithLoss


# ============================================================ numerical gradient
def _smooth_function(rng, shape):
    """A function f of an array and its exact gradient: sum(A sin(x)) + c (sum x)^2."""
    weights, scale = rng.standard_normal(shape), float(rng.uniform(0.1, 1.0))

    def f(x):
        return float(np.sum(weights * np.sin(x)) + scale * np.sum(x) ** 2)

    def gradient(x):
        return weights * np.cos(x) + 2 * scale * np.sum(x)

    return f, gradient


def _numerical(module, f, x):
    return student_attribute(module, "numerical_gradient")(f, x)


def gradient_of_squares(module, rng):
    x = rng.standard_normal(6)
    report = CheckReport("numerical_gradient(f, x) of f(x) = sum(x**2), x of shape (6,)")
    compare(report, "gradient", _numerical(module, lambda a: float(np.sum(a**2)), x.copy()), 2 * x, 1e-7, 1e-5)
    return report


def gradient_of_smooth_function(module, rng, hidden=False):
    shape = unlike((3, 4), lambda: tuple(int(size) for size in rng.integers(1, 5, size=int(rng.integers(1, 4))))) \
        if hidden else (3, 4)
    f, exact = _smooth_function(rng, shape)
    x = rng.standard_normal(shape)
    report = CheckReport(f"numerical_gradient(f, x) of f(x) = sum(A * sin(x)) + c * sum(x)**2, x of shape {shape}")
    # A one-sided difference is off by about h/2 times the second derivative, some 1e-5 of the gradient: too far.
    compare(report, "gradient (central difference)", _numerical(module, f, x.copy()), exact(x), 1e-6, 1e-5)
    return report


def point_restored(module, rng):
    x = rng.standard_normal((3, 2))
    before = x.copy()
    report = CheckReport("numerical_gradient(f, x) leaves x as it found it")
    _numerical(module, lambda a: float(np.sum(a**3)), x)
    changed = np.argwhere(x != before)
    report.add("x unchanged", changed.size == 0, "x is as before" if changed.size == 0 else (
        f"x[{tuple(int(i) for i in changed[0])}] is {float(x[tuple(changed[0])])!r} after the call, was "
        f"{float(before[tuple(changed[0])])!r}; put the saved value back (x[i] = saved), don't subtract h again"))
    return report


def nudged_in_place(module, rng):
    x = rng.standard_normal(5)
    expected = 2 * x
    shared = x  # f reads the point through another name, as lambda W: net.loss(x, t) does
    report = CheckReport("numerical_gradient(f, x) with an f that reads x through another name")
    gradient = _numerical(module, lambda _: float(np.sum(shared**2)), x)
    compare(report, "gradient", gradient, expected, 1e-7, 1e-5,
            hint="nudge x itself, in place (x[index] = saved + h), not a copy of it: f may read x through another name")
    return report


# ============================================================ two-layer net
def _net(module, rng, hidden):
    sizes = unlike((5, 4, 3), lambda: tuple(int(size) for size in rng.integers(2, 8, size=3))) if hidden else (5, 4, 3)
    net = student_attribute(module, "TwoLayerNet")(*sizes, weight_init_std=0.5, seed=int(rng.integers(2**31)))
    # Non-zero biases, set in place: the layers hold these very arrays.
    for key in ("b1", "b2"):
        net.params[key][...] = rng.standard_normal(net.params[key].shape)
    batch = unlike(6, lambda: int(rng.integers(2, 9))) if hidden else 6
    x = rng.standard_normal((batch, sizes[0]))
    return net, x, rng.integers(0, sizes[2], size=batch)


def _scores(params, x):
    return np.maximum(x @ params["W1"] + params["b1"], 0) @ params["W2"] + params["b2"]


def net_predict(module, rng):
    net, x, _ = _net(module, rng, False)
    report = CheckReport(f"TwoLayerNet.predict on a batch of shape {x.shape}")
    compare(report, "scores", net.predict(x.copy()), _scores(net.params, x))
    return report


def net_loss(module, rng):
    net, x, t = _net(module, rng, False)
    report = CheckReport(f"TwoLayerNet.loss on a batch of shape {x.shape}")
    compare(report, "loss", net.loss(x.copy(), t.copy()), SoftmaxWithLoss().forward(_scores(net.params, x), t))
    return report


def net_gradient(module, rng, hidden=False):
    net, x, t = _net(module, rng, hidden)
    return check_network(net, x, t, seed=int(rng.integers(2**31)))


# ============================================================ the exercises
NUMERICAL_GRADIENT = Exercise("numerical_gradient", "The numerical gradient, by central differences", 5,
                              "numerical_gradient.py", (
    Check("gradient of sum(x**2)", 2, False, gradient_of_squares),
    Check("gradient of a smooth function", 2, False, gradient_of_smooth_function),
    Check("x left unchanged", 2, False, point_restored),
    Check("f reading x through another name", 1, False, nudged_in_place),
    Check("other functions and shapes", 3, True, partial(gradient_of_smooth_function, hidden=True)),
))

TWO_LAYER_NET = Exercise("two_layer_net", "A two-layer net's gradient, by backpropagation", 5, "two_layer_net.py", (
    Check("predict", 2, False, net_predict),
    Check("loss", 2, False, net_loss),
    Check("gradient (check_network)", 3, False, net_gradient),
    Check("gradient, other sizes", 3, True, partial(net_gradient, hidden=True)),
))
