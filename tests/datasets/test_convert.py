"""normalize / flatten / one_hot, against hand-computed values."""

from __future__ import annotations

import numpy as np
import pytest
from minidl.datasets import to_one_hot
from minidl.datasets.convert import prepare_images, prepare_labels, prepare_split


def test_one_hot_by_hand():
    expected = np.array([[0, 0, 1], [1, 0, 0], [0, 0, 1]], dtype=np.float32)
    result = to_one_hot(np.array([2, 0, 2]), 3)
    assert result.dtype == np.float32
    np.testing.assert_array_equal(result, expected)


@pytest.mark.parametrize("labels", [np.array([0, 3]), np.array([-1, 0])])
def test_one_hot_rejects_labels_outside_the_classes(labels):
    with pytest.raises(ValueError, match="0 .. 2"):
        to_one_hot(labels, 3)


def test_one_hot_rejects_two_dimensional_labels():
    with pytest.raises(ValueError, match="1-d"):
        to_one_hot(np.zeros((2, 3), dtype=int), 3)


def test_prepare_images_normalizes_to_float32_unit_range():
    pixels = np.array([[0, 51, 255, 102]], dtype=np.uint8)
    images = prepare_images(pixels, (2, 2))
    assert images.dtype == np.float32
    np.testing.assert_allclose(images, [[0.0, 0.2, 1.0, 0.4]], rtol=1e-7)


def test_prepare_images_unflattened_keeps_one_channel():
    pixels = np.arange(8, dtype=np.uint8).reshape(2, 4)
    images = prepare_images(pixels, (2, 2), normalize=False, flatten=False)
    assert images.shape == (2, 1, 2, 2) and images.dtype == np.uint8
    np.testing.assert_array_equal(images[1, 0], [[4, 5], [6, 7]])


def test_prepare_labels_defaults_to_int64_class_numbers():
    labels = prepare_labels(np.array([3, 1], dtype=np.uint8))
    assert labels.dtype == np.int64
    np.testing.assert_array_equal(labels, [3, 1])
    assert prepare_labels(labels, one_hot=True).shape == (2, 10)


def test_prepare_split_prepares_both_parts_with_the_same_options():
    train = (np.array([[0, 16, 8, 4]], dtype=np.uint8), np.array([2], dtype=np.uint8))
    test = (np.array([[16, 0, 0, 16], [4, 4, 4, 4]], dtype=np.uint8), np.array([0, 1], dtype=np.uint8))
    (x_train, t_train), (x_test, t_test) = prepare_split(train, test, (2, 2), 16, 3, normalize=True, flatten=False,
                                                         one_hot=True)
    assert x_train.shape == (1, 1, 2, 2) and x_test.shape == (2, 1, 2, 2) and x_test.dtype == np.float32
    np.testing.assert_array_equal(x_train[0, 0], [[0.0, 1.0], [0.5, 0.25]])
    np.testing.assert_array_equal(x_test[1, 0], [[0.25, 0.25], [0.25, 0.25]])
    np.testing.assert_array_equal(t_train, [[0, 0, 1]])
    np.testing.assert_array_equal(t_test, [[1, 0, 0], [0, 1, 0]])
