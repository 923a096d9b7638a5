"""Experiment 5: overfitting, and two remedies: weight decay and dropout.

A network with many parameters trained on few samples learns them by heart:
its training accuracy climbs to 100 % while its accuracy on unseen data
stalls far below. The gap between the two curves *is* overfitting. This
experiment trains a deep network (``input -> 100 x 6 -> 10``, SGD
``lr=0.01``, batches of 100) on only 300 training samples, three times:

- **plain**: no regularisation, the gap opens wide;
- **weight decay** :math:`\\lambda = 0.1`: the loss gains
  :math:`\\frac{\\lambda}{2} \\sum W^2`, pulling every weight towards 0 a
  little at each step, so the network cannot rely on a few large weights;
- **dropout** 0.2: each hidden unit is switched off at random (probability
  0.2) at each training step, so no unit can count on another being there.

Both remedies narrow the gap, at the price of a lower training accuracy.
Accuracies are measured after each epoch in evaluation mode (no dropout)
on the 300 training samples and on the whole test set. The test set is only
*looked at* here, to show the gap; choosing settings by it would be
cheating (use a validation split, as :mod:`minidl.experiments.search` does).

Example
-------
>>> from minidl.experiments import overfitting
>>> result = overfitting(epochs=5)
>>> result.train_accuracy.shape          # (configurations, epochs)
(3, 5)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from minidl import optim
from minidl.experiments.common import check_count, class_count, load_data, map_runs, run_for_epochs
from minidl.experiments.plotting import panel_grid
from minidl.experiments.results import save_numbers

DEFAULT_HIDDEN_SIZES = (100, 100, 100, 100, 100, 100)


@dataclass
class OverfittingResult:
    """Training and test accuracy per epoch for each regularisation setting.

    Attributes
    ----------
    dataset : str
    configurations : list of dict
        Each ``{"name": ..., "weight_decay": ..., "dropout": ...}``.
    train_accuracy, test_accuracy : numpy.ndarray, shape (configurations, epochs)
    settings : dict
    """

    dataset: str
    configurations: list
    train_accuracy: np.ndarray
    test_accuracy: np.ndarray
    settings: dict

    def table(self):
        """Tidy rows ``configuration, epoch, train_accuracy, test_accuracy``."""
        rows = []
        for index, configuration in enumerate(self.configurations):
            rows += [(configuration["name"], epoch, train, test) for epoch, (train, test) in
                     enumerate(zip(self.train_accuracy[index], self.test_accuracy[index]), start=1)]
        return ["configuration", "epoch", "train_accuracy", "test_accuracy"], rows

    def record(self):
        """Settings and, per configuration, the final accuracies and their gap."""
        return {
            "experiment": "overfit",
            "dataset": self.dataset,
            **self.settings,
            "configurations": [
                {**configuration,
                 "final_train_accuracy": self.train_accuracy[index, -1],
                 "final_test_accuracy": self.test_accuracy[index, -1],
                 "final_gap": self.train_accuracy[index, -1] - self.test_accuracy[index, -1]}
                for index, configuration in enumerate(self.configurations)
            ],
        }

    def summary(self):
        """One line per configuration: final train and test accuracy and their gap."""
        return [f"{configuration['name']:<22} train {self.train_accuracy[index, -1]:.3f}, "
                f"test {self.test_accuracy[index, -1]:.3f}, "
                f"gap {self.train_accuracy[index, -1] - self.test_accuracy[index, -1]:.3f}"
                for index, configuration in enumerate(self.configurations)]

    def plot(self):
        """One panel per configuration: training and test accuracy per epoch."""
        figure, panels = panel_grid(len(self.configurations), 3, panel_size=(4.0, 3.2), sharey=True)
        epochs = np.arange(1, self.train_accuracy.shape[1] + 1)
        for index, (axes, configuration) in enumerate(zip(panels, self.configurations)):
            axes.plot(epochs, self.train_accuracy[index], label="train")
            axes.plot(epochs, self.test_accuracy[index], label="test")
            gap = self.train_accuracy[index, -1] - self.test_accuracy[index, -1]
            axes.set_title(f"{configuration['name']}\nfinal gap train - test: {gap:.2f}", fontsize=10)
            axes.set_xlabel("epoch")
            axes.set_ylim(0, 1.02)
            axes.grid(alpha=0.3)
        panels[0].set_ylabel("accuracy")
        panels[0].legend(loc="lower right")
        settings = self.settings
        figure.suptitle(f"Overfitting on {settings['samples']} samples of {self.dataset} "
                        f"({' - '.join(map(str, settings['sizes']))}, {settings['optimizer']} "
                        f"lr={settings['optimizer_params'].get('lr', 'default')})", fontsize=11)
        figure.tight_layout()
        return figure


def overfitting(dataset="digits", samples=300, epochs=200, batch_size=100, hidden_sizes=DEFAULT_HIDDEN_SIZES,
                weight_decay=0.1, dropout=0.2, optimizer="sgd", optimizer_params=None, seed=0, progress=True,
                out=None, n_jobs=None):
    """Train on few samples without regularisation, with weight decay and with dropout.

    Parameters
    ----------
    dataset : str, default "digits"
    samples : int, default 300
        The first ``samples`` training samples are used.
    epochs : int, default 200
    batch_size : int, default 100
    hidden_sizes : sequence of int, default six layers of 100
    weight_decay : float, default 0.1
        :math:`\\lambda` of the weight-decay run.
    dropout : float, default 0.2
        Ratio of the dropout run.
    optimizer : str, default "sgd"
    optimizer_params : dict, optional
        Optimizer hyperparameters; default ``{"lr": 0.01}``.
    seed : int, default 0
        Seeds the weights, the batches and the dropout masks; all three runs
        start from the same weights and see the same batches.
    progress : bool, default True
    out : str or os.PathLike, optional
        If given, ``overfit.csv`` and ``overfit.json`` are written there.
    n_jobs : int or None, default None
        Runs trained at the same time, in worker processes (see
        :func:`~minidl.experiments.common.map_runs`); the numbers are the
        same as with 1.

    Returns
    -------
    OverfittingResult
    """
    epochs, batch_size = check_count(epochs, "epochs"), check_count(batch_size, "batch_size")
    seed = check_count(seed, "seed", minimum=0)
    optimizer_params = {"lr": 0.01, **(optimizer_params or {})}
    configurations = [
        {"name": "no regularisation", "weight_decay": 0.0, "dropout": 0.0},
        {"name": f"weight decay λ={weight_decay:g}", "weight_decay": float(weight_decay), "dropout": 0.0},
        {"name": f"dropout {dropout:g}", "weight_decay": 0.0, "dropout": float(dropout)},
    ]
    (x_train, t_train), (x_test, t_test) = load_data(dataset, samples)
    input_size, output_size = x_train.shape[1], class_count(t_train, t_test)

    tasks = [({"input_size": input_size, "hidden_sizes": hidden_sizes, "output_size": output_size,
               "weight_decay": configuration["weight_decay"], "dropout": configuration["dropout"]},
              optim.get(optimizer, **optimizer_params), x_train, t_train, epochs, batch_size, seed, x_test, t_test)
             for configuration in configurations]
    train_accuracy = np.empty((len(configurations), epochs))
    test_accuracy = np.empty((len(configurations), epochs))
    for index, curves in enumerate(map_runs(run_for_epochs, tasks, "overfitting", progress, n_jobs)):
        train_accuracy[index], test_accuracy[index] = curves["train_accuracy"], curves["val_accuracy"]

    result = OverfittingResult(
        dataset=dataset,
        configurations=configurations,
        train_accuracy=train_accuracy,
        test_accuracy=test_accuracy,
        settings={"samples": len(x_train), "test_samples": len(x_test), "sizes": [input_size, *hidden_sizes,
                  output_size], "epochs": epochs, "batch_size": batch_size, "optimizer": optimizer,
                  "optimizer_params": optimizer_params, "seed": seed},
    )
    if out is not None:
        save_numbers(result, out, "overfit")
    return result
