"""Record golden optimizer trajectories with PyTorch, for the tests of ``minidl.optim``.

What it does
------------
Runs ``torch.optim`` optimizers in float64 for ``STEPS`` steps on two fixed
problems and saves every step's parameters to ``fixtures/<problem>.npz``
beside this file (atomically, with ``minidl.files.save_npz``):

* ``rosenbrock``: a gentle 4-D Rosenbrock function
  ``f(x) = sum_i (1 - x_i)**2 + B * (x_{i+1} - x_i**2)**2`` with ``B = 5``;
* ``mlp``: the mean softmax cross-entropy of a 3-4-3 tanh network on 16
  fixed random points (parameters ``W1, b1, W2, b2``).

Each run is one minidl configuration (optimizer name, hyperparameters,
hooks) next to the torch configuration it must equal; the runs cover every
optimizer with minidl's default hyperparameters, with a non-default set,
with a learning rate changed at every step, and with the WeightDecay and
ClipGradNorm hooks (torch's own ``weight_decay=`` and ``clip_grad_norm_``).
``tests/optim/test_against_torch.py`` replays every run with minidl and numpy
gradients. PyTorch is needed only here, never by the tests.

How to run (from any folder)
----------------------------
    pip install torch==2.13.0        # the CPU wheel; never a plain "pip install torch"
    python tests/optim/make_torch_fixtures.py
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import torch

from minidl.files import save_npz

STEPS = 100
FIXTURES = Path(__file__).resolve().parent / "fixtures"
ROSENBROCK_COUPLING = 5.0


def rosenbrock_problem():
    """The 4-D gentle Rosenbrock function, started away from its minimum at (1, 1, 1, 1)."""

    def loss(params):
        x = params["x"]
        return ((1 - x[:-1]) ** 2 + ROSENBROCK_COUPLING * (x[1:] - x[:-1] ** 2) ** 2).sum()

    initial = {"x": np.array([-1.2, 1.0, -0.5, 0.8])}
    return loss, initial, {}, {"coupling": ROSENBROCK_COUPLING}


def mlp_problem():
    """Softmax cross-entropy of a one-hidden-layer tanh network on fixed random data."""
    rng = np.random.default_rng(2024)
    inputs = rng.standard_normal((16, 3))
    labels = rng.integers(0, 3, size=16)
    initial = {
        "W1": 0.8 * rng.standard_normal((3, 4)),
        "b1": 0.1 * rng.standard_normal(4),
        "W2": 0.8 * rng.standard_normal((4, 3)),
        "b2": 0.1 * rng.standard_normal(3),
    }
    x, t = torch.from_numpy(inputs), torch.from_numpy(labels)

    def loss(params):
        hidden = torch.tanh(x @ params["W1"] + params["b1"])
        return torch.nn.functional.cross_entropy(hidden @ params["W2"] + params["b2"], t)

    return loss, initial, {"inputs": inputs, "labels": labels}, {}


def runs():
    """Rows (run name, minidl name, minidl hyperparameters, hooks, torch class, torch kwargs)."""
    adam, decay = {"betas": (0.9, 0.999), "eps": 1e-8}, [["WeightDecay", {"rate": 0.05}]]
    table = [
        # ---- minidl defaults: the empty dict means "minidl's own defaults"
        ("sgd-default", "sgd", {}, [], "SGD", {"lr": 0.01}),
        ("momentum-default", "momentum", {}, [], "SGD", {"lr": 0.01, "momentum": 0.9}),
        ("nesterov-default", "nesterov", {}, [], "SGD", {"lr": 0.01, "momentum": 0.9, "nesterov": True}),
        ("adagrad-default", "adagrad", {}, [], "Adagrad", {"lr": 0.01, "eps": 1e-7}),
        ("rmsprop-default", "rmsprop", {}, [], "RMSprop", {"lr": 0.01, "alpha": 0.99, "eps": 1e-7}),
        ("adadelta-default", "adadelta", {}, [], "Adadelta", {"lr": 1.0, "rho": 0.95, "eps": 1e-6}),
        ("adam-default", "adam", {}, [], "Adam", {"lr": 0.001, **adam}),
        ("adamw-default", "adamw", {}, [], "AdamW", {"lr": 0.001, **adam, "weight_decay": 0.01}),
        # ---- non-default hyperparameters
        ("sgd-custom", "sgd", {"lr": 0.02}, [], "SGD", {"lr": 0.02}),
        ("momentum-custom", "momentum", {"lr": 0.03, "momentum": 0.5}, [], "SGD", {"lr": 0.03, "momentum": 0.5}),
        ("nesterov-custom", "nesterov", {"lr": 0.015, "momentum": 0.6}, [],
         "SGD", {"lr": 0.015, "momentum": 0.6, "nesterov": True}),
        ("adagrad-custom", "adagrad", {"lr": 0.3, "eps": 1e-4}, [], "Adagrad", {"lr": 0.3, "eps": 1e-4}),
        ("rmsprop-custom", "rmsprop", {"lr": 0.003, "decay_rate": 0.9, "eps": 1e-5}, [],
         "RMSprop", {"lr": 0.003, "alpha": 0.9, "eps": 1e-5}),
        ("adadelta-custom", "adadelta", {"lr": 0.5, "rho": 0.8, "eps": 1e-4}, [],
         "Adadelta", {"lr": 0.5, "rho": 0.8, "eps": 1e-4}),
        ("adam-custom", "adam", {"lr": 0.02, "beta1": 0.5, "beta2": 0.99, "eps": 1e-6}, [],
         "Adam", {"lr": 0.02, "betas": (0.5, 0.99), "eps": 1e-6}),
        ("adamw-custom", "adamw", {"lr": 0.01, "beta1": 0.8, "beta2": 0.95, "eps": 1e-7, "weight_decay": 0.1}, [],
         "AdamW", {"lr": 0.01, "betas": (0.8, 0.95), "eps": 1e-7, "weight_decay": 0.1}),
        # ---- hooks: coupled L2 is torch's weight_decay=, clipping is clip_grad_norm_ before step()
        ("sgd-weight-decay", "sgd", {"lr": 0.02}, decay, "SGD", {"lr": 0.02, "weight_decay": 0.05}),
        ("adam-weight-decay", "adam", {"lr": 0.01}, decay, "Adam", {"lr": 0.01, "weight_decay": 0.05}),
        ("momentum-clip", "momentum", {"lr": 0.02}, [["ClipGradNorm", {"max_norm": 0.2}]],
         "SGD", {"lr": 0.02, "momentum": 0.9}),
        ("rmsprop-clip-weight-decay", "rmsprop", {"lr": 0.005},
         [["ClipGradNorm", {"max_norm": 0.3}], ["WeightDecay", {"rate": 0.01}]],
         "RMSprop", {"lr": 0.005, "alpha": 0.99, "eps": 1e-7, "weight_decay": 0.01}),
    ]
    # ---- a learning rate changed at every step, as a schedule would: the default configurations again
    for name, *configuration in table[:8]:
        table.append((name.replace("default", "varying-lr"), *configuration))
    return table


def varying_learning_rates(lr0):
    """lr0 times a factor wandering between 0.5 and 1.5, so the rate both rises and falls."""
    return np.array([lr0 * (1.0 + 0.5 * math.sin(0.3 * step)) for step in range(STEPS)])


def run_torch(loss_function, initial, torch_name, torch_kwargs, clip, learning_rates):
    params = {name: torch.tensor(value, dtype=torch.float64, requires_grad=True) for name, value in initial.items()}
    optimizer = getattr(torch.optim, torch_name)(list(params.values()), foreach=False, **torch_kwargs)
    flat = lambda: np.concatenate([p.detach().numpy().ravel() for p in params.values()])  # noqa: E731
    trajectory = [flat()]
    for step in range(STEPS):
        if learning_rates is not None:
            for group in optimizer.param_groups:
                group["lr"] = float(learning_rates[step])
        optimizer.zero_grad()
        loss_function(params).backward()
        if clip is not None:
            torch.nn.utils.clip_grad_norm_(list(params.values()), clip, foreach=False)
        optimizer.step()
        trajectory.append(flat())
    return np.array(trajectory)


def main():
    torch.set_default_dtype(torch.float64)
    FIXTURES.mkdir(exist_ok=True)
    for problem_name, problem in (("rosenbrock", rosenbrock_problem), ("mlp", mlp_problem)):
        loss_function, initial, data, constants = problem()
        arrays = {f"initial/{name}": value for name, value in initial.items()}
        arrays.update({f"data/{name}": value for name, value in data.items()})
        meta = {
            "made_by": f"tests/optim/make_torch_fixtures.py with torch {torch.__version__}, float64",
            "problem": problem_name,
            "constants": constants,
            "steps": STEPS,
            "parameters": [[name, list(value.shape)] for name, value in initial.items()],
            "runs": [],
        }
        for name, minidl_name, hyperparameters, hooks, torch_name, torch_kwargs in runs():
            clip = next((settings["max_norm"] for kind, settings in hooks if kind == "ClipGradNorm"), None)
            learning_rates = varying_learning_rates(torch_kwargs["lr"]) if "varying-lr" in name else None
            trajectory = run_torch(loss_function, initial, torch_name, torch_kwargs, clip, learning_rates)
            if not np.all(np.isfinite(trajectory)):
                raise RuntimeError(f"{problem_name}/{name} diverged; choose gentler hyperparameters")
            arrays[f"{name}/trajectory"] = trajectory
            if learning_rates is not None:
                arrays[f"{name}/lr"] = learning_rates
            torch_call = f"torch.optim.{torch_name}({', '.join(f'{k}={v!r}' for k, v in torch_kwargs.items())})"
            if clip is not None:
                torch_call = f"clip_grad_norm_(max_norm={clip}); {torch_call}"
            meta["runs"].append({
                "name": name, "optimizer": minidl_name, "hyperparameters": hyperparameters,
                "hooks": hooks, "torch": torch_call,
            })
            moved = np.abs(trajectory[-1] - trajectory[0]).max()
            print(f"{problem_name:10s} {name:28s} moved {moved:.3g}")
        save_npz(FIXTURES / f"{problem_name}.npz", arrays, meta)
        print(f"wrote {FIXTURES / f'{problem_name}.npz'}")


if __name__ == "__main__":
    main()
