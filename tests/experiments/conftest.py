"""Shared settings and helpers for the experiment tests."""

import json

import numpy as np
import pytest
from threadpoolctl import threadpool_limits


@pytest.fixture(autouse=True, scope="session")
def one_blas_thread():
    # The experiments multiply small matrices, which several BLAS threads only
    # slow down, badly so on a busy CI machine; minidl's own choice is one thread too.
    with threadpool_limits(limits=1, user_api="blas"):
        yield


@pytest.fixture
def read_saved(tmp_path):
    """``read(name)``: the lines of ``tmp_path/NAME.csv`` and the record of ``NAME.json`` an experiment saved."""

    def read(name):
        return (tmp_path / f"{name}.csv").read_text().splitlines(), json.loads((tmp_path / f"{name}.json").read_text())

    return read


@pytest.fixture
def reproduced(tmp_path):
    """``reproduced(experiment, arrays, **options)``: the result of ``experiment(**options)``, saved into tmp_path.

    The experiment runs a second time with the same options, and each
    attribute named in ``arrays`` must come back bit for bit the same.
    """

    def run(experiment, arrays, **options):
        first, again = experiment(out=tmp_path, **options), experiment(**options)
        for name in arrays:
            np.testing.assert_array_equal(getattr(first, name), getattr(again, name), err_msg=name)
        return first

    return run
