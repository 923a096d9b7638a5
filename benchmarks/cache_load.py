"""Time to load MNIST from minidl's compact cache.

The first ``load_mnist()`` downloads and parses MNIST (minutes); every later
one reads ``<data home>/minidl/mnist_784.npz``, which must take under a
second. If that real cache exists it is what we time. Otherwise (no network
here, or never downloaded) we write a synthetic cache of the real size, 70,000
random 28x28 uint8 images and their labels, into a temporary folder *with
minidl.datasets' own cache writer*, and time ``load_mnist(data_home=...)``
on it: the same file format, size, checksum and code path.

The time covers the whole call a user makes: reading the file, verifying its
SHA-256 checksum, and converting the images to float32 in [0, 1].
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import numpy as np


def _synthetic_cache(home, train_samples, test_samples, seed):
    """Write a cache of random images where ``load_mnist(data_home=home)`` looks for it."""
    from minidl.datasets.cache import save_cache
    from minidl.datasets.openml import MNIST

    rng = np.random.default_rng(seed)
    arrays = {
        "x_train": rng.integers(0, 256, size=(train_samples, 784), dtype=np.uint8),
        "t_train": rng.integers(0, 10, size=train_samples, dtype=np.uint8),
        "x_test": rng.integers(0, 256, size=(test_samples, 784), dtype=np.uint8),
        "t_test": rng.integers(0, 10, size=test_samples, dtype=np.uint8),
    }
    path = MNIST.cache_path(home)
    path.parent.mkdir(parents=True, exist_ok=True)
    save_cache(path, arrays, MNIST.source)
    return path


def real_cache_path():
    """Where minidl keeps the MNIST cache in the default data home, or None if not there."""
    import sklearn.datasets
    from minidl.datasets.openml import MNIST

    path = MNIST.cache_path(sklearn.datasets.get_data_home())
    return path if path.is_file() else None


def measure(repeats=3, seed=0):
    """Median seconds of ``load_mnist()`` from a cache, and which cache was used.

    Returns
    -------
    dict
        ``seconds`` (median over ``repeats`` loads, after one untimed load
        that also warms the operating system's file cache, as a student's
        second run would), ``source`` ("real" or "synthetic"), ``path`` and
        ``file_bytes``.
    """
    from minidl.datasets import load_mnist

    with tempfile.TemporaryDirectory(prefix="minidl-cache-benchmark-") as folder:
        path = real_cache_path()
        if path is not None:
            source, home = "real", None
        else:
            # The real sizes, whatever the run's mode: the target is about MNIST.
            source, home = "synthetic", folder
            path = _synthetic_cache(Path(folder), 60_000, 10_000, seed)
        load_mnist(data_home=home)
        durations = []
        for _ in range(repeats):
            start = time.perf_counter()
            (x_train, _), _ = load_mnist(data_home=home)
            durations.append(time.perf_counter() - start)
            del x_train
        return {"seconds": float(np.median(durations)), "source": source, "path": str(path),
                "file_bytes": path.stat().st_size}
