"""Networks to export: each kind of layer, both dtypes, trained a little so nothing is at its initial value."""

import numpy as np
import pytest

from minidl import MLP

#: One network per thing an export must get right, by name.
NETWORKS = {
    "relu": {},
    "sigmoid": {"activation": "sigmoid", "weight_init": "xavier"},
    "tanh": {"activation": "tanh", "weight_init": "xavier"},
    "batchnorm": {"batchnorm": True},
    "dropout": {"dropout": 0.5, "activation": "tanh"},
    "float64": {"dtype": np.float64, "batchnorm": True, "activation": "sigmoid"},
    "no-hidden-layer": {"hidden_sizes": []},
}


def trained(name):
    """Network ``name`` after a few SGD steps: weights moved and batch-norm running statistics learnt."""
    settings = dict(NETWORKS[name])
    network = MLP(12, settings.pop("hidden_sizes", [16, 8]), 5, seed=7, **settings)
    rng = np.random.default_rng(3)
    for _ in range(5):
        x, t = rng.normal(size=(32, 12)), rng.integers(0, 5, size=32)
        _, grads = network.loss_and_gradient(x, t)
        for key, grad in grads.items():
            network.params[key] -= 0.1 * grad
    return network


@pytest.fixture(params=sorted(NETWORKS))
def network(request):
    return trained(request.param)


@pytest.fixture
def inputs():
    """Rows on a wider scale than training saw, so the activations reach their saturated ends too."""
    return np.random.default_rng(11).normal(scale=3.0, size=(64, 12))


@pytest.fixture
def make_network():
    """``make_network(name)``: network ``name`` of :data:`NETWORKS`, trained a little."""
    return trained
