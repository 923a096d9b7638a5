r"""Experiment 8: the first convolution layer's filters before and after training.

The book "Deep Learning from Scratch" ends its chapter 7 by drawing the 30
filters of :class:`~minidl.SimpleConvNet`'s first layer as small grey
pictures (its figure 7-24): before training they are noise, after training
they have structure, blobs and edges of light and dark, which respond to
the strokes of the digits. This experiment trains that network and keeps
both sets of filters, so the figure can be drawn and, more to the point, the
change can be *measured*.

How much structure a filter has is measured by how alike neighbouring
weights are. For one filter :math:`w` (one channel, :math:`k \times k`), with
its mean taken off (:math:`\tilde w = w - \bar w`), the *neighbour
correlation* pairs every weight with its right and its lower neighbour:

.. math:: r = \frac{\sum_{i,j} \tilde w_{i,j} \tilde w_{i,j+1} + \sum_{i,j} \tilde w_{i,j} \tilde w_{i+1,j}}
                   {\sqrt{\sum a^2 \; \sum b^2}}

where :math:`a` and :math:`b` run over the first and the second weight of
those pairs. Independent random weights give :math:`r` near 0 (a little below,
since taking off the mean makes the weights of a filter add up to 0). A
smooth filter, whose weights change little from one pixel to the next, gives
:math:`r` near 1; a checkerboard gives -1. The gradient of a filter is a sum of
image patches weighted by the error they caused
(:math:`\partial L / \partial W = \sum \text{patch} \cdot \delta`, see
:class:`~minidl.layers.Convolution`), and patches of handwriting are smooth,
so what training adds to a filter is smooth too.

On the 8x8 digits (the default: 30 filters of 5x5, padding 2, the book's
initial standard deviation 0.01, Adam ``lr=0.001``, 20 epochs) the mean
neighbour correlation goes from -0.06 to 0.44 and every one of the 30
filters ends above 0, while the test accuracy reaches about 94 %.

Example
-------
>>> from minidl.experiments import convolution_filters
>>> result = convolution_filters(epochs=2, filter_num=4, progress=False)
>>> result.trained_filters.shape          # (filters, channels, size, size)
(4, 1, 5, 5)
>>> figure = result.plot()                # needs matplotlib
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from minidl import optim
from minidl.convnet import SimpleConvNet
from minidl.experiments import options
from minidl.experiments.common import class_count, load_data, train_for_epochs
from minidl.experiments.dispatch import map_runs
from minidl.experiments.figures import optimizer_setting
from minidl.experiments.options import Option, experiment
from minidl.experiments.results import saved
from minidl.plotting import new_figure
from minidl.settings import Integer

STAGES = ("initial", "trained")


def neighbour_correlation(filters):
    """The neighbour correlation :math:`r` of each filter (see the module's docstring).

    Parameters
    ----------
    filters : numpy.ndarray, shape (filters, channels, height, width)
        Height and width at least 2. The channels of a filter are pooled:
        its pairs are the neighbours within each channel.

    Returns
    -------
    numpy.ndarray, shape (filters,), float64
        From -1 (a checkerboard) through about 0 (noise) to 1 (smooth). A
        filter whose weights are all equal has no pattern: NaN.
    """
    weights = np.asarray(filters, dtype=np.float64)
    if weights.ndim != 4 or min(weights.shape[2:]) < 2:
        raise ValueError(f"filters must have the shape (filters, channels, height, width) with height and width "
                         f">= 2; got {weights.shape}")
    weights = weights - weights.mean(axis=(1, 2, 3), keepdims=True)
    count = len(weights)
    first = np.concatenate([weights[..., :, :-1].reshape(count, -1), weights[..., :-1, :].reshape(count, -1)], axis=1)
    second = np.concatenate([weights[..., :, 1:].reshape(count, -1), weights[..., 1:, :].reshape(count, -1)], axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return (first * second).sum(axis=1) / np.sqrt((first**2).sum(axis=1) * (second**2).sum(axis=1))


@dataclass
class FiltersResult:
    """The first layer's filters before and after training, and the accuracy on the way.

    Attributes
    ----------
    dataset : str
    initial_filters, trained_filters : numpy.ndarray, shape (filters, channels, size, size), float64
        ``W1`` of the network as initialised and after the last epoch.
    train_accuracy, test_accuracy : numpy.ndarray, shape (epochs,)
        After each epoch, in evaluation mode (NaN after a diverged epoch).
    settings : dict
        Network, optimizer, epochs, batch size, seed.
    """

    dataset: str
    initial_filters: np.ndarray
    trained_filters: np.ndarray
    train_accuracy: np.ndarray
    test_accuracy: np.ndarray
    settings: dict

    def filters(self, stage):
        """The filters of ``stage``, ``"initial"`` or ``"trained"``."""
        if stage not in STAGES:
            raise ValueError(f"stage must be one of {STAGES}, got {stage!r}")
        return self.initial_filters if stage == "initial" else self.trained_filters

    def relative_change(self):
        """:math:`\\lVert W_{trained} - W_{initial} \\rVert / \\lVert W_{initial} \\rVert` over all filters."""
        return float(np.linalg.norm(self.trained_filters - self.initial_filters) / np.linalg.norm(self.initial_filters))

    def table(self):
        """Tidy rows ``stage, filter, channel, row, column, weight``: every weight of both stages."""
        rows = []
        for stage in STAGES:
            for index, value in np.ndenumerate(self.filters(stage)):
                rows.append((stage, *index, float(value)))
        return ["stage", "filter", "channel", "row", "column", "weight"], rows

    def record(self):
        """Settings, final accuracies, the neighbour correlation of each filter per stage and the relative change."""
        stages = {}
        for stage in STAGES:
            correlation = neighbour_correlation(self.filters(stage))
            stages[stage] = {"mean_neighbour_correlation": float(np.mean(correlation)),
                             "positive_neighbour_correlation": int(np.sum(correlation > 0)),
                             "neighbour_correlation": correlation}
        return {"experiment": "filters", "dataset": self.dataset, **self.settings,
                "final_train_accuracy": self.train_accuracy[-1], "final_test_accuracy": self.test_accuracy[-1],
                "relative_change": self.relative_change(), "filters": stages}

    def summary(self):
        """The neighbour correlation before and after training, the change and the final accuracies."""
        lines = []
        for stage in STAGES:
            correlation = neighbour_correlation(self.filters(stage))
            lines.append(f"{stage + ' filters':<16} mean neighbour correlation {np.mean(correlation):+.3f}, "
                         f"above 0 in {np.sum(correlation > 0)} of {len(correlation)}")
        lines.append(f"training changed the filters by {self.relative_change():.3g} times their initial size; "
                     f"final accuracy: train {self.train_accuracy[-1]:.3f}, test {self.test_accuracy[-1]:.3f}")
        return lines

    def plot(self, columns=10):
        """Each filter as a small grey picture (first channel), initial ones above, trained ones below.

        As in the book's figure, each picture is scaled to its own smallest
        (white) and largest (black) weight: what shows is its pattern, not
        its size, which grows during training.
        """
        count = len(self.initial_filters)
        columns = max(1, min(columns, count))
        rows = -(-count // columns)
        figure = new_figure(figsize=(0.9 * columns, 2 * 0.9 * rows + 1.2))
        stage_figures = figure.subfigures(2, 1)
        for stage, stage_figure in zip(STAGES, stage_figures):
            correlation = neighbour_correlation(self.filters(stage))
            panels = stage_figure.subplots(rows, columns, squeeze=False).ravel()
            for index, axes in enumerate(panels):
                axes.set_axis_off()
                if index < count:
                    axes.imshow(self.filters(stage)[index, 0], cmap="gray_r", interpolation="nearest")
            stage_figure.suptitle(f"{stage} (mean neighbour correlation {np.mean(correlation):+.2f})", fontsize=10)
        settings = self.settings
        figure.suptitle(f"First-layer filters of SimpleConvNet on {self.dataset} ({settings['epochs']} epochs, "
                        f"{optimizer_setting(settings)}; test accuracy {self.test_accuracy[-1]:.3f})", fontsize=11,
                        y=1.03)
        return figure


def run_filters(network_settings, optimizer, x, t, epochs, batch_size, seed, x_test, t_test):
    """One training run: ``(initial W1, trained W1, curves)``; the network is built here from its settings."""
    network = SimpleConvNet(**network_settings, seed=seed)
    initial = np.array(network.params["W1"], dtype=np.float64)
    curves = train_for_epochs(network, x, t, epochs, batch_size, optimizer, None, seed, validation_data=(x_test, t_test))
    return initial, np.array(network.params["W1"], dtype=np.float64), curves


def pooling_in_option_words(error, arguments):
    """A convolution too large for the images (a ``ValueError`` of SimpleConvNet) told in the options' names."""
    images = re.search(r"of a (\d+x\d+) image, too little for 2x2 pooling", str(error))
    if images is None:
        return None
    size, pad = arguments.get("filter_size", 5), arguments.get("pad", 2)
    return (f"--filter-size {size} with --pad {pad} leaves too little of the {images.group(1)} images for the 2x2 "
            "pooling; use a smaller --filter-size or a larger --pad")


@experiment("filters", 8, "the first convolution layer's filters before and after training (the book's chapter 7)",
            ("minidl experiment filters --out results",
             "minidl experiment filters --weight-init he --epochs 5",
             "minidl experiment filters --dataset mnist --pad 0 --out results/mnist  # the book's network"),
            (options.optimizer(), options.learning_rate(0.001),
             Option("--filters", "filters of the convolution (as minidl train --filters)", "count", metavar="N",
                    parameter="filter_num", aliases=("--filter-num",), checked_by="SimpleConvNet"),
             Option("--filter-size", "height and width of each filter", "count", metavar="SIZE", constraint=Integer(2),
                    fix="a 1x1 filter has no neighbours to compare"),
             Option("--pad", "zeros around each image (2 keeps 8x8 digits 8x8 under 5x5 filters; the book uses 0 on MNIST)",
                    "whole", checked_by="SimpleConvNet"),
             Option("--hidden-size", "hidden affine units", "count", metavar="UNITS", checked_by="SimpleConvNet"),
             Option("--weight-init", "initial weights: he, xavier, he_uniform, xavier_uniform or a standard deviation "
                    "(the book's 0.01)", "initialisation", metavar="INIT"),
             Option("--samples", "training samples used (the first ones; default: all)", "count"),
             Option("--epochs", "passes over the training samples", "count"),
             options.batch_size()),
            explain=pooling_in_option_words)
def convolution_filters(dataset="digits", filter_num=30, filter_size=5, pad=2, hidden_size=100, weight_init=0.01,
                        epochs=20, batch_size=100, optimizer="adam", optimizer_params=None, samples=None, seed=0,
                        progress=True, out=None):
    """Train the book's :class:`~minidl.SimpleConvNet`; keep its first layer's filters before and after.

    Parameters
    ----------
    dataset : str, default "digits"
        Its images (1x8x8 for the digits, 1x28x28 for MNIST) are the input.
    filter_num : int, default 30
        Filters of the convolution layer, the book's 30.
    filter_size : int, default 5
        Their height and width (the book's 5).
    pad : int, default 2
        Zero padding around each image: 2 keeps an 8x8 image 8x8 under a
        5x5 filter (the book uses 0 on MNIST's 28x28).
    hidden_size : int, default 100
    weight_init : str or float, default 0.01
        The book's initial standard deviation 0.01: the initial filters are
        small noise, so what the trained ones show is what training wrote.
        A name such as ``"he"`` starts larger, and the noise stays visible.
    epochs : int, default 20
    batch_size : int, default 100
    optimizer : str, default "adam"
    optimizer_params : dict, optional
        Optimizer hyperparameters; default ``{"lr": 0.001}`` (the book's).
    samples : int, optional
        Train on the first ``samples`` training images only (default: all).
    seed : int, default 0
        Seeds the initial weights and the batches.

    Returns
    -------
    FiltersResult
    """
    optimizer_params = {"lr": 0.001, **(optimizer_params or {})}
    (x_train, t_train), (x_test, t_test) = load_data(dataset, samples, flatten=False)
    network_settings = {"input_dim": x_train.shape[1:], "output_size": class_count(t_train, t_test),
                        "conv_param": {"filter_num": filter_num, "filter_size": filter_size, "pad": pad, "stride": 1},
                        "hidden_size": hidden_size, "weight_init": weight_init}
    SimpleConvNet(**network_settings, seed=seed)  # bad settings are reported before the data is sent anywhere
    task = (network_settings, optim.get(optimizer, **optimizer_params), x_train, t_train, epochs, batch_size, seed,
            x_test, t_test)
    ((initial, trained, curves),) = map_runs(run_filters, [task], "filters", progress)
    result = FiltersResult(
        dataset=dataset,
        initial_filters=initial,
        trained_filters=trained,
        train_accuracy=curves["train_accuracy"],
        test_accuracy=curves["val_accuracy"],
        settings={"samples": len(x_train), "test_samples": len(x_test), "input_dim": list(x_train.shape[1:]),
                  "conv_param": network_settings["conv_param"], "hidden_size": hidden_size,
                  "weight_init": weight_init, "epochs": epochs, "batch_size": batch_size, "optimizer": optimizer,
                  "optimizer_params": optimizer_params, "seed": seed},
    )
    return saved(result, out, "filters")
