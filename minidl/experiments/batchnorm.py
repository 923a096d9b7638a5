"""Experiment 4: batch normalisation makes training insensitive to the initial weight scale.

Batch normalisation rescales each unit's pre-activations over the mini-batch
to mean 0 and variance 1 (then lets the network learn a scale
:math:`\\gamma` and a shift :math:`\\beta`):

.. math:: \\hat z = \\frac{z - \\mu_B}{\\sqrt{\\sigma_B^2 + \\epsilon}}, \\qquad
          y = \\gamma \\hat z + \\beta

Whatever the scale of the weights, the next activation therefore receives
inputs of a sensible size. This experiment trains the same five-hidden-layer
ReLU network (``input -> 100 x 5 -> 10``, SGD ``lr=0.01``, batches of 100) on
1,000 training samples, once with and once without batch normalisation, for
each of 16 initial weight standard deviations from 1 down to 0.0001. Without
it, only a narrow band of scales learns at all; with it, almost every scale
learns, and faster.

Example
-------
>>> from minidl.experiments import compare_batchnorm
>>> result = compare_batchnorm(weight_scales=(1.0, 0.01), epochs=3)
>>> result.train_accuracy.shape          # (scales, without/with, epochs)
(2, 2, 3)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from minidl import optim
from minidl.experiments import options
from minidl.experiments.common import class_count, load_data, run_for_epochs
from minidl.experiments.dispatch import map_grid
from minidl.experiments.figures import optimizer_setting, sizes_label
from minidl.experiments.options import Option, experiment
from minidl.experiments.results import curve_rows, saved
from minidl.plotting import panel_grid
from minidl.settings import Real

#: 16 standard deviations, evenly spaced on a log scale from 1 to 1e-4 (the book's grid).
DEFAULT_WEIGHT_SCALES = tuple(np.logspace(0, -4, 16).tolist())
DEFAULT_HIDDEN_SIZES = (100, 100, 100, 100, 100)
VARIANTS = ("without batchnorm", "with batchnorm")
COLORS = ("tab:orange", "tab:blue")


@dataclass
class BatchnormResult:
    """Training accuracy with and without batch normalisation, for each initial weight scale.

    Attributes
    ----------
    dataset : str
    weight_scales : list of float
        Standard deviations of the initial weights.
    train_accuracy : numpy.ndarray, shape (scales, 2, epochs)
        ``[:, 0]`` without, ``[:, 1]`` with batch normalisation; accuracy on
        the training samples after each epoch, measured in evaluation mode.
    settings : dict
        Samples, network, optimizer, batch size, seed.
    """

    dataset: str
    weight_scales: list
    train_accuracy: np.ndarray
    settings: dict

    def table(self):
        """Tidy rows ``weight_scale, batchnorm, epoch, train_accuracy``."""
        return ["weight_scale", "batchnorm", "epoch", "train_accuracy"], curve_rows(
            self.weight_scales, (False, True), self.train_accuracy)

    def record(self):
        """Settings and the final training accuracy per scale, with and without batch normalisation."""
        return {
            "experiment": "batchnorm",
            "dataset": self.dataset,
            **self.settings,
            "final_train_accuracy": [
                {"weight_scale": scale, "without_batchnorm": self.train_accuracy[index, 0, -1],
                 "with_batchnorm": self.train_accuracy[index, 1, -1]}
                for index, scale in enumerate(self.weight_scales)
            ],
        }

    def summary(self):
        """One line per weight scale: final training accuracy without and with batchnorm."""
        def final(index, variant):
            value = self.train_accuracy[index, variant, -1]
            return "diverged" if np.isnan(value) else f"{value:.3f}"

        return [f"weight std {scale:<8.2g} final train accuracy: without {final(index, 0)}, "
                f"with batchnorm {final(index, 1)}" for index, scale in enumerate(self.weight_scales)]

    def plot(self, columns=4):
        """One panel per weight scale: accuracy per epoch with (solid) and without (dashed) batchnorm."""
        figure, panels = panel_grid(len(self.weight_scales), columns, panel_size=(2.9, 2.2),
                                    sharex=True, sharey=True)
        epochs = np.arange(1, self.train_accuracy.shape[2] + 1)
        for index, (axes, scale) in enumerate(zip(panels, self.weight_scales)):
            axes.plot(epochs, self.train_accuracy[index, 1], color=COLORS[1], label=VARIANTS[1])
            axes.plot(epochs, self.train_accuracy[index, 0], "--", color=COLORS[0], label=VARIANTS[0])
            axes.set_title(f"initial weight std {scale:.2g}", fontsize=9)
            for variant in (0, 1):
                if np.isnan(self.train_accuracy[index, variant]).any():
                    # A diverged run has no line to see: say so in the panel.
                    axes.text(0.5, 0.9 - 0.12 * variant, f"{VARIANTS[variant]}: diverged", fontsize=8,
                              ha="center", transform=axes.transAxes, color=COLORS[variant])
            axes.set_ylim(0, 1.02)
            axes.grid(alpha=0.3)
            axes.tick_params(labelsize=8)
        for axes in panels[-columns:]:
            axes.set_xlabel("epoch", fontsize=9)
        for axes in panels[::columns]:
            axes.set_ylabel("train accuracy", fontsize=9)
        panels[0].legend(fontsize=8, loc="lower right")
        settings = self.settings
        figure.suptitle(f"Batch normalisation on {self.dataset} ({settings['samples']} samples, "
                        f"{sizes_label(settings['sizes'])}, {optimizer_setting(settings)})", fontsize=11)
        figure.tight_layout()
        return figure


@experiment("batchnorm", 5, "training accuracy with and without batch normalisation, per initial weight scale",
            ("minidl experiment batchnorm --out results",
             "minidl experiment batchnorm --scales 8 --epochs 10"),
            (options.optimizer(), options.learning_rate(0.01), *options.samples_and_epochs(),
             Option("--scales", "number of initial weight standard deviations, log-spaced from 1 to 1e-4", "count",
                    default=16, parameter="weight_scales", convert=lambda count, chosen: np.logspace(0, -4, count).tolist())))
def compare_batchnorm(dataset="digits", weight_scales=DEFAULT_WEIGHT_SCALES, samples=1000, epochs=20,
                      batch_size=100, hidden_sizes=DEFAULT_HIDDEN_SIZES, optimizer="sgd", optimizer_params=None,
                      seed=0, progress=True, out=None, n_jobs=None):
    """Train with and without batch normalisation for each initial weight scale.

    Parameters
    ----------
    dataset : str, default "digits"
    weight_scales : sequence of float, default 16 values from 1 to 1e-4
        Standard deviations of the initial weights.
    samples : int, default 1000
        The first ``samples`` training samples are used: a small set, so
        that the differences show within a few epochs.
    epochs : int, default 20
    batch_size : int, default 100
    hidden_sizes : sequence of int, default five layers of 100
    optimizer : str, default "sgd"
    optimizer_params : dict, optional
        Optimizer hyperparameters; default ``{"lr": 0.01}``.
    seed : int, default 0
        Seeds the weights and the batches; both variants of a scale start
        from the same weights and see the same batches.

    Returns
    -------
    BatchnormResult
    """
    weight_scales = [float(scale) for scale in weight_scales]
    if not weight_scales or not all(Real(0, closed="neither").accepts(scale) for scale in weight_scales):
        raise ValueError(f"weight_scales must be positive standard deviations such as (1.0, 0.1), got {weight_scales}")
    optimizer_params = {"lr": 0.01, **(optimizer_params or {})}
    (x_train, t_train), (_, t_test) = load_data(dataset, samples)
    input_size, output_size = x_train.shape[1], class_count(t_train, t_test)

    # Both variants of a scale share the seed: the same initial weights and batches.
    grid = map_grid(run_for_epochs, lambda weight_scale, batchnorm: (
        {"input_size": input_size, "hidden_sizes": hidden_sizes, "output_size": output_size,
         "weight_init": weight_scale, "batchnorm": batchnorm},
        optim.get(optimizer, **optimizer_params), x_train, t_train, epochs, batch_size, seed),
        weight_scales, (False, True), "batchnorm", progress, n_jobs)
    accuracy = np.array([[curves["train_accuracy"] for curves in row] for row in grid], dtype=float)

    result = BatchnormResult(
        dataset=dataset,
        weight_scales=weight_scales,
        train_accuracy=accuracy,
        settings={"samples": len(x_train), "sizes": [input_size, *hidden_sizes, output_size], "epochs": epochs,
                  "batch_size": batch_size, "optimizer": optimizer, "optimizer_params": optimizer_params,
                  "seed": seed},
    )
    return saved(result, out, "batchnorm")
