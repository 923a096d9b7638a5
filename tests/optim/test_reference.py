"""Every fast update rule equals its reference in minidl.optim.reference, to rounding.

The optimizers compute in place, in preallocated arrays, over all of a
network's parameters at once; ``minidl.optim.reference`` writes each rule as
its equation. Here the two run side by side for several steps on an MLP's
gradients, with non-default hyperparameters, both hooks and a learning rate
that changes at every step, with the network's FlatArrays (one update over
the whole buffer) and with plain dicts (one update a parameter), in float64
and float32. The parameters and the state must agree at every step.
"""

import inspect

import numpy as np
import pytest

from minidl import MLP, optim
from minidl.optim import reference

SETTINGS = {
    "sgd": {"lr": 0.05},
    "momentum": {"lr": 0.05, "momentum": 0.8},
    "nesterov": {"lr": 0.05, "momentum": 0.7},
    "adagrad": {"lr": 0.05, "eps": 1e-6},
    "rmsprop": {"lr": 0.01, "decay_rate": 0.9, "eps": 1e-6},
    "adadelta": {"lr": 0.5, "rho": 0.9, "eps": 1e-5},
    "adam": {"lr": 0.01, "beta1": 0.8, "beta2": 0.99, "eps": 1e-6},
    "adamw": {"lr": 0.01, "beta1": 0.8, "beta2": 0.99, "eps": 1e-6, "weight_decay": 0.1},
}
STEPS = 12
# Largest relative difference allowed: a few roundings of the dtype, grown over the steps.
TOLERANCE = {np.float64: 1e-12, np.float32: 1e-5}


def hooks():
    return [optim.WeightDecay(0.01), optim.ClipGradNorm(1.0)]


def relative_difference(ours, expected):
    return np.max(np.abs(ours - expected)) / max(np.max(np.abs(expected)), 1e-30)


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
@pytest.mark.parametrize("flat", [True, False], ids=["flat", "dicts"])
@pytest.mark.parametrize("name", list(SETTINGS))
def test_the_fast_rule_equals_its_reference(name, flat, dtype):
    net = MLP(6, [5, 4], 3, dtype=dtype, seed=0)
    rng = np.random.default_rng(1)
    x, t = rng.standard_normal((16, 6)).astype(dtype), rng.integers(0, 3, 16)
    optimizer = optim.get(name, **SETTINGS[name])
    for hook in hooks():
        optimizer.add_hook(hook)
    calls = []
    update_one = optimizer.update_one
    optimizer.update_one = lambda param, *rest: calls.append(param.shape) or update_one(param, *rest)
    rule, reference_hooks = reference.RULES[name], hooks()
    params = {key: value.copy() for key, value in net.params.items()}
    states = {key: {} for key in params}
    for step in range(STEPS):
        lr = SETTINGS[name]["lr"] * (1.5 if step % 3 == 1 else 0.9**step)  # a schedule, changing every step
        optimizer.lr = lr
        _, grads = net.loss_and_gradient(x, t)
        given = {key: value.copy() for key, value in grads.items()}
        for hook in reference_hooks:
            hook(params, given)
        for key in params:
            params[key], states[key] = rule(params[key], given[key], states[key], **{**SETTINGS[name], "lr": lr})
        optimizer.update(net.params if flat else dict(net.params), grads if flat else dict(grads))

        for key, expected in params.items():
            assert net.params[key].dtype == expected.dtype == dtype
            error = relative_difference(net.params[key], expected)
            assert error <= TOLERANCE[dtype], f"step {step + 1}, params[{key!r}]: relative difference {error:.2g}"
            for slot, array in optimizer.state[key].items():
                error = relative_difference(array, states[key][slot])
                assert error <= TOLERANCE[dtype], f"step {step + 1}, state {key}/{slot}: relative difference {error:.2g}"
    assert calls == ([net.params.flat.shape] if flat else [value.shape for value in params.values()]) * STEPS
    assert states["W1"].get("step", optimizer.step_count) == optimizer.step_count == STEPS
    # The weights really moved, or agreeing would prove little.
    assert relative_difference(net.params["W1"], MLP(6, [5, 4], 3, dtype=dtype, seed=0).params["W1"]) > 1e-3


def test_every_builtin_optimizer_has_a_reference_with_its_defaults_and_says_so():
    assert sorted(reference.RULES) == sorted(optim.available()) == sorted(SETTINGS)
    for name, rule in reference.RULES.items():
        cls = optim.available()[name]
        defaults = {key: value.default for key, value in inspect.signature(rule).parameters.items()
                    if value.default is not inspect.Parameter.empty}
        assert defaults == cls().hyperparameters, name
        # The fast rule names the function it is the in-place form of.
        assert f"in-place form of :func:`minidl.optim.reference.{name}`" in inspect.getdoc(cls.update_one), name


def test_source_gives_the_rule_as_text_to_quote():
    assert reference.source("RMSprop").startswith("def rmsprop(param, grad, state, lr=0.01, decay_rate=0.99, eps=1e-7):")
    assert "np.sqrt(v_hat) + eps" in reference.source("adam")
    adamw = reference.source("adamw")
    assert adamw.index("def adamw(") < adamw.index("def adam(")
    for name in reference.RULES:
        assert len(reference.source(name).splitlines()) <= 20
    with pytest.raises(ValueError, match="no reference rule 'adamm'; the rules are sgd, momentum"):
        reference.source("adamm")
