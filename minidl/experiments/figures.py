"""What the experiments' figures share: the words of their titles, and the figure of loss curves.

The titles say what a figure was computed from, in the same words in every
experiment: the layer sizes (``64 - 100 - 10``), the random seeds behind a band
(``mean ± 1 std over 3 seeds``) and the optimizer (``sgd lr=0.01``). The
experiments that count iterations (:mod:`~minidl.experiments.compare`,
:mod:`~minidl.experiments.initialisation`) draw one same figure: a loss
curve per contender, the mean over seeds with a band of one standard
deviation (:func:`minidl.plotting.draw_band`).
"""

from __future__ import annotations

import numpy as np

from minidl.plotting import draw_band, new_figure


def sizes_label(sizes):
    """``[64, 100, 10]`` -> ``"64 - 100 - 10"``: a network's layer sizes, input first."""
    return " - ".join(str(size) for size in sizes)


def seeds_label(seeds, smoothing=1):
    """What a curve over ``seeds`` shows: ``"mean ± 1 std over 3 seeds"``, or ``"seed 0"`` for one seed.

    A ``smoothing`` window above 1 adds ``", moving average of 20"``.
    """
    spread = f"mean ± 1 std over {len(seeds)} seeds" if len(seeds) > 1 else f"seed {seeds[0]}"
    return spread + (f", moving average of {smoothing}" if smoothing > 1 else "")


def optimizer_setting(settings):
    """``"sgd lr=0.01"``: the optimizer of a result's ``settings`` and its learning rate (or ``default``)."""
    return f"{settings['optimizer']} lr={settings['optimizer_params'].get('lr', 'default')}"


def loss_curves(losses, labels, title, smoothing, log_scale=False, legend_title=None):
    """The figure of one band a contender: ``losses`` of shape (contenders, seeds, iterations), with ``labels``.

    ``smoothing`` is the moving-average window applied to each run before
    averaging (1: the raw losses). The loss axis is linear from 0, or with
    ``log_scale`` logarithmic, with a grid line at every factor of ten.
    """
    figure = new_figure(figsize=(7.5, 4.6))
    axes = figure.subplots()
    iterations = np.arange(1, losses.shape[2] + 1)
    for contender, label in zip(losses, labels):
        draw_band(axes, iterations, contender, label, smoothing=smoothing)
    axes.set_title(title, fontsize=11)
    axes.set_xlabel("iteration")
    if log_scale:
        axes.set_yscale("log")
        axes.set_ylabel("training loss (mini-batch, log scale)")
    else:
        axes.set_ylim(bottom=0)
        axes.set_ylabel("training loss (mini-batch)")
    axes.grid(alpha=0.3, which="both" if log_scale else "major")
    axes.legend(title=legend_title)
    figure.tight_layout()
    return figure
