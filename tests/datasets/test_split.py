"""train_val_split: stratified, seeded, and clear about bad input."""

from __future__ import annotations

import numpy as np
import pytest
from minidl.datasets import train_val_split


@pytest.fixture
def data():
    labels = np.repeat(np.arange(4), [40, 30, 20, 10])  # unbalanced classes
    x = np.stack([np.arange(100), labels], axis=1)  # column 1 repeats the label
    return x, labels


def test_sizes_and_alignment(data):
    x, t = data
    (x_train, t_train), (x_val, t_val) = train_val_split(x, t, val_size=0.2)
    assert len(x_train) == len(t_train) == 80 and len(x_val) == len(t_val) == 20
    np.testing.assert_array_equal(x_train[:, 1], t_train)
    np.testing.assert_array_equal(x_val[:, 1], t_val)
    assert sorted(np.concatenate([x_train[:, 0], x_val[:, 0]])) == list(range(100))


def test_stratified_keeps_class_shares_exactly(data):
    x, t = data
    _, (_, t_val) = train_val_split(x, t, val_size=0.2, seed=3)
    np.testing.assert_array_equal(np.bincount(t_val), [8, 6, 4, 2])


def test_same_seed_same_split_other_seed_other_split(data):
    x, t = data
    (first, _), _ = train_val_split(x, t, seed=1)
    (again, _), _ = train_val_split(x, t, seed=1)
    (other, _), _ = train_val_split(x, t, seed=2)
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, other)


def test_one_hot_targets_are_stratified_by_class(data):
    x, t = data
    one_hot = np.eye(4)[t]
    _, (x_val, t_val) = train_val_split(x, one_hot, val_size=0.2, seed=3)
    np.testing.assert_array_equal(t_val.sum(axis=0), [8, 6, 4, 2])
    np.testing.assert_array_equal(t_val.argmax(axis=1), x_val[:, 1])


def test_unstratified_with_a_lonely_class():
    x, t = np.arange(10).reshape(10, 1), np.array([0] * 9 + [1])
    with pytest.raises(ValueError, match="stratify=False"):
        train_val_split(x, t)
    (x_train, _), (x_val, _) = train_val_split(x, t, val_size=3, stratify=False)
    assert len(x_train) == 7 and len(x_val) == 3


def test_mismatched_lengths():
    with pytest.raises(ValueError, match="same number of samples"):
        train_val_split(np.zeros((10, 2)), np.zeros(9))


def test_empty():
    with pytest.raises(ValueError, match="empty"):
        train_val_split(np.zeros((0, 2)), np.zeros(0))


@pytest.mark.parametrize("val_size", [2, 0.05, 28])
def test_stratified_split_too_small_for_every_class_names_val_size(val_size):
    x = np.arange(60.0).reshape(30, 2)
    t = np.arange(30) % 3
    with pytest.raises(ValueError, match=r"val_size=.*each side needs one of each of the 3 classes"):
        train_val_split(x, t, val_size=val_size)
