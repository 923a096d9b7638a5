"""minidl's optimizers replay trajectories recorded with torch.optim (float64).

The fixtures were made by ``make_torch_fixtures.py`` (beside this file; it
documents each run). Here every run is replayed with minidl, gradients
computed in numpy, and every step's parameters must match PyTorch's to a
relative error <= 1e-10, measured as max |minidl - torch| / max |torch|
over all parameters at that step. Each run is replayed twice: with plain
dicts (one update per parameter) and with FlatArrays (params and gradients
in one buffer each, one update over all of them).
"""

from pathlib import Path

import numpy as np
import pytest

from minidl import optim
from minidl.files import load_npz
from minidl.flat import FlatArrays

FIXTURES = Path(__file__).resolve().parent / "fixtures"
TOLERANCE = 1e-10


def rosenbrock_gradient(params, arrays, constants):
    """Gradient of sum_i (1 - x_i)^2 + B (x_{i+1} - x_i^2)^2."""
    x, coupling = params["x"], constants["coupling"]
    valley = x[1:] - x[:-1] ** 2
    gradient = np.zeros_like(x)
    gradient[:-1] += -2.0 * (1.0 - x[:-1]) - 4.0 * coupling * x[:-1] * valley
    gradient[1:] += 2.0 * coupling * valley
    return {"x": gradient}


def mlp_gradient(params, arrays, constants):
    """Backpropagation through tanh(X W1 + b1) W2 + b2 and the mean softmax cross-entropy."""
    inputs, labels = arrays["data/inputs"], arrays["data/labels"]
    hidden = np.tanh(inputs @ params["W1"] + params["b1"])
    scores = hidden @ params["W2"] + params["b2"]
    scores -= scores.max(axis=1, keepdims=True)
    probabilities = np.exp(scores)
    probabilities /= probabilities.sum(axis=1, keepdims=True)
    probabilities[np.arange(len(labels)), labels] -= 1.0
    score_gradient = probabilities / len(labels)
    hidden_gradient = (score_gradient @ params["W2"].T) * (1.0 - hidden**2)
    return {
        "W1": inputs.T @ hidden_gradient,
        "b1": hidden_gradient.sum(axis=0),
        "W2": hidden.T @ score_gradient,
        "b2": score_gradient.sum(axis=0),
    }


GRADIENTS = {"rosenbrock": rosenbrock_gradient, "mlp": mlp_gradient}


def load_fixture(problem):
    return load_npz(FIXTURES / f"{problem}.npz", what="torch fixture")


def all_runs():
    for problem in GRADIENTS:
        _, meta = load_fixture(problem)
        for run in meta["runs"]:
            yield pytest.param(problem, run["name"], id=f"{problem}-{run['name']}")


def unflatten(vector, parameters):
    params, start = {}, 0
    for name, shape in parameters:
        size = int(np.prod(shape))
        params[name] = vector[start : start + size].reshape(shape).copy()
        start += size
    return params


def flat_params(vector, parameters):
    params = FlatArrays(parameters, np.float64)
    params.flat[...] = vector
    return params


def flat_grads(params, grads):
    """``grads`` copied into a FlatArrays of the layout of ``params``."""
    flat = params.empty_like()
    for name, value in flat.items():
        value[...] = grads[name]
    return flat


@pytest.mark.parametrize("flat", [False, True], ids=["dicts", "flat"])
@pytest.mark.parametrize(("problem", "run_name"), list(all_runs()))
def test_minidl_replays_the_torch_trajectory(problem, run_name, flat):
    arrays, meta = load_fixture(problem)
    run = next(run for run in meta["runs"] if run["name"] == run_name)
    expected = arrays[f"{run_name}/trajectory"]
    learning_rates = arrays.get(f"{run_name}/lr")
    assert expected.shape[0] == meta["steps"] + 1 >= 101

    optimizer = optim.get(run["optimizer"], **run["hyperparameters"])
    for hook_name, settings in run["hooks"]:
        optimizer.add_hook(getattr(optim, hook_name)(**settings))
    params = (flat_params if flat else unflatten)(expected[0], meta["parameters"])
    gradient = GRADIENTS[problem]
    shapes, update_one = [], optimizer.update_one
    optimizer.update_one = lambda param, *rest: shapes.append(param.shape) or update_one(param, *rest)
    for step in range(meta["steps"]):
        if learning_rates is not None:
            optimizer.lr = float(learning_rates[step])
        grads = gradient(params, arrays, meta["constants"])
        if flat:
            grads = flat_grads(params, grads)
        shapes.clear()
        optimizer.update(params, grads)
        # The flat path really ran: the rule was applied once, to the whole buffer.
        assert shapes == ([params.flat.shape] if flat else [params[name].shape for name in params])
        ours = np.concatenate([params[name].ravel() for name, _ in meta["parameters"]])
        reference = expected[step + 1]
        error = np.max(np.abs(ours - reference)) / np.max(np.abs(reference))
        assert error <= TOLERANCE, f"step {step + 1}: relative error {error:.3g} vs {run['torch']}"
    # The run must really go somewhere, or matching it would prove nothing.
    assert np.max(np.abs(expected[-1] - expected[0])) > 0.05


def test_fixtures_cover_every_builtin_optimizer_default_custom_and_varying_lr():
    for problem in GRADIENTS:
        arrays, meta = load_fixture(problem)
        names = {run["name"] for run in meta["runs"]}
        for optimizer in ("sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adadelta", "adam", "adamw"):
            assert {f"{optimizer}-default", f"{optimizer}-custom", f"{optimizer}-varying-lr"} <= names
            assert f"{optimizer}-varying-lr/lr" in arrays
        default_runs = [run for run in meta["runs"] if run["name"].endswith("-default")]
        assert all(run["hyperparameters"] == {} for run in default_runs)
        hook_names = {hook for run in meta["runs"] for hook, _ in run["hooks"]}
        assert hook_names == {"WeightDecay", "ClipGradNorm"}


def test_fixtures_stay_small():
    total = sum(path.stat().st_size for path in FIXTURES.glob("*.npz"))
    assert total < 1_000_000
