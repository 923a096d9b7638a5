"""Networks to export: each kind of layer, both dtypes, trained a little so nothing is at its initial value."""

import numpy as np
import pytest

from minidl import MLP, Sequential, SimpleConvNet
from minidl.layers import Affine, Convolution, Dropout, Pooling, ReLU, Tanh

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


def strided_convnet(dtype=np.float32):
    """What a convolutional export must get right: non-square images, filters and pooling windows, stride,
    padding, overlapping padded pooling, two convolutions, Tanh on images, dropout, an Affine on (C, H, W)."""
    rng = np.random.default_rng(5)

    def weights(*shape):
        return (rng.normal(size=shape) / np.sqrt(np.prod(shape[1:]))).astype(dtype)

    # Both paddings of pooling meet negative numbers, where padding with 0 instead of -inf would win the maximum.
    layers = [Convolution(weights(3, 2, 3, 2), weights(3), stride=2, pad=1), Pooling(3, 2, stride=1, pad=1), ReLU(),
              Convolution(weights(4, 3, 2, 3), weights(4), stride=1, pad=2), Tanh(), Pooling(3, 3, stride=2, pad=1),
              Dropout(0.3), Affine(weights(4 * 5 * 4, 7), weights(7)), ReLU(), Affine(weights(7, 3), weights(3))]
    return Sequential(layers, input_shape=(2, 11, 7), seed=2)


#: Convolutional networks to export, by name: the book's on digits-shaped images, and strided_convnet.
CONV_NETWORKS = {
    "simpleconvnet-digits": lambda: SimpleConvNet(input_dim=(1, 8, 8), conv_param={"filter_num": 4, "filter_size": 3},
                                                  hidden_size=16, output_size=10, seed=3),
    "simpleconvnet-padded-strided": lambda: SimpleConvNet(
        input_dim=(3, 9, 12), conv_param={"filter_num": 5, "filter_size": 3, "pad": 2, "stride": 2},
        hidden_size=8, output_size=4, seed=4),
    "strided": strided_convnet,
    "strided-float64": lambda: strided_convnet(np.float64),
}


def trained_convnet(name):
    """Convolutional network ``name`` after a few SGD steps on random images."""
    network = CONV_NETWORKS[name]()
    rng = np.random.default_rng(6)
    for _ in range(3):
        x = rng.normal(size=(16, *network.input_shape))
        _, grads = network.loss_and_gradient(x, rng.integers(0, network.output_size, size=16))
        for key, grad in grads.items():
            network.params[key] -= 0.1 * grad
    return network


def images_for(network, count=32):
    """Images of the network's input shape, in its dtype, on a wider scale than training saw."""
    return np.random.default_rng(12).normal(scale=2.0, size=(count, *network.input_shape)).astype(network.dtype)


@pytest.fixture(params=sorted(CONV_NETWORKS))
def convnet(request):
    return trained_convnet(request.param)


@pytest.fixture
def make_convnet():
    """``make_convnet(name)``: network ``name`` of :data:`CONV_NETWORKS`, trained a little."""
    return trained_convnet


@pytest.fixture
def images():
    """``images(network, count=32)``: images for ``network`` (see :func:`images_for`)."""
    return images_for
