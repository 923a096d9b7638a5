"""Experiment 3a: how the initial weights decide whether a network learns at all.

The same ReLU network, ``input -> 100 -> 100 -> 100 -> 100 -> 10``, is trained
with plain SGD (``lr=0.01``) from three kinds of starting weights, each
drawn from a normal distribution with mean 0 and standard deviation

- ``0.01``: a fixed small scale. Every layer multiplies the signal by roughly
  :math:`0.01 \\sqrt{100} = 0.1`, so after four layers almost nothing is left
  and the gradients are as small: the loss hardly moves;
- Xavier, :math:`\\sqrt{1 / n_{in}}`: keeps the variance of a layer's output
  equal to its input's for sigmoid and tanh units;
- He, :math:`\\sqrt{2 / n_{in}}`: the same for ReLU, which zeroes half of its
  inputs and so halves the variance; the factor 2 gives it back.

As in :mod:`minidl.experiments.compare`, every contender sees the same
mini-batches, and ``seeds=N`` repeats everything with N seeds. The histograms
of activations behind this behaviour are in
:mod:`minidl.experiments.activations`.

Example
-------
>>> from minidl.experiments import compare_initialisations
>>> result = compare_initialisations(iterations=200)
>>> result.losses.shape                  # (initialisations, seeds, iterations)
(3, 1, 200)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from minidl import optim
from minidl.experiments import options
from minidl.experiments.common import (
    class_count,
    load_data,
    loss_arrays,
    optimizer_label,
    run_for_iterations,
    seed_list,
)
from minidl.experiments.dispatch import map_grid
from minidl.experiments.figures import loss_curves, seeds_label, sizes_label
from minidl.experiments.options import experiment
from minidl.experiments.results import curve_rows, loss_record, saved
from minidl.init import check_weight_init

DEFAULT_INITIALISATIONS = (0.01, "xavier", "he")
DEFAULT_HIDDEN_SIZES = (100, 100, 100, 100)


def initialisation_label(weight_init):
    """A readable label: ``0.01`` -> ``"std=0.01"``, ``"he"`` -> ``"He"``."""
    if isinstance(weight_init, float):
        return f"std={weight_init:g}"
    return {"he": "He", "xavier": "Xavier", "he_uniform": "He (uniform)",
            "xavier_uniform": "Xavier (uniform)"}.get(weight_init, weight_init)


@dataclass
class InitialisationResult:
    """The loss curves of one network trained from several initialisations.

    Attributes
    ----------
    dataset : str
    initialisations : list of (str or float)
        The ``weight_init`` values, as given to :class:`minidl.MLP`.
    optimizer : str
        Label of the optimizer, e.g. ``"SGD (lr=0.01)"``.
    activation : str
    seeds : list of int
    losses : numpy.ndarray, shape (initialisations, seeds, iterations)
        Mini-batch loss at each iteration.
    final_losses : numpy.ndarray, shape (initialisations, seeds)
        Loss on the whole training set after the last iteration.
    network : dict
    """

    dataset: str
    initialisations: list
    optimizer: str
    activation: str
    seeds: list
    losses: np.ndarray
    final_losses: np.ndarray
    network: dict

    def table(self):
        """Tidy rows ``weight_init, seed, iteration, loss``."""
        return ["weight_init", "seed", "iteration", "loss"], curve_rows(self.initialisations, self.seeds, self.losses)

    def record(self):
        """Settings and the final training loss of each initialisation."""
        return {
            "experiment": "init",
            "dataset": self.dataset,
            "optimizer": self.optimizer,
            "activation": self.activation,
            "network": self.network,
            "seeds": self.seeds,
            "initialisations": {
                str(weight_init): {
                    "label": initialisation_label(weight_init),
                    **loss_record(self.final_losses[index]),
                }
                for index, weight_init in enumerate(self.initialisations)
            },
        }

    def summary(self):
        """One line per initialisation: its final training loss (mean over seeds)."""
        return [f"{initialisation_label(weight_init):<10} final training loss {np.mean(self.final_losses[index]):.4f}"
                for index, weight_init in enumerate(self.initialisations)]

    def plot(self, smoothing=20):
        """Mean mini-batch loss per initialisation, with a band of one standard deviation.

        ``smoothing`` is a moving-average window (in iterations) applied to
        each run before averaging; 1 draws the raw losses, and the saved
        numbers are never smoothed. The axis stays linear: the lesson (a
        flat line at ln 10, a late start, an early one) is in the height of
        the curves over the whole run, not in how close to zero they get.
        """
        title = (f"Weight initialisation on {self.dataset}: {sizes_label(self.network['sizes'])} "
                 f"({self.activation}), {self.optimizer}\n({seeds_label(self.seeds, smoothing)})")
        return loss_curves(self.losses, map(initialisation_label, self.initialisations), title, smoothing,
                           legend_title="initial weights")


@experiment("init", 3, "compare initial weight scales: std 0.01, Xavier, He",
            ("minidl experiment init --seeds 3 --iterations 1000 --out results",
             "minidl experiment init --activation sigmoid --inits 0.01,xavier,he --lr 0.1"),
            (*options.iterations(), options.seeds(), options.activation(), options.initialisations(),
             options.optimizer(), options.learning_rate(0.01)))
def compare_initialisations(dataset="digits", initialisations=DEFAULT_INITIALISATIONS, activation="relu",
                            optimizer="sgd", optimizer_params=None, iterations=2000, batch_size=128,
                            hidden_sizes=DEFAULT_HIDDEN_SIZES, seeds=1, seed=0, progress=True, out=None,
                            n_jobs=None):
    """Train the same network from each initialisation on the same batches; record the losses.

    Parameters
    ----------
    dataset : str, default "digits"
    initialisations : sequence of (str or float), default (0.01, "xavier", "he")
        ``weight_init`` values for :class:`minidl.MLP`: a name from
        ``minidl.init.INITIALISERS`` or a standard deviation.
    activation : {"relu", "sigmoid", "tanh"}, default "relu"
    optimizer : str, default "sgd"
        A registered optimizer name.
    optimizer_params : dict, optional
        Its hyperparameters; default ``{"lr": 0.01}``, the book's setting.
    iterations : int, default 2000
    batch_size : int, default 128
    hidden_sizes : sequence of int, default (100, 100, 100, 100)
    seeds : int, default 1
    seed : int, default 0
        The same seed gives bit-identical numbers on the same machine,
        numpy/BLAS build and thread count.

    Returns
    -------
    InitialisationResult
    """
    run_seeds = seed_list(seed, seeds)
    initialisations = [check_weight_init(weight_init) for weight_init in initialisations]
    if not initialisations:
        raise ValueError("no initialisation given; pass e.g. initialisations=(0.01, 'xavier', 'he')")
    optimizer_params = {"lr": 0.01, **(optimizer_params or {})}
    label = optimizer_label(optim.get(optimizer, **optimizer_params), optimizer_params)
    (x_train, t_train), (_, t_test) = load_data(dataset)
    input_size, output_size = x_train.shape[1], class_count(t_train, t_test)

    grid = map_grid(run_for_iterations, lambda weight_init, run_seed: (
        {"input_size": input_size, "hidden_sizes": hidden_sizes, "output_size": output_size,
         "activation": activation, "weight_init": weight_init},
        optim.get(optimizer, **optimizer_params), x_train, t_train, iterations, batch_size, run_seed),
        initialisations, run_seeds, "compare initialisations", progress, n_jobs)
    losses, final_losses = loss_arrays(grid)

    result = InitialisationResult(
        dataset=dataset,
        initialisations=initialisations,
        optimizer=label,
        activation=activation,
        seeds=run_seeds,
        losses=losses,
        final_losses=final_losses,
        network={"sizes": [input_size, *hidden_sizes, output_size], "batch_size": batch_size,
                 "iterations": iterations},
    )
    return saved(result, out, "init")
