r"""Experiment 1: the paths optimizers take on a stretched bowl.

The function

.. math:: f(x, y) = \frac{x^2}{20} + y^2

has its minimum at :math:`(0, 0)` but is twenty times steeper along
:math:`y` than along :math:`x`. Its gradient,
:math:`\nabla f = (x / 10,\; 2 y)`, therefore points mostly *across* the
valley instead of along it. Starting from :math:`(-7, 2)`, plain SGD zig-zags
from wall to wall while crawling towards the minimum; Momentum builds up speed
along the valley and overshoots; AdaGrad, RMSprop and Adam rescale each
coordinate by its own gradient history, so the steep :math:`y` direction is
damped and the shallow :math:`x` direction is sped up.

This is the book's figure of SGD, Momentum, AdaGrad and Adam on this very
function, with Nesterov, RMSprop and AdaDelta added. The optimizers are the
real ones of :mod:`minidl.optim`, updating a ``params`` dict with the two
"weights" ``x`` and ``y``, exactly as they update a network.

Example
-------
>>> from minidl.experiments import optimizer_paths
>>> result = optimizer_paths(steps=30)
>>> result.positions["sgd"].shape        # 31 points: the start and 30 steps
(31, 2)
>>> figure = result.plot()               # needs matplotlib
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from minidl.experiments import options
from minidl.experiments.common import build_optimizers, described_optimizers
from minidl.experiments.options import Option, experiment
from minidl.plotting import panel_grid

#: Learning rates for each optimizer on this function. SGD, Momentum, AdaGrad
#: and Adam use the book's values. Nesterov gets Momentum's rate so the two
#: can be compared; RMSprop's 0.1 reaches the minimum in about 30 steps.
#: AdaDelta's step starts near sqrt(eps) (it has no learning rate of its own,
#: ``lr=1``), so with its usual eps=1e-6 it barely moves in 30 steps; eps=0.01
#: lets the path show its shape.
DEFAULT_SETTINGS = {
    "sgd": {"lr": 0.95},
    "momentum": {"lr": 0.1},
    "nesterov": {"lr": 0.1},
    "adagrad": {"lr": 1.5},
    "rmsprop": {"lr": 0.1},
    "adadelta": {"eps": 0.01},
    "adam": {"lr": 0.3},
}
DEFAULT_OPTIMIZERS = tuple(DEFAULT_SETTINGS)
START = (-7.0, 2.0)


def bowl(x, y):
    """The function :math:`f(x, y) = x^2 / 20 + y^2` (works on arrays too)."""
    return x**2 / 20.0 + y**2


def bowl_gradient(x, y):
    """Its gradient :math:`(\\partial f / \\partial x, \\partial f / \\partial y) = (x / 10, 2 y)`."""
    return x / 10.0, 2.0 * y


@dataclass
class PathsResult:
    """Where each optimizer went.

    Attributes
    ----------
    names : list of str
        Optimizer names, in the order given.
    labels : dict of str -> str
        Name -> a label with the learning rate, e.g. ``"SGD (lr=0.95)"``.
    hyperparameters : dict of str -> dict
        Name -> every hyperparameter the optimizer ran with.
    positions : dict of str -> numpy.ndarray, shape (steps + 1, 2)
        Name -> the points ``(x, y)`` visited, the start first.
    start : tuple of float
    steps : int
    """

    names: list
    labels: dict
    hyperparameters: dict
    positions: dict
    start: tuple
    steps: int

    def values(self, name):
        """:math:`f` at every point of ``name``'s path, shape (steps + 1,)."""
        points = self.positions[name]
        return bowl(points[:, 0], points[:, 1])

    def table(self):
        """Tidy rows ``optimizer, step, x, y, f``."""
        rows = []
        for name in self.names:
            points, values = self.positions[name], self.values(name)
            rows += [(name, step, x, y, f) for step, ((x, y), f) in enumerate(zip(points, values))]
        return ["optimizer", "step", "x", "y", "f"], rows

    def record(self):
        """Settings and, per optimizer, the final point and value of :math:`f`."""
        return {
            "experiment": "paths",
            "function": "f(x, y) = x**2 / 20 + y**2",
            "start": list(self.start),
            "steps": self.steps,
            "optimizers": {
                name: {
                    "label": self.labels[name],
                    "hyperparameters": self.hyperparameters[name],
                    "final_point": self.positions[name][-1],
                    "final_value": self.values(name)[-1],
                }
                for name in self.names
            },
        }

    def summary(self):
        """One line per optimizer: where it ended and the value of f there."""
        return [f"{self.labels[name]:<26} ends at ({self.positions[name][-1, 0]:+.3f}, "
                f"{self.positions[name][-1, 1]:+.3f}), f = {self.values(name)[-1]:.4f}" for name in self.names]

    def plot(self, columns=4):
        """One contour panel an optimizer with its path; returns the matplotlib figure."""
        figure, panels = panel_grid(len(self.names), columns, panel_size=(3.6, 2.4))
        grid_x, grid_y = np.meshgrid(np.linspace(-10, 10, 201), np.linspace(-5, 5, 101))
        levels = [0.1, 0.5, 1, 2, 3, 4, 5, 6, 7]
        for axes, name in zip(panels, self.names):
            points = self.positions[name]
            axes.contour(grid_x, grid_y, bowl(grid_x, grid_y), levels=levels, colors="0.75", linewidths=0.8)
            axes.plot(points[:, 0], points[:, 1], "o-", color="tab:red", markersize=2.5, linewidth=1)
            axes.plot(0, 0, "+", color="black", markersize=9)
            axes.set_xlim(-10, 10)
            axes.set_ylim(-5, 5)
            axes.set_title(self.labels[name], fontsize=10)
            axes.set_xlabel("x", fontsize=9)
            axes.set_ylabel("y", fontsize=9)
            axes.tick_params(labelsize=8)
        figure.suptitle(
            f"{self.steps} steps on f(x, y) = x²/20 + y² from {self.start} (minimum at +)", fontsize=12
        )
        figure.tight_layout()
        return figure


@experiment("paths", 1, "paths of optimizers on a stretched bowl, f(x, y) = x**2/20 + y**2",
            ("minidl experiment paths --out results",
             "minidl experiment paths --optimizers sgd,momentum,adam --set sgd.lr=0.5 --steps 50"),
            (*options.optimizers(), Option("--steps", "number of updates", "count")))
def optimizer_paths(optimizers=DEFAULT_OPTIMIZERS, hyperparameters=None, steps=30, start=START):
    """Run each optimizer for ``steps`` updates on :math:`f(x, y) = x^2/20 + y^2`.

    Parameters
    ----------
    optimizers : sequence of str, default all seven of :data:`DEFAULT_SETTINGS`
        Registered optimizer names (``minidl.optim.available()``).
    hyperparameters : dict of str -> dict, optional
        Hyperparameters per optimizer, e.g. ``{"adam": {"lr": 0.1}}``. They
        override :data:`DEFAULT_SETTINGS`; what is not set keeps the
        optimizer's own default.
    steps : int, default 30
        Number of updates.
    start : (float, float), default (-7, 2)
        The starting point.

    Returns
    -------
    PathsResult

    Notes
    -----
    Each step computes :math:`\\nabla f` at the current point and calls
    ``optimizer.update(params, grads)`` with ``params = {"x": ..., "y": ...}``.
    Nothing is random: the paths are the same on every run.
    """
    start = tuple(float(value) for value in start)
    if len(start) != 2:
        raise ValueError(f"start must be a point (x, y), got {start!r}")
    merged = {name: dict(DEFAULT_SETTINGS.get(name, {})) for name in optimizers}
    built = build_optimizers(optimizers, merged, overrides=hyperparameters)
    positions = {}
    for name, (optimizer, _label) in built.items():
        # float64 arrays of shape (1,): the optimizers update arrays in place.
        params = {"x": np.array([start[0]]), "y": np.array([start[1]])}
        points = [start]
        for _ in range(steps):
            gradient_x, gradient_y = bowl_gradient(params["x"], params["y"])
            optimizer.update(params, {"x": gradient_x, "y": gradient_y})
            points.append((params["x"][0], params["y"][0]))
        positions[name] = np.array(points)
    return PathsResult(
        **described_optimizers(built),
        positions=positions,
        start=start,
        steps=steps,
    )
