"""Shuffle-and-partition mini-batches: properties checked with hypothesis."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from minidl.datasets import MiniBatches, minibatches


def numbered_data(n_samples):
    """Row i of x holds i and i + 0.5; t[i] = 10 * i: any misalignment shows."""
    x = np.stack([np.arange(n_samples), np.arange(n_samples) + 0.5], axis=1)
    return x, np.arange(n_samples) * 10


sizes = st.integers(min_value=1, max_value=60)
batch_sizes = st.integers(min_value=1, max_value=70)
seeds = st.integers(min_value=0, max_value=2**32 - 1)


def epoch_order(batches):
    """Sample numbers in the order one epoch visits them (copied: buffers are reused)."""
    return np.concatenate([x_batch[:, 0].copy() for x_batch, _ in batches]).astype(int)


@settings(max_examples=60, deadline=None)
@given(n_samples=sizes, batch_size=batch_sizes, seed=seeds)
def test_every_sample_once_aligned_and_ceil_m_over_b_batches(n_samples, batch_size, seed):
    x, t = numbered_data(n_samples)
    batches = MiniBatches(x, t, batch_size, rng=seed)
    assert len(batches) == math.ceil(n_samples / batch_size)
    for _epoch in range(2):
        seen = []
        listed = list(batches)
        assert len(listed) == len(batches)
        for index, (x_batch, t_batch) in enumerate(listed):
            expected_size = min(batch_size, n_samples - index * batch_size)
            assert len(x_batch) == len(t_batch) == expected_size
            np.testing.assert_array_equal(x_batch[:, 1], x_batch[:, 0] + 0.5)
            np.testing.assert_array_equal(t_batch, x_batch[:, 0] * 10)
            seen.extend(x_batch[:, 0].astype(int))
        assert sorted(seen) == list(range(n_samples))


@settings(max_examples=40, deadline=None)
@given(n_samples=sizes, batch_size=batch_sizes, seed=seeds)
def test_drop_last_keeps_only_full_batches(n_samples, batch_size, seed):
    x, t = numbered_data(n_samples)
    if batch_size > n_samples:
        with pytest.raises(ValueError, match="no batch"):
            MiniBatches(x, t, batch_size, rng=seed, drop_last=True)
        return
    batches = MiniBatches(x, t, batch_size, rng=seed, drop_last=True)
    assert len(batches) == n_samples // batch_size
    order = epoch_order(batches)
    assert all(len(x_batch) == batch_size for x_batch, _ in batches)
    assert len(set(order)) == len(order) == (n_samples // batch_size) * batch_size


@settings(max_examples=40, deadline=None)
@given(n_samples=st.integers(min_value=20, max_value=60), batch_size=batch_sizes, seed=seeds)
def test_same_seed_same_order_and_new_order_each_epoch(n_samples, batch_size, seed):
    x, t = numbered_data(n_samples)
    first = MiniBatches(x, t, batch_size, rng=seed)
    second = MiniBatches(x, t, batch_size, rng=seed)
    epoch_1 = epoch_order(first)
    np.testing.assert_array_equal(epoch_1, epoch_order(second))
    # Two equal permutations of >= 20 items: chance 1 / 20! -- never.
    assert not np.array_equal(epoch_1, epoch_order(first))


@settings(max_examples=30, deadline=None)
@given(n_samples=sizes, batch_size=batch_sizes, seed=seeds)
def test_function_gives_the_same_batches_as_the_class(n_samples, batch_size, seed):
    x, t = numbered_data(n_samples)
    from_class = [(xb.copy(), tb.copy()) for xb, tb in MiniBatches(x, t, batch_size, rng=seed)]
    from_function = list(minibatches(x, t, batch_size, rng=np.random.default_rng(seed)))
    assert len(from_class) == len(from_function)
    for (x_a, t_a), (x_b, t_b) in zip(from_class, from_function):
        np.testing.assert_array_equal(x_a, x_b)
        np.testing.assert_array_equal(t_a, t_b)


def test_permutation_is_the_generators():
    x, t = numbered_data(7)
    expected = np.random.default_rng(3).permutation(7)
    np.testing.assert_array_equal(epoch_order(MiniBatches(x, t, 3, rng=3)), expected)


def test_generator_is_used_not_copied_so_checkpoints_resume():
    x, t = numbered_data(30)
    rng = np.random.default_rng(5)
    batches = MiniBatches(x, t, 8, rng=rng)
    epoch_order(batches)
    saved_state = rng.bit_generator.state  # what a trainer checkpoints
    epoch_2 = epoch_order(batches)
    assert rng.bit_generator.state != saved_state  # the epoch advanced our generator

    resumed_rng = np.random.default_rng()
    resumed_rng.bit_generator.state = saved_state
    resumed = MiniBatches(x, t, 8, rng=resumed_rng)
    np.testing.assert_array_equal(epoch_order(resumed), epoch_2)


def test_none_means_seed_zero():
    x, t = numbered_data(25)
    np.testing.assert_array_equal(
        epoch_order(MiniBatches(x, t, 4)), epoch_order(MiniBatches(x, t, 4, rng=0))
    )


def test_batches_are_views_of_one_reused_buffer():
    x, t = numbered_data(10)
    batches = MiniBatches(x, t, 4, rng=0)
    first_epoch = list(batches)
    buffer = first_epoch[0][0].base
    assert buffer is not None and buffer.shape == x.shape
    assert all(x_batch.base is buffer for x_batch, _ in first_epoch)
    assert all(t_batch.base is first_epoch[0][1].base for _, t_batch in first_epoch)
    second_epoch = list(batches)
    assert second_epoch[0][0].base is buffer  # allocated once, reused
    # ... so the first epoch's batches now show the second epoch's data.
    np.testing.assert_array_equal(first_epoch[0][0], second_epoch[0][0])


def test_no_shuffle_gives_views_of_the_data_in_order():
    x, t = numbered_data(5)
    batches = list(MiniBatches(x, t, 2, shuffle=False))
    assert [len(x_batch) for x_batch, _ in batches] == [2, 2, 1]
    assert all(np.shares_memory(x_batch, x) for x_batch, _ in batches)
    np.testing.assert_array_equal(np.concatenate([tb for _, tb in batches]), t)


def test_batch_larger_than_data_is_one_batch_of_all():
    x, t = numbered_data(5)
    batches = MiniBatches(x, t, 100, rng=0)
    assert len(batches) == 1
    assert sorted(epoch_order(batches)) == [0, 1, 2, 3, 4]


def test_dtypes_and_extra_dimensions_are_kept():
    x = np.arange(6 * 4, dtype=np.float32).reshape(6, 1, 2, 2)
    t = np.eye(3, dtype=np.float32)[[0, 1, 2, 0, 1, 2]]
    x_batch, t_batch = next(iter(MiniBatches(x, t, 4, rng=0)))
    assert x_batch.shape == (4, 1, 2, 2) and x_batch.dtype == np.float32
    assert t_batch.shape == (4, 3) and t_batch.dtype == np.float32
    # Aligned: the first pixel of image i is 4 i, its class is i mod 3.
    np.testing.assert_array_equal(t_batch.argmax(axis=1), (x_batch[:, 0, 0, 0] // 4) % 3)


@pytest.mark.parametrize("batch_size", [0, -3, 2.5, "8", True, None])
def test_bad_batch_size(batch_size):
    x, t = numbered_data(4)
    with pytest.raises(ValueError, match="batch_size"):
        MiniBatches(x, t, batch_size)
    with pytest.raises(ValueError, match="batch_size"):
        list(minibatches(x, t, batch_size, rng=0))


def test_numpy_integer_batch_size_is_accepted():
    x, t = numbered_data(4)
    assert len(MiniBatches(x, t, np.int64(3))) == 2


def test_mismatched_lengths_name_both_sizes():
    with pytest.raises(ValueError, match=r"\(5, 2\).*5 samples.*\(4,\).*4 samples"):
        MiniBatches(np.zeros((5, 2)), np.zeros(4), 2)


def test_empty_data():
    with pytest.raises(ValueError, match="empty"):
        MiniBatches(np.zeros((0, 2)), np.zeros(0), 2)


@pytest.mark.parametrize("rng", [1.5, "seed", True, np.random.RandomState(0)])
def test_bad_rng(rng):
    x, t = numbered_data(4)
    with pytest.raises(TypeError, match="rng"):
        MiniBatches(x, t, 2, rng=rng)


def test_negative_seed_is_refused_by_name():
    x, t = numbered_data(4)
    with pytest.raises(ValueError, match=r"^rng must be a whole number >= 0; got -1; pass e\.g\. rng=0 "):
        MiniBatches(x, t, 2, rng=-1)
    assert len(MiniBatches(x, t, 2, rng=np.int64(3))) == 2  # a numpy integer is a seed too


def test_repr_says_what_it_is():
    x, t = numbered_data(10)
    assert repr(MiniBatches(x, t, 4, rng=0)) == (
        "MiniBatches(10 samples, batch_size=4, 3 batches, shuffle=True, drop_last=False)"
    )
