"""Experiment 2: optimizers side by side on a real data set.

A fair race between optimizers changes *only* the optimizer. For each seed,
every optimizer here

- starts from the same initial weights (the network is built with that seed),
- sees the same mini-batches in the same order (the shuffles use that seed),

so the curves differ only by the update rule. Repeating over several seeds
(``seeds=3``) shows how much of a gap is luck: the figure draws the mean
training loss and a band of one standard deviation across seeds.

The network is the book's: ``input -> 100 -> 100 -> 100 -> 100 -> 10`` with
ReLU and He initialisation, mini-batches of 128, 2,000 iterations. The
input size follows the data (64 for the 8x8 digits, 784 for MNIST).

Example
-------
>>> from minidl.experiments import compare_optimizers
>>> result = compare_optimizers("digits", ("sgd", "adam"), iterations=300, seeds=3)
>>> result.losses.shape                  # (optimizers, seeds, iterations)
(2, 3, 300)
>>> result.mean_final_loss()             # doctest: +SKIP
{'sgd': 1.7..., 'adam': 0.1...}
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from minidl import optim
from minidl.experiments import options
from minidl.experiments.common import (
    build_optimizers,
    class_count,
    described_optimizers,
    load_data,
    loss_arrays,
    merge_hyperparameters,
    run_for_iterations,
    seed_list,
)
from minidl.experiments.dispatch import map_grid
from minidl.experiments.figures import loss_curves, seeds_label, sizes_label
from minidl.experiments.options import experiment
from minidl.experiments.results import curve_rows, loss_record, saved

DEFAULT_OPTIMIZERS = ("sgd", "momentum", "adagrad", "adam")
DEFAULT_HIDDEN_SIZES = (100, 100, 100, 100)


@dataclass
class ComparisonResult:
    """The loss curves of a comparison of optimizers.

    Attributes
    ----------
    dataset : str
    names : list of str
        Optimizer names, in the order given.
    labels : dict of str -> str
        Name -> label with the learning rate, e.g. ``"SGD (lr=0.01)"``.
    hyperparameters : dict of str -> dict
        Name -> every hyperparameter used.
    seeds : list of int
        The seed of each repetition.
    losses : numpy.ndarray, shape (optimizers, seeds, iterations)
        Mini-batch loss at each iteration (NaN after a divergence).
    final_losses : numpy.ndarray, shape (optimizers, seeds)
        Loss on the *whole* training set after the last iteration: unlike
        one batch's loss, this is not noisy, so it ranks optimizers fairly.
    network : dict
        Sizes of the network, batch size and number of iterations.
    """

    dataset: str
    names: list
    labels: dict
    hyperparameters: dict
    seeds: list
    losses: np.ndarray
    final_losses: np.ndarray
    network: dict

    def mean_final_loss(self):
        """Name -> final training loss averaged over seeds."""
        return {name: float(np.mean(self.final_losses[index])) for index, name in enumerate(self.names)}

    def table(self):
        """Tidy rows ``optimizer, seed, iteration, loss`` (iterations count from 1)."""
        return ["optimizer", "seed", "iteration", "loss"], curve_rows(self.names, self.seeds, self.losses)

    def record(self):
        """Settings, seeds and final training losses (per seed and mean) as a dict."""
        return {
            "experiment": "compare",
            "dataset": self.dataset,
            "network": self.network,
            "seeds": self.seeds,
            "optimizers": {
                name: {
                    "label": self.labels[name],
                    "hyperparameters": self.hyperparameters[name],
                    **loss_record(self.final_losses[index]),
                }
                for index, name in enumerate(self.names)
            },
        }

    def summary(self):
        """One line per optimizer: its final training loss (mean and spread over seeds)."""
        lines = []
        for index, name in enumerate(self.names):
            final = self.final_losses[index]
            spread = f" ± {np.std(final):.4f} over {len(final)} seeds" if len(final) > 1 else ""
            lines.append(f"{self.labels[name]:<24} final training loss {np.mean(final):.4f}{spread}")
        return lines

    def plot(self, smoothing=20, log_scale=True):
        """Mean mini-batch loss per optimizer with a band of one standard deviation across seeds.

        Parameters
        ----------
        smoothing : int, default 20
            A moving-average window (in iterations) applied to each run
            before averaging: one batch's loss jumps from batch to batch, and
            the average shows the trend. 1 draws the raw losses. The saved
            numbers are never smoothed.
        log_scale : bool, default True
            Draw the loss on a logarithmic axis. The optimizers part ways in
            the first few hundred steps, where the fast ones fall from 2.3 to
            below 0.01: on a linear axis they all hug zero after a few dozen
            steps, while on a log axis each factor of ten gets the same
            height, so their order stays readable to the end.
        """
        title = (f"Optimizers on {self.dataset}: {sizes_label(self.network['sizes'])}, batch "
                 f"{self.network['batch_size']}\n({seeds_label(self.seeds, smoothing)})")
        return loss_curves(self.losses, [self.labels[name] for name in self.names], title, smoothing, log_scale)


@experiment("compare", 2, "compare optimizers' training loss on a data set (same batches, same initial weights)",
            ("minidl experiment compare --seeds 3 --iterations 500 --out results",
             "minidl experiment compare --optimizers sgd,nesterov,rmsprop,adam --set rmsprop.lr=0.001",
             "minidl experiment compare --dataset mnist --iterations 2000 --out results/mnist"),
            (*options.optimizers(), *options.iterations(), options.seeds()))
def compare_optimizers(dataset="digits", optimizers=DEFAULT_OPTIMIZERS, hyperparameters=None, iterations=2000,
                       batch_size=128, hidden_sizes=DEFAULT_HIDDEN_SIZES, seeds=1, seed=0, progress=True,
                       out=None, n_jobs=None):
    """Train the same network with each optimizer on the same batches; record the losses.

    Parameters
    ----------
    dataset : str, default "digits"
        A name for :func:`minidl.datasets.load_dataset` ("digits", "mnist",
        "fashion-mnist", "idx:DIR").
    optimizers : sequence of str, default ("sgd", "momentum", "adagrad", "adam")
        Any registered names (``minidl.optim.available()``).
    hyperparameters : dict of str -> dict, optional
        Hyperparameters per optimizer, e.g. ``{"adam": {"lr": 0.01}}``.
        Unset ones keep the optimizer's defaults, the book's values (SGD,
        Momentum and AdaGrad ``lr=0.01``, Adam ``lr=0.001``).
    iterations : int, default 2000
        Mini-batch updates per run.
    batch_size : int, default 128
    hidden_sizes : sequence of int, default (100, 100, 100, 100)
    seeds : int, default 1
        Number of repetitions, with seeds ``seed, seed + 1, ...``.
    seed : int, default 0
        First seed. The same seed gives bit-identical numbers on the same
        machine, numpy/BLAS build and thread count.

    Returns
    -------
    ComparisonResult
    """
    run_seeds = seed_list(seed, seeds)
    built = build_optimizers(optimizers, overrides=hyperparameters)  # fails fast on a bad name
    chosen = merge_hyperparameters(optimizers, overrides=hyperparameters)
    (x_train, t_train), (_, t_test) = load_data(dataset)
    input_size, output_size = x_train.shape[1], class_count(t_train, t_test)

    # Each network is built anew from its run's seed: every optimizer starts from identical weights.
    network_settings = {"input_size": input_size, "hidden_sizes": hidden_sizes, "output_size": output_size}
    grid = map_grid(run_for_iterations, lambda name, run_seed: (
        network_settings, optim.get(name, **chosen[name]), x_train, t_train, iterations, batch_size, run_seed),
        list(built), run_seeds, "compare optimizers", progress, n_jobs)
    losses, final_losses = loss_arrays(grid)

    result = ComparisonResult(
        dataset=dataset,
        **described_optimizers(built),
        seeds=run_seeds,
        losses=losses,
        final_losses=final_losses,
        network={"sizes": [input_size, *hidden_sizes, output_size], "activation": "relu", "weight_init": "he",
                 "batch_size": batch_size, "iterations": iterations},
    )
    return saved(result, out, "compare")
