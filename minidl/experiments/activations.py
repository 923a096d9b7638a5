"""Experiment 3b: histograms of the activations, layer by layer, for each initialisation.

A thousand random inputs (standard normal, 100 features) go through five
layers of 100 units with no training at all: ``z = a W`` then
``a = activation(z)``. The histogram of ``a`` at each layer shows what the
initial weights do to the signal:

- **sigmoid, std 1**: the pre-activations are large, so the outputs pile up
  at 0 and 1, where the sigmoid's slope is almost zero: *vanishing gradients*;
- **sigmoid, std 0.01**: everything sits near 0.5. The gradients survive, but
  all 100 units compute nearly the same thing: the layer is as expressive as
  one unit;
- **sigmoid or tanh, Xavier** (std :math:`1/\\sqrt{n}`): a broad spread in
  every layer;
- **ReLU**: with std 0.01 the activations shrink towards 0 layer after layer;
  Xavier lets them shrink more slowly; He (std :math:`\\sqrt{2/n}`) keeps the
  same spread in every layer.

The numbers in each panel's title are the standard deviation of that layer's
activations: it stays roughly constant only with the initialisation suited to
the activation. ReLU panels leave out the exact zeros (about half of the
outputs) and give their share in the title instead.

Example
-------
>>> from minidl.experiments import activation_histograms
>>> result = activation_histograms("relu", (0.01, "xavier", "he"))
>>> result.counts.shape                  # (initialisations, layers, bins)
(3, 5, 30)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from minidl.experiments import options
from minidl.experiments.initialisation import initialisation_label
from minidl.experiments.options import Option, experiment
from minidl.init import check_weight_init, initialize
from minidl.layers import ACTIVATIONS
from minidl.plotting import panel_grid
from minidl.settings import COUNT
from minidl.threads import limit_threads

#: The range each histogram covers: the activation's outputs for sigmoid and
#: tanh; for ReLU, (0, 2] holds nearly all positive outputs of a well-scaled
#: layer. Values outside are counted in ``outside``.
HISTOGRAM_RANGES = {"sigmoid": (0.0, 1.0), "tanh": (-1.0, 1.0), "relu": (0.0, 2.0)}


@dataclass
class ActivationsResult:
    """Histograms of each layer's activations, for each initialisation.

    Attributes
    ----------
    activation : str
    initialisations : list of (str or float)
    bin_edges : numpy.ndarray, shape (bins + 1,)
    counts : numpy.ndarray of int, shape (initialisations, layers, bins)
        How many of the ``samples * units`` activations of a layer fall in each bin.
    outside : numpy.ndarray of int, shape (initialisations, layers)
        Activations beyond the histogram's range (large ReLU outputs).
    zero_fractions : numpy.ndarray, shape (initialisations, layers)
        Share of activations exactly 0. A ReLU unit outputs 0 for every
        negative input (about half of them); those zeros are left out of the
        ReLU histograms, whose tall bar at 0 would flatten everything else.
    standard_deviations : numpy.ndarray, shape (initialisations, layers)
        Standard deviation of all activations of each layer.
    samples, units, seed : int
    """

    activation: str
    initialisations: list
    bin_edges: np.ndarray
    counts: np.ndarray
    outside: np.ndarray
    zero_fractions: np.ndarray
    standard_deviations: np.ndarray
    samples: int
    units: int
    seed: int

    def table(self):
        """Tidy rows ``weight_init, layer, bin_low, bin_high, count`` (layers count from 1)."""
        rows = []
        for index, weight_init in enumerate(self.initialisations):
            for layer, layer_counts in enumerate(self.counts[index], start=1):
                rows += [(weight_init, layer, low, high, count)
                         for low, high, count in zip(self.bin_edges[:-1], self.bin_edges[1:], layer_counts)]
        return ["weight_init", "layer", "bin_low", "bin_high", "count"], rows

    def record(self):
        """Settings and, per initialisation, each layer's standard deviation and out-of-range count."""
        return {
            "experiment": "activations",
            "activation": self.activation,
            "samples": self.samples,
            "units": self.units,
            "layers": int(self.counts.shape[1]),
            "seed": self.seed,
            "histogram_range": [self.bin_edges[0], self.bin_edges[-1]],
            "initialisations": {
                str(weight_init): {
                    "label": initialisation_label(weight_init),
                    "standard_deviation_per_layer": self.standard_deviations[index],
                    "outside_range_per_layer": self.outside[index],
                    "zero_fraction_per_layer": self.zero_fractions[index],
                }
                for index, weight_init in enumerate(self.initialisations)
            },
        }

    def summary(self):
        """One line per initialisation: the standard deviation of each layer's activations."""
        return [f"{initialisation_label(weight_init):<10} std of activations per layer: "
                + " ".join(f"{value:.2g}" for value in self.standard_deviations[index])
                for index, weight_init in enumerate(self.initialisations)]

    def plot(self):
        """A grid: one row an initialisation, one column a layer."""
        layers = self.counts.shape[1]
        figure, panels = panel_grid(len(self.initialisations) * layers, layers, panel_size=(2.4, 1.9))
        widths = np.diff(self.bin_edges)
        for index, weight_init in enumerate(self.initialisations):
            for layer in range(layers):
                axes = panels[index * layers + layer]
                axes.bar(self.bin_edges[:-1], self.counts[index, layer], width=widths, align="edge",
                         color="tab:blue", edgecolor="white", linewidth=0.3)
                title = f"layer {layer + 1}: std {self.standard_deviations[index, layer]:.2g}"
                if self.activation == "relu":
                    title += f", {self.zero_fractions[index, layer]:.0%} zero"
                axes.set_title(title, fontsize=9)
                axes.tick_params(labelsize=7)
                axes.set_yticks([])
                if layer == 0:
                    axes.set_ylabel(initialisation_label(weight_init), fontsize=10)
        figure.suptitle(f"{self.activation} activations of {layers} layers of {self.units} units "
                        f"({self.samples} random inputs), one row per initial weight scale", fontsize=11)
        figure.tight_layout()
        return figure


def default_initialisations(initialisations, chosen):
    """The ``--inits`` given, else those that show ``--activation`` best: He's for ReLU, std 1's for the others."""
    return initialisations or ((0.01, "xavier", "he") if chosen.activation == "relu" else (1.0, 0.01, "xavier"))


@experiment("activations", 4, "histograms of each layer's activations for several initialisations",
            ("minidl experiment activations --out results",
             "minidl experiment activations --activation relu --inits 0.01,xavier,he --out results",
             "minidl experiment activations --activation tanh --inits 1,0.01,xavier"),
            (options.activation(),
             options.initialisations(default=None, convert=default_initialisations,
                                     defaults="1,0.01,xavier for sigmoid and tanh, 0.01,xavier,he for relu"),
             Option("--layers", "hidden layers, one histogram each", "count"),
             Option("--units", "units a layer", "count"),
             Option("--samples", "random inputs", "count")),
            stem=lambda chosen: f"activations-{chosen.activation}", settings={"bins": COUNT})
def activation_histograms(activation="sigmoid", initialisations=(1.0, 0.01, "xavier"), layers=5, units=100,
                          samples=1000, bins=30, seed=0):
    """Push random inputs through ``layers`` untrained layers and histogram each layer's outputs.

    Parameters
    ----------
    activation : {"sigmoid", "tanh", "relu"}, default "sigmoid"
    initialisations : sequence of (str or float), default (1.0, 0.01, "xavier")
        ``weight_init`` values (names from ``minidl.init.INITIALISERS`` or a
        standard deviation). The defaults are the book's sigmoid figures; for
        ReLU try ``(0.01, "xavier", "he")``.
    layers : int, default 5
    units : int, default 100
        Units a layer (and input features).
    samples : int, default 1000
        Random inputs, each drawn from a standard normal distribution.
    bins : int, default 30
    seed : int, default 0
        Seeds the inputs and the weights. Every initialisation uses the same
        inputs and the same underlying normal draws, so rows differ only by
        the initialisation.

    Returns
    -------
    ActivationsResult

    Notes
    -----
    Layer :math:`k` computes :math:`a^{(k)} = h(a^{(k-1)} W^{(k)})` with
    :math:`a^{(0)} = x`. No biases: they start at zero anyway. Everything is
    float64 so that even exploding ReLU activations stay finite.
    """
    if activation not in ACTIVATIONS:
        raise ValueError(f"unknown activation {activation!r}; choose one of {', '.join(ACTIVATIONS)}")
    initialisations = [check_weight_init(weight_init) for weight_init in initialisations]
    if not initialisations:
        raise ValueError("no initialisation given; pass e.g. initialisations=(1.0, 0.01, 'xavier')")
    bin_edges = np.linspace(*HISTOGRAM_RANGES[activation], bins + 1)

    counts = np.zeros((len(initialisations), layers, bins), dtype=np.int64)
    outside = np.zeros((len(initialisations), layers), dtype=np.int64)
    zero_fractions = np.zeros((len(initialisations), layers))
    deviations = np.zeros((len(initialisations), layers))
    # BLAS threads as minidl chooses them: one for products this small (see minidl.threads).
    with limit_threads(None, [units] * (layers + 1), batch_size=samples):
        for index, weight_init in enumerate(initialisations):
            rng = np.random.default_rng(seed)
            values = rng.standard_normal((samples, units))
            for layer in range(layers):
                weights = initialize(weight_init, units, units, rng, dtype=np.float64)
                values = ACTIVATIONS[activation]().forward(values @ weights, train=False)
                zeros = values == 0
                shown = values[~zeros] if activation == "relu" else values
                counts[index, layer] = np.histogram(shown, bins=bin_edges)[0]
                outside[index, layer] = shown.size - counts[index, layer].sum()
                zero_fractions[index, layer] = zeros.mean()
                deviations[index, layer] = values.std()
    return ActivationsResult(activation, initialisations, bin_edges, counts, outside, zero_fractions,
                             deviations, samples, units, seed)
