"""minidl.threads: the count chosen for threads=None, and limits that hold only inside the block."""

import numpy as np
import pytest
import threadpoolctl

from minidl import MLP
from minidl.settings import check
from minidl.threads import THREADS, WORK_PER_THREAD, choose_threads, limit_threads, network_sizes


def blas_threads():
    counts = [pool["num_threads"] for pool in threadpoolctl.threadpool_info() if pool["user_api"] == "blas"]
    if not counts:
        pytest.skip("threadpoolctl sees no BLAS library in this numpy")
    return max(counts)


def all_limits():
    return [(pool["filepath"], pool["num_threads"]) for pool in threadpoolctl.threadpool_info()]


@pytest.mark.parametrize("sizes, batch_size", [
    ([64, 256, 10], 32),                    # the digits quick start
    ([784, 100, 100, 100, 100, 10], 100),   # the book's network
    ([784, 512, 512, 10], 128),             # MNIST's default training
], ids=["digits", "book", "mnist-training"])
def test_small_products_get_one_thread_whatever_the_cores(sizes, batch_size):
    assert choose_threads(sizes, batch_size, cores=64) == 1


def test_large_products_get_a_thread_for_each_share_of_work_up_to_the_cores():
    # MNIST's network evaluated on 10,000 rows: 10,000 * 784 * 512 = 4.0e9 multiply-adds in one product.
    assert choose_threads([784, 512, 512, 10], 10_000, cores=2) == 2
    assert choose_threads([784, 512, 512, 10], 10_000, cores=1) == 1
    assert choose_threads([784, 512, 512, 10], 10_000, cores=64) == 10_000 * 784 * 512 // WORK_PER_THREAD == 4
    assert choose_threads([784, 512, 512, 10], 1_000, cores=64) == 1  # 4e8: a second thread did not pay
    # Only the largest product counts: exactly two shares of work in it gives two threads.
    assert choose_threads([WORK_PER_THREAD, 2, 1], 1, cores=8) == 2
    assert choose_threads([WORK_PER_THREAD, 2, 1], 1, cores=8) == choose_threads([1, 2, WORK_PER_THREAD], 1, cores=8)


@pytest.mark.parametrize("bad", [0, -1, 2.5, True, "2"])
def test_a_thread_count_must_be_none_or_a_whole_number(bad):
    with pytest.raises(ValueError, match="threads must be None .minidl decides. or a whole number >= 1"):
        check(bad, THREADS, "threads")


def test_the_threads_setting_passes_good_values():
    assert check(None, THREADS, "threads") is None and check(np.int64(3), THREADS, "threads") == 3


def test_the_limit_holds_inside_the_block_and_is_restored_after():
    before = all_limits()
    target = 1 if blas_threads() > 1 else 2
    with limit_threads(target) as threads:
        assert threads == target == blas_threads()
    assert all_limits() == before
    with pytest.raises(KeyError), limit_threads(target):
        raise KeyError("an error inside the block")
    assert all_limits() == before


def test_none_uses_the_enclosing_count_or_decides_for_the_network():
    sizes = network_sizes(MLP(64, [256], 10))
    with limit_threads(None, sizes, batch_size=32) as decided:
        assert decided == 1 == blas_threads()
    with limit_threads(2) as outer, limit_threads(None, sizes, batch_size=32) as inner:
        assert outer == inner == 2 == blas_threads()  # e.g. a parallel worker's choice is kept
    with limit_threads(2), limit_threads(1) as explicit:
        assert explicit == 1  # a number always means that number


def test_none_never_raises_a_limit_set_before():
    assert choose_threads([784, 512, 512, 10], 10_000, cores=2) == 2
    with threadpoolctl.threadpool_limits(1), limit_threads(None, [784, 512, 512, 10], 10_000) as threads:
        assert threads == 1  # as with OPENBLAS_NUM_THREADS=1 or inside a joblib worker


def test_none_outside_a_block_needs_the_work_to_decide_from():
    with pytest.raises(TypeError, match="needs layer_sizes and batch_size"), limit_threads():
        pass
