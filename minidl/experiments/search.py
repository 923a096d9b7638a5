"""Experiment 6: random search for the learning rate and the weight decay.

Hyperparameters are chosen on a *validation* set, carved out of the training
data, never on the test set. Random search (Bergstra and Bengio, 2012) draws
each trial's values at random instead of walking a grid: when only one
hyperparameter really matters (here, the learning rate), every trial tries a
new value of it, while a grid would repeat the same few.

Both are drawn *log-uniformly*: the exponent is uniform,

.. math:: \\eta = 10^{u}, \\quad u \\sim \\mathcal{U}(\\log_{10} \\eta_{min}, \\log_{10} \\eta_{max}),

because what matters is the order of magnitude: 0.001 and 0.002 differ as
much as 0.1 and 0.2. Each trial trains the book's network
(``input -> 100 x 6 -> 10``, SGD, batches of 100) on 400 training samples for
50 epochs and is scored by its final validation accuracy (100 samples).

Example
-------
>>> from minidl.experiments import random_search
>>> result = random_search(trials=4, epochs=2)
>>> [trial["rank"] for trial in result.ranked()]
[1, 2, 3, 4]
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

import numpy as np

from minidl import optim
from minidl.datasets import train_val_split
from minidl.experiments import options
from minidl.experiments.common import class_count, load_data, run_for_epochs
from minidl.experiments.dispatch import map_runs
from minidl.experiments.options import Option, experiment
from minidl.experiments.results import saved
from minidl.plotting import panel_grid
from minidl.settings import Bounds, Real

DEFAULT_HIDDEN_SIZES = (100, 100, 100, 100, 100, 100)

#: The bounds of a log-uniform draw: ``0 < low <= high``.
LOG_UNIFORM_RANGE = Bounds(Real(0, closed="neither", note="a log-uniform draw starts above 0"))


def check_enough_for_validation(labels, validation_size, class_total):
    """Refuse too few samples to split into training and validation parts that both hold every class.

    The split is stratified (every class keeps its share on both sides), so
    each class present needs two samples and each side one sample of each
    class. ``class_total``, the classes of the whole data set, sizes the advice.
    """
    classes, counts = np.unique(labels, return_counts=True)
    held_out = validation_size if isinstance(validation_size, numbers.Integral) else \
        math.ceil(validation_size * len(labels))  # the split's own rounding
    if counts.min() >= 2 and len(classes) <= held_out <= len(labels) - len(classes):
        return
    raise ValueError(
        f"{len(labels)} samples are too few for a random search: {held_out} of them are held out for validation, "
        f"and both the training and the validation part need a sample of each of the {len(classes)} classes "
        f"(the rarest class has {counts.min()}); use more samples, e.g. {10 * class_total} or more"
    )


def log_uniform(rng, low, high):
    """One number whose base-10 logarithm is uniform between ``log10(low)`` and ``log10(high)``."""
    return float(10 ** rng.uniform(np.log10(low), np.log10(high)))


@dataclass
class SearchResult:
    """Every trial of a random search.

    Attributes
    ----------
    dataset : str
    learning_rates, weight_decays : numpy.ndarray, shape (trials,)
        The values drawn, in trial order.
    train_accuracy, validation_accuracy : numpy.ndarray, shape (trials, epochs)
    settings : dict
    """

    dataset: str
    learning_rates: np.ndarray
    weight_decays: np.ndarray
    train_accuracy: np.ndarray
    validation_accuracy: np.ndarray
    settings: dict

    def order(self):
        """Trial indices from best to worst final validation accuracy (diverged runs last)."""
        final = np.nan_to_num(self.validation_accuracy[:, -1], nan=-1.0)
        # A stable sort keeps trial order among ties, so the ranking is reproducible.
        return np.argsort(-final, kind="stable")

    def ranked(self):
        """The trials as dicts, best first: rank, trial, learning_rate, weight_decay, accuracies."""
        return [
            {"rank": rank, "trial": int(trial), "learning_rate": self.learning_rates[trial],
             "weight_decay": self.weight_decays[trial],
             "validation_accuracy": self.validation_accuracy[trial, -1],
             "train_accuracy": self.train_accuracy[trial, -1]}
            for rank, trial in enumerate(self.order(), start=1)
        ]

    def table(self):
        """The ranked table: one row per trial, best first."""
        header = ["rank", "trial", "learning_rate", "weight_decay", "validation_accuracy", "train_accuracy"]
        return header, [[row[name] for name in header] for row in self.ranked()]

    def record(self):
        """Settings, the ranked table and every trial's curves."""
        return {
            "experiment": "search",
            "dataset": self.dataset,
            **self.settings,
            "ranking": self.ranked(),
            "curves": [{"trial": trial, "train_accuracy": self.train_accuracy[trial],
                        "validation_accuracy": self.validation_accuracy[trial]}
                       for trial in range(len(self.learning_rates))],
        }

    def summary(self, top=5):
        """The ``top`` best trials, one line each."""
        return [f"#{row['rank']:<3} lr {row['learning_rate']:.2e}  weight decay {row['weight_decay']:.2e}  "
                f"validation {row['validation_accuracy']:.3f}  train {row['train_accuracy']:.3f}"
                for row in self.ranked()[:top]]

    def plot(self, top=7, columns=4):
        """Validation accuracy against learning rate for all trials, then the curves of the ``top`` best."""
        order = self.order()[:top]
        figure, panels = panel_grid(len(order) + 1, columns, panel_size=(3.2, 2.5))
        overview = panels[0]
        final = self.validation_accuracy[:, -1]
        points = overview.scatter(self.learning_rates, final, c=np.log10(self.weight_decays), cmap="viridis", s=18)
        overview.set_xscale("log")
        overview.set_ylim(0, 1.02)
        overview.set_xlabel("learning rate", fontsize=9)
        overview.set_ylabel("final validation accuracy", fontsize=9)
        overview.set_title(f"all {len(final)} trials", fontsize=10)
        figure.colorbar(points, ax=overview).set_label("log10 weight decay", fontsize=8)
        epochs = np.arange(1, self.validation_accuracy.shape[1] + 1)
        for rank, (axes, trial) in enumerate(zip(panels[1:], order), start=1):
            axes.plot(epochs, self.validation_accuracy[trial], label="validation")
            axes.plot(epochs, self.train_accuracy[trial], "--", label="train")
            axes.set_title(f"#{rank}: val {final[trial]:.3f}\nlr {self.learning_rates[trial]:.2e}, "
                           f"decay {self.weight_decays[trial]:.1e}", fontsize=9)
            axes.set_ylim(0, 1.02)
            axes.set_xlabel("epoch", fontsize=8)
            axes.grid(alpha=0.3)
            axes.tick_params(labelsize=8)
        if len(panels) > 1:
            panels[1].legend(fontsize=8, loc="lower right")
        figure.suptitle(f"Random search on {self.dataset}: {len(final)} trials of "
                        f"{self.settings['epochs']} epochs, the {len(order)} best by validation accuracy",
                        fontsize=11)
        figure.tight_layout()
        return figure


@experiment("search", 7, "random search of learning rate and weight decay on a validation split",
            ("minidl experiment search --out results",
             "minidl experiment search --trials 100 --lr-range 1e-6,1e-2 --weight-decay-range 1e-8,1e-4"),
            (options.optimizer(), *options.samples_and_epochs("trial"),
             Option("--trials", "networks trained, each with its own random learning rate and weight decay", "count"),
             Option("--lr-range", "learning rates are drawn log-uniformly in this range", "range",
                    parameter="learning_rate_range", metavar="LOW,HIGH", constraint=LOG_UNIFORM_RANGE),
             Option("--weight-decay-range", "weight decays are drawn log-uniformly in this range", "range",
                    metavar="LOW,HIGH", constraint=LOG_UNIFORM_RANGE),
             Option("--top", "curves of the best TOP trials in the figure", "count", default=7, plot="top")))
def random_search(dataset="digits", trials=30, learning_rate_range=(1e-4, 1e-1), weight_decay_range=(1e-8, 1e-4),
                  samples=500, validation_size=0.2, epochs=50, batch_size=100, hidden_sizes=DEFAULT_HIDDEN_SIZES,
                  optimizer="sgd", seed=0, progress=True, out=None, n_jobs=None):
    """Train ``trials`` networks with random learning rates and weight decays; rank them on validation data.

    Parameters
    ----------
    dataset : str, default "digits"
    trials : int, default 30
    learning_rate_range : (float, float), default (1e-4, 1e-1)
        Bounds of the log-uniform draw of the learning rate.
    weight_decay_range : (float, float), default (1e-8, 1e-4)
        Bounds of the log-uniform draw of :math:`\\lambda` (the book's range).
    samples : int, default 500
        The first ``samples`` training samples are used, then split.
    validation_size : float, default 0.2
        Share of those samples held out for validation (stratified split).
    epochs : int, default 50
    batch_size : int, default 100
    hidden_sizes : sequence of int, default six layers of 100
    optimizer : str, default "sgd"
        Its ``lr`` is the value drawn; other hyperparameters keep their defaults.
    seed : int, default 0
        Seeds the draws, the split, and each trial's weights and batches.

    Returns
    -------
    SearchResult
    """
    (x_all, t_all), (_, t_test) = load_data(dataset, samples)
    input_size, output_size = x_all.shape[1], class_count(t_all, t_test)
    check_enough_for_validation(t_all, validation_size, output_size)
    (x_train, t_train), validation = train_val_split(x_all, t_all, val_size=validation_size, seed=seed)

    # Every trial's values are drawn first, in trial order, whatever order the trials then run in.
    rng = np.random.default_rng(seed)
    learning_rates, weight_decays = np.empty(trials), np.empty(trials)
    for trial in range(trials):
        learning_rates[trial] = log_uniform(rng, *learning_rate_range)
        weight_decays[trial] = log_uniform(rng, *weight_decay_range)
    tasks = [({"input_size": input_size, "hidden_sizes": hidden_sizes, "output_size": output_size,
               "weight_decay": weight_decays[trial]}, optim.get(optimizer, lr=learning_rates[trial]),
              x_train, t_train, epochs, batch_size, seed + trial, *validation) for trial in range(trials)]
    train_accuracy, validation_accuracy = np.empty((trials, epochs)), np.empty((trials, epochs))
    for trial, curves in enumerate(map_runs(run_for_epochs, tasks, "random search", progress, n_jobs)):
        train_accuracy[trial], validation_accuracy[trial] = curves["train_accuracy"], curves["val_accuracy"]

    result = SearchResult(
        dataset=dataset,
        learning_rates=learning_rates,
        weight_decays=weight_decays,
        train_accuracy=train_accuracy,
        validation_accuracy=validation_accuracy,
        settings={"trials": trials, "learning_rate_range": list(learning_rate_range),
                  "weight_decay_range": list(weight_decay_range), "train_samples": len(x_train),
                  "validation_samples": len(validation[0]), "sizes": [input_size, *hidden_sizes, output_size],
                  "epochs": epochs, "batch_size": batch_size, "optimizer": optimizer, "seed": seed},
    )
    return saved(result, out, "search")
