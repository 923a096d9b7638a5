"""Shared data for the training tests: a slice of the bundled 8x8 digits (offline, fast)."""

import pytest
from minidl.datasets import load_digits


@pytest.fixture(scope="session")
def digits():
    """(x_train, t_train), (x_test, t_test): 600 training and 360 test digits."""
    (x_train, t_train), test = load_digits()
    return (x_train[:600], t_train[:600]), test
