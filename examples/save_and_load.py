"""Save a trained network to one .npz file and load it back, identical.

The file holds the architecture (as JSON) and every array, and no pickle:
loading it cannot run code. Run it from anywhere: ``python examples/save_and_load.py``.
"""

import tempfile
from pathlib import Path

import numpy as np
from minidl.datasets import load_digits

import minidl

(x_train, t_train), (x_test, t_test) = load_digits()
network = minidl.MLP(64, [64], 10, batchnorm=True, seed=0)
minidl.fit(network, x_train, t_train, epochs=10, batch_size=32, verbose=0)

with tempfile.TemporaryDirectory() as folder:
    path = Path(folder) / "digits.npz"
    minidl.save_model(network, path)
    print(f"saved {path.name}: {path.stat().st_size / 1024:.0f} KiB")
    loaded = minidl.load_model(path)

print(loaded.describe(), "| batchnorm:", loaded.batchnorm)
same = np.array_equal(network.predict(x_test), loaded.predict(x_test))
print(f"same predictions after loading: {same}; test accuracy {loaded.accuracy(x_test, t_test):.2%}")
