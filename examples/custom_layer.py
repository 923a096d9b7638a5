"""Write a layer of your own, check it, train a network with it, save and load it.

The layer is PReLU (He et al., 2015), a ReLU whose slope for negative inputs
is learned, one slope ``a`` a feature:

    forward:  y = x           where x > 0
              y = a * x       where x <= 0
    backward: dx = dout       where x > 0,   dout * a where x <= 0
              da = sum over the batch of dout * x where x <= 0

A layer is a class with ``forward(x, train=True)`` and ``backward(dout)``;
a parameter ``a`` has its gradient in ``da``. ``@minidl.register_layer``
gives the class a name, which is what a saved file records (never code).
Run it from anywhere: ``python examples/custom_layer.py``.
"""

import tempfile
from pathlib import Path

import numpy as np
from minidl.datasets import load_digits

import minidl
from minidl.homework.checks import check_layer
from minidl.layers import Affine


@minidl.register_layer
class PReLU:
    """ReLU with a learned slope ``a`` (one a feature) for the negative inputs."""

    def __init__(self, a):
        self.a = a  # the network points this at its own array: read it at each call, change it in place
        self.da = None

    def forward(self, x, train=True):
        self.x = x
        return np.where(x > 0, x, self.a * x)

    def backward(self, dout):
        negative = self.x <= 0
        self.da = np.sum(np.where(negative, dout * self.x, 0.0), axis=0)
        return np.where(negative, dout * self.a, dout)


def he_affine(fan_in, fan_out, rng):
    """An Affine layer with He-initialised weights (standard deviation sqrt(2 / fan_in)) and zero biases."""
    weights = rng.standard_normal((fan_in, fan_out), dtype=np.float32) * np.sqrt(2.0 / fan_in, dtype=np.float32)
    return Affine(weights, np.zeros(fan_out, np.float32))


def main():
    # 1. Is backward the derivative of forward? Numerical gradients say so, or point at the mistake.
    report = check_layer(PReLU(np.full(8, 0.25)), (4, 8))
    print(f"check_layer(PReLU): {'passed' if report.ok else report}")

    # 2. A network of any layers: params are named in layer order, W1, b1, a1, W2, b2.
    rng = np.random.default_rng(0)
    network = minidl.Sequential([he_affine(64, 64, rng), PReLU(np.full(64, 0.25, np.float32)),
                                 he_affine(64, 10, rng)], seed=0)
    print(f"layers {list(network.layers)}, params {list(network.params)}")

    # 3. It trains like the MLP: the Trainer only uses what every network has (minidl.protocols).
    (x_train, t_train), (x_test, t_test) = load_digits()
    minidl.fit(network, x_train, t_train, optimizer="adam", epochs=20, batch_size=32, verbose=0)
    slopes = network.params["a1"]
    print(f"test accuracy {network.accuracy(x_test, t_test):.2%}; "
          f"learned slopes from {slopes.min():.2f} to {slopes.max():.2f} (all began at 0.25)")

    # 4. Saved by its registered name; loaded back in any session that imports the class.
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "prelu.npz"
        minidl.save_model(network, path)
        loaded = minidl.load_model(path)
    same = np.array_equal(loaded.predict(x_test), network.predict(x_test))
    print(f"same predictions after loading: {same}")


if __name__ == "__main__":
    main()
