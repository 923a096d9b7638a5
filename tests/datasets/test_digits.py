"""The bundled 8x8 digits, compared with scikit-learn's own copy."""

from __future__ import annotations

import numpy as np
import sklearn.datasets
from minidl.datasets import load_digits


def test_defaults_shapes_types_and_range():
    (x_train, t_train), (x_test, t_test) = load_digits()
    assert x_train.shape == (1437, 64) and x_test.shape == (360, 64)
    assert x_train.dtype == np.float32 and t_train.dtype == np.int64
    assert x_train.min() == 0.0 and x_train.max() == 1.0
    assert set(np.unique(t_test)) == set(range(10))


def test_pixels_are_sklearn_values_over_16():
    reference = sklearn.datasets.load_digits()
    (x_train, t_train), (x_test, t_test) = load_digits(normalize=False)
    assert x_train.dtype == np.uint8 and x_train.max() == 16
    rows = np.concatenate([x_train, x_test]).astype(np.float64)
    labels = np.concatenate([t_train, t_test])
    # The same 1797 (image, label) pairs as scikit-learn, in another order.
    ours = sorted(map(tuple, np.column_stack([rows, labels])))
    theirs = sorted(map(tuple, np.column_stack([reference.data, reference.target])))
    assert ours == theirs
    (scaled, _), _ = load_digits()
    np.testing.assert_allclose(scaled, x_train / 16, rtol=1e-6)


def test_split_is_stratified():
    (_, t_train), (_, t_test) = load_digits()
    share_train = np.bincount(t_train) / len(t_train)
    share_test = np.bincount(t_test) / len(t_test)
    np.testing.assert_allclose(share_train, share_test, atol=0.01)


def test_seed_decides_the_split():
    (first, _), _ = load_digits(seed=0)
    (again, _), _ = load_digits(seed=0)
    (other, _), _ = load_digits(seed=1)
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, other)


def test_unflattened_one_hot_and_test_size():
    (x_train, t_train), (x_test, _) = load_digits(flatten=False, one_hot=True, test_size=0.5)
    assert x_train.shape[1:] == (1, 8, 8) and len(x_test) == 899
    assert t_train.shape == (898, 10) and t_train.dtype == np.float32
    np.testing.assert_array_equal(t_train.sum(axis=1), np.ones(898))
