"""Fixtures shared by the tests of several parts of minidl."""

import os
from pathlib import Path

import pytest


@pytest.fixture
def unwritable_folder(tmp_path):
    """A folder where no file can be created: a read-only one for a user, /sys for root (whom chmod does not stop)."""
    if os.geteuid() != 0:
        tmp_path.chmod(0o555)
        yield tmp_path
        tmp_path.chmod(0o755)
        return
    try:
        os.close(os.open("/sys/.minidl-probe", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
    except OSError:
        yield Path("/sys")
        return
    os.unlink("/sys/.minidl-probe")
    pytest.skip("no folder here refuses root")


@pytest.fixture(scope="session")
def string_digits():
    """Scaled 8x8 digits with *string* labels, as fetch_openml returns MNIST's (the scikit-learn wrappers' tests).

    ``x_train, x_test, y_train, y_test``: a quarter held out, the same split every time.
    """
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    x, y = load_digits(return_X_y=True)
    return train_test_split(x / 16.0, y.astype(str), test_size=0.25, random_state=0)
