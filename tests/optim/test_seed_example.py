"""The book's comparison: f(x, y) = x**2 / 20 + y**2 from (-7, 2), 30 steps per optimizer."""

import numpy as np
import pytest

from minidl import optim

# The book's learning rates for SGD, Momentum, AdaGrad and Adam; the others use
# Momentum's for Nesterov, 0.1 for RMSprop, and AdaDelta its default (it has no
# real learning rate).
LEARNING_RATES = {
    "sgd": 0.95,
    "momentum": 0.1,
    "nesterov": 0.1,
    "adagrad": 1.5,
    "rmsprop": 0.1,
    "adam": 0.3,
    "adamw": 0.3,
    "adadelta": 1.0,
}


def bowl(params):
    return float(params["x"] ** 2 / 20 + params["y"] ** 2)


def bowl_gradient(params):
    return {"x": params["x"] / 10, "y": 2 * params["y"]}


@pytest.mark.parametrize("name", sorted(LEARNING_RATES))
def test_every_optimizer_lowers_f_in_30_steps(name):
    params = {"x": np.array(-7.0), "y": np.array(2.0)}
    optimizer = optim.get(name, lr=LEARNING_RATES[name])
    start = bowl(params)
    for _ in range(30):
        optimizer.update(params, bowl_gradient(params))
    assert np.isfinite(bowl(params))
    if name == "adadelta":
        # Its first steps are about sqrt(eps) = 1e-3 long, so it only starts moving.
        assert bowl(params) < start
    else:
        assert bowl(params) < start / 20  # 6.45 -> below 0.33
