"""Learning curves: a :class:`~minidl.training.History` drawn as loss and accuracy per epoch.

The Keras habit, ``plt.plot(history.history["loss"])``, in one call:
``history.plot()`` returns a figure with two panels, the loss and the
accuracy of every epoch, training and validation side by side. The gap
between the two curves is the lesson: a validation curve that turns up while
the training curve keeps falling is overfitting.

The loss panel also shows, faintly, the loss of every mini-batch step. It
is noisier, and higher than the epoch's ``train_loss``: it is measured in
training mode (dropout on) while the weights move, whereas ``train_loss``
is measured after the epoch in evaluation mode.
"""

from __future__ import annotations

import numpy as np

from minidl.plotting import new_figure

PANELS = (
    ("loss", ("train_loss", "val_loss"), "loss (cross-entropy)"),
    ("accuracy", ("train_accuracy", "val_accuracy"), "accuracy"),
)
LABELS = {"train_loss": "training", "val_loss": "validation",
          "train_accuracy": "training", "val_accuracy": "validation"}


def plot_history(history, show_steps=True):
    """Draw the loss and accuracy curves of ``history``; returns a matplotlib Figure.

    Parameters
    ----------
    history : History
        At least one recorded epoch.
    show_steps : bool, default True
        Also draw every step's mini-batch loss, faintly, in the loss panel.

    Returns
    -------
    matplotlib.figure.Figure
        Displayed as a picture when it is the last value of a notebook cell;
        save it with ``figure.savefig("curves.png")``.

    Raises
    ------
    ValueError
        If the history has no epoch yet.
    ModuleNotFoundError
        Without matplotlib (``pip install -e ".[plot]"``).
    """
    if not history.epochs:
        raise ValueError("this history has no epoch to plot yet: train for at least one epoch")
    names = history.metric_names
    epochs = np.array(history["epoch"] if "epoch" in names else range(1, len(history) + 1), dtype=float)
    figure = new_figure(figsize=(9.0, 3.4), layout="constrained")
    loss_axes, accuracy_axes = figure.subplots(1, 2)
    for axes, (title, metrics, y_label) in zip((loss_axes, accuracy_axes), PANELS):
        if title == "loss" and show_steps and history.step_loss:
            _draw_steps(axes, history, epochs[0] - 1)
        for metric in metrics:
            if metric in names:
                axes.plot(epochs, history[metric], marker="o" if len(epochs) < 30 else None, markersize=3,
                          label=LABELS[metric])
        axes.set_title(title)
        axes.set_xlabel("epoch")
        axes.set_ylabel(y_label)
        axes.grid(alpha=0.3)
        if axes.lines:
            axes.legend()
    return figure


def _draw_steps(axes, history, first_epoch_start):
    """Each step's loss at its place within its epoch: step i of k in epoch e sits at e - 1 + i / k."""
    counts = np.asarray(history.steps_per_epoch)
    within = np.concatenate([np.arange(1, count + 1) / count for count in counts if count])
    start = first_epoch_start + np.repeat(np.arange(len(counts)), counts)
    losses = history.step_loss[:len(within)]
    axes.plot(start + within, losses, color="0.6", linewidth=0.6, alpha=0.6, label="each step (training mode)")
