"""Flushing subnormal optimizer state to zero: exact on everything else, free of allocations."""

import tracemalloc

import numpy as np
import pytest

from minidl.optim import Adam
from minidl.optim.subnormals import FLUSH_EVERY, flush_subnormals


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_flush_zeroes_subnormals_and_keeps_every_other_value_bit_for_bit(dtype):
    tiny = np.finfo(dtype).tiny
    subnormals = np.array([tiny / 2, -tiny / 4, tiny * 2.0**-20], dtype=dtype)
    kept = np.array([tiny, -tiny, 1e-30 if dtype == np.float32 else 1e-300, -2.5, 0.0, -0.0, np.inf, -np.inf], dtype=dtype)
    assert np.all(subnormals != 0) and np.all(np.abs(subnormals) < tiny)
    array = np.concatenate([subnormals, kept, [np.nan]]).astype(dtype)
    flush_subnormals(array, np.empty_like(array))
    assert np.array_equal(array[:3], np.zeros(3, dtype=dtype))
    assert array[3:-1].tobytes() == kept.tobytes()
    assert np.isnan(array[-1])
    assert array.dtype == dtype


def test_flush_allocates_nothing_proportional_to_the_array():
    array = np.full(1_000_000, np.finfo(np.float32).tiny / 2, dtype=np.float32)
    scratch = np.empty_like(array)
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        flush_subnormals(array, scratch)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert not array.any()
    assert peak < 10_000  # a temporary copy would be 4,000,000 bytes


def test_adam_zeroes_a_subnormal_moment_at_the_next_multiple_of_flush_every():
    # A weight whose gradient became 0 for good: with beta1 = 0.5 its first
    # moment halves every step, m = 2**-n after step n (exact in float32). It
    # turns subnormal (below 2**-126) at step 127 and would stay so until step 149.
    assert FLUSH_EVERY == 16  # the step numbers below are chosen for it
    params = {"w": np.ones(3, dtype=np.float32)}
    optimizer = Adam(beta1=0.5)
    optimizer.update(params, {"w": np.ones(3, dtype=np.float32)})
    zero = {"w": np.zeros(3, dtype=np.float32)}
    while optimizer.step_count < 127:
        optimizer.update(params, zero)
    moment = optimizer.state["w"]["first_moment"]
    # Between two flushes the update rule's own value is kept ...
    assert np.array_equal(moment, np.full(3, 2.0**-127, dtype=np.float32))
    optimizer.update(params, zero)
    # ... and at step 128, a multiple of FLUSH_EVERY, it is set to exactly 0 (not 2**-128).
    assert optimizer.step_count == 128
    assert np.array_equal(moment, np.zeros(3, dtype=np.float32))
