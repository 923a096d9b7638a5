"""The training data of the benchmark: real MNIST if cached, else MNIST-like random data."""

from __future__ import annotations

import cache_load  # a sibling file of this folder
import numpy as np


def synthetic_data(samples, seed):
    """MNIST-like random data: mostly-zero images and labels that can be learnt.

    Uniform noise with random labels would look MNIST-shaped but train
    unlike MNIST: with nothing to learn and every input positive, most ReLU
    units die within an epoch, their Adam moments decay into subnormal
    floats (numbers below 1.2e-38, which CPUs handle up to a hundred times
    slower) and the benchmark would time that pathology. So, like MNIST, 80 %
    of the pixels are 0 and the rest uniform in (0, 1), and each label is the
    best class under a fixed random linear "teacher": the network has
    something to learn, its loss falls and its units stay alive.
    """
    rng = np.random.default_rng(seed)
    x = rng.random((samples, 784), dtype=np.float32)
    # In place, no temporary of the data's size: values below 0.8 become 0,
    # the others are stretched from [0.8, 1) back onto [0, 1).
    np.subtract(x, 0.8, out=x)
    np.maximum(x, 0.0, out=x)
    x *= 5.0
    teacher = rng.standard_normal((784, 10)).astype(np.float32)
    # Centre the inputs inside the product: (x - mean) @ R = x @ R - mean @ R.
    scores = x @ teacher - x.mean(axis=0) @ teacher
    return x, scores.argmax(axis=1).astype(np.int64)


def training_data(samples, seed):
    """The first ``samples`` MNIST training images if cached, else :func:`synthetic_data`."""
    if cache_load.real_cache_path() is not None:
        from minidl.datasets import load_mnist

        (x, t), _ = load_mnist()
        if samples <= len(x):
            return np.ascontiguousarray(x[:samples]), t[:samples].astype(np.int64), "MNIST (cached)"
    x, t = synthetic_data(samples, seed)
    return x, t, "synthetic MNIST-like (80 % zero pixels, labels from a random linear teacher)"
