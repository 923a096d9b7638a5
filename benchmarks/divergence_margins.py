"""How far healthy training stays from the divergence limit, and how far blow-ups cross it.

Not a speed benchmark: it measures the margins of the rule in
``minidl/training/divergence.py`` (the limit is 10 times the reference loss)
on the digits, so that a change to the rule, the layers or the optimizers
can be checked against the same numbers. For every run it prints

* ``window``: the largest value that every step of some window of an
  epoch's steps lies above, over the reference (rule 2 fires above 10);
* ``final``: the largest evaluation-mode training loss of the final weights
  of an epoch, over the reference (rule 3 also asks the training-mode loss);
* ``largest``: the largest loss of a single step, over the reference;
* ``stopped``: where the rule stopped the run, if it did.

Usage: ``python benchmarks/divergence_margins.py`` (a few minutes on two cores).
"""

from __future__ import annotations

import math

import numpy as np
from minidl.datasets import load_digits
from threadpoolctl import threadpool_limits

from minidl import MLP, optim
from minidl.training import Trainer, TrainingDivergedError
from minidl.training.divergence import WINDOW


def window_statistic(history):
    """The largest value that every step of some complete window of an epoch's steps lies above."""
    worst = 0.0
    losses = np.array(history.step_loss)
    ends = np.cumsum(history.steps_per_epoch + [len(losses) - sum(history.steps_per_epoch)])  # the last may be cut
    for start, end in zip(np.concatenate([[0], ends[:-1]]), ends):
        steps = losses[start:end]
        width = min(WINDOW, len(steps))
        if width == 0:
            continue
        for first in range(len(steps) - width + 1):
            worst = max(worst, steps[first:first + width].min())
    return worst


def run(label, network, optimizer, x, t, **settings):
    trainer = Trainer(network, optimizer, verbose=0, **{"epochs": 5, "batch_size": 32, **settings})
    try:
        trainer.fit(x, t)
        stopped = "-"
    except TrainingDivergedError as error:
        stopped = f"epoch {error.epoch}, step {error.step}"
    history = trainer.history
    reference = max(history.step_loss[0], math.log(network.output_size))
    final = max(history["train_loss"] if len(history) else [math.nan]) / reference
    accuracy = history["train_accuracy"][-1] if len(history) else math.nan
    window = "-" if stopped != "-" else f"{window_statistic(history) / reference:.3g}"  # a stopped run's is cut
    print(f"| {label} | {reference:.3g} | {window} | {final:.3g} | "
          f"{max(history.step_loss) / reference:.3g} | {accuracy:.3f} | {stopped} |", flush=True)


def main():
    (x, t), _ = load_digits()
    print("| run | reference | window | final | largest | train accuracy | stopped |")
    print("|---|---|---|---|---|---|---|")
    for name in sorted(optim.available()):
        run(f"{name}, default rate", MLP(64, [256], 10, seed=0), name, x, t)
        run(f"{name}, dropout, batch 1", MLP(64, [100, 100], 10, dropout=0.2, seed=1), name, x, t,
            epochs=1, batch_size=1)
        run(f"{name}, batchnorm + dropout, step schedule", MLP(64, [100, 100], 10, dropout=0.2, batchnorm=True,
                                                                 seed=1), name, x, t, batch_size=8,
            schedule="step", schedule_params={"step_size": 2})
        run(f"{name}, weight decay 0.1, full batch, cosine", MLP(64, [100], 10, weight_decay=0.1, seed=2), name,
            x, t, epochs=30, batch_size=len(x), schedule="cosine", schedule_params={"total_epochs": 30})
    for scale in (1.0, 0.3):
        for batch_size in (100, len(x)):
            run(f"batchnorm, weight_init={scale}, batch {batch_size}",
                MLP(64, [100] * 5, 10, weight_init=scale, batchnorm=True, seed=0), "sgd", x, t, batch_size=batch_size)
    for name, rates in [("sgd", (1, 10, 100, 1e6)), ("momentum", (1, 10, 100)), ("adagrad", (1, 10, 100)),
                        ("rmsprop", (0.1, 1, 10)), ("adadelta", (100, 1e4)), ("adam", (0.1, 1, 10)),
                        ("adamw", (1, 10))]:
        for lr in rates:
            run(f"{name}, lr {lr:g}", MLP(64, [256], 10, seed=0), optim.get(name, lr=lr), x, t)


if __name__ == "__main__":
    with threadpool_limits(limits=1, user_api="blas"):
        main()
