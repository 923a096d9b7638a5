"""Shared settings for the experiment tests."""

import pytest
from threadpoolctl import threadpool_limits


@pytest.fixture(autouse=True, scope="session")
def one_blas_thread():
    # The experiments multiply small matrices, which several BLAS threads only
    # slow down, badly so on a busy CI machine; minidl's own choice is one thread too.
    with threadpool_limits(limits=1, user_api="blas"):
        yield
