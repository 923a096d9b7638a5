"""load_dataset: names, letter case, and the idx:DIR form."""

from __future__ import annotations

import numpy as np
import pytest
from minidl.datasets import DATASET_NAMES, load_dataset, load_digits


def test_names_for_command_lines():
    assert DATASET_NAMES == ("mnist", "fashion-mnist", "digits", "idx:DIR")


@pytest.mark.parametrize("name", ["digits", "DIGITS", " Digits "])
def test_names_are_case_insensitive(name):
    (x_train, _), _ = load_dataset(name, seed=4)
    (expected, _), _ = load_digits(seed=4)
    np.testing.assert_array_equal(x_train, expected)


def test_unknown_name_lists_the_known_ones():
    expected = "unknown dataset 'cifar10'.*mnist, fashion-mnist, digits, idx:DIR"
    with pytest.raises(ValueError, match=expected):
        load_dataset("cifar10")


def test_idx_keeps_the_case_of_the_folder(tmp_path):
    folder = tmp_path / "MixedCase"
    folder.mkdir()
    with pytest.raises(FileNotFoundError, match="MixedCase.*train-images-idx3-ubyte"):
        load_dataset(f"IDX:{folder}")


def test_idx_without_folder():
    with pytest.raises(ValueError, match="folder"):
        load_dataset("idx:")


def test_name_must_be_a_string():
    with pytest.raises(TypeError, match="string"):
        load_dataset(None)
