r"""Mini-batches by shuffle-and-partition.

Mini-batch gradient descent updates the parameters after each small group of
samples instead of after the whole training set. One pass over the data (an
*epoch*) is built in two steps:

1. **Shuffle**: draw one random permutation and apply it to ``x`` *and* ``t``,
   so that every input keeps its own target.
2. **Partition**: cut the shuffled arrays into consecutive slices of
   ``batch_size`` rows. When the number of samples ``m`` is not a multiple of
   ``batch_size`` the last batch is smaller; it is kept by default.

Every sample is therefore used exactly once per epoch, and a new permutation
at every epoch gives different batches each time. (Sampling batches *with
replacement*, as some code does, uses some samples twice and others not at
all.)

:class:`MiniBatches` is what a trainer uses: it shuffles into two buffers
allocated once, and hands out slices of them, which are views and cost
nothing. :func:`minibatches` is the same recipe written as plainly as
possible, for one epoch.
"""

from __future__ import annotations

import math

import numpy as np

from minidl.settings import Integer, check, check_positive_int
from minidl.validation import check_samples


def _as_generator(rng):
    """An int seed becomes a fresh Generator; a Generator is used as it is."""
    if isinstance(rng, np.random.Generator):
        return rng
    if Integer().is_kind(rng):
        return np.random.default_rng(check(rng, Integer(0), "rng", fix="pass e.g. rng=0 or rng=np.random.default_rng(0)"))
    raise TypeError(
        f"rng must be an int seed or a numpy.random.Generator, got {rng!r} of type "
        f"{type(rng).__name__}; pass e.g. rng=0 or rng=np.random.default_rng(0)"
    )


def _count_batches(n_samples, batch_size, drop_last):
    if drop_last:
        if batch_size > n_samples:
            raise ValueError(
                f"drop_last=True with batch_size={batch_size} larger than the "
                f"{n_samples} samples leaves no batch at all; use a batch_size "
                f"<= {n_samples} or drop_last=False"
            )
        return n_samples // batch_size
    return math.ceil(n_samples / batch_size)


def minibatches(x, t, batch_size, rng, drop_last=False):
    r"""Yield the mini-batches of one epoch, shuffled with ``rng``.

    Parameters
    ----------
    x : ndarray, shape (m, ...)
        Inputs, one sample per row.
    t : ndarray, shape (m,) or (m, n_classes)
        Targets, aligned with ``x``.
    batch_size : int
        Rows per batch, >= 1. A ``batch_size`` larger than ``m`` gives one
        batch holding all the data (that is plain batch gradient descent).
    rng : int or numpy.random.Generator
        Seed or generator that draws the permutation. A Generator is used
        directly, so two calls in a row give two different orders.
    drop_last : bool, default=False
        If True, skip the last batch when it is smaller than ``batch_size``.

    Yields
    ------
    x_batch, t_batch : ndarray
        Consecutive slices of the shuffled copies of ``x`` and ``t``.

    Notes
    -----
    With :math:`m` samples and batch size :math:`b` there are
    :math:`\lceil m / b \rceil` batches, the last one holding
    :math:`m - b (\lceil m / b \rceil - 1)` samples (or
    :math:`\lfloor m / b \rfloor` full batches with ``drop_last=True``).

    For the same generator state this yields exactly the batches of
    :class:`MiniBatches`; only the memory handling differs.
    """
    x, t = check_samples(x, t)
    batch_size = check_positive_int(batch_size, "batch_size")
    n_batches = _count_batches(len(x), batch_size, drop_last)
    permutation = _as_generator(rng).permutation(len(x))
    x_shuffled = x[permutation]  # the same permutation for both keeps the pairs
    t_shuffled = t[permutation]
    for index in range(n_batches):
        start = index * batch_size
        yield x_shuffled[start : start + batch_size], t_shuffled[start : start + batch_size]


class MiniBatches:
    r"""A reusable source of shuffled mini-batches: iterate once per epoch.

    Parameters
    ----------
    x : ndarray, shape (m, ...)
        Inputs, one sample per row.
    t : ndarray, shape (m,) or (m, n_classes)
        Targets, aligned with ``x``.
    batch_size : int
        Rows per batch, >= 1. A ``batch_size`` larger than ``m`` gives one
        batch holding all the data.
    rng : None, int or numpy.random.Generator, default=None
        Source of the permutations. ``None`` means seed 0, so that a run is
        reproducible even when no seed is given (library code never uses an
        unseeded generator). An int is a seed for a new Generator. A Generator
        is *used, not copied*: a trainer that saves
        ``rng.bit_generator.state`` with its checkpoint and restores it later
        gets exactly the batch order it would have had without stopping.
    shuffle : bool, default=True
        If False, batches come in the stored order every epoch (for
        evaluation, or to see what shuffling changes).
    drop_last : bool, default=False
        If True, skip the last batch when it is smaller than ``batch_size``.

    Notes
    -----
    Each ``iter(batches)`` (each ``for`` loop over it) is one epoch:

    1. draw one permutation :math:`\pi` of :math:`\{0, \dots, m-1\}`;
    2. gather ``x[pi]`` and ``t[pi]`` into two buffers allocated at the first
       epoch and reused afterwards (``np.take(..., out=buffer)``), so the data
       is copied once per epoch and never re-allocated;
    3. yield the slices ``buffer[k b : (k + 1) b]``, which are views.

    Because the buffers are reused, **the batches of one epoch are
    overwritten when the next epoch starts**. Copy a batch
    (``x_batch.copy()``) if you need to keep it, and do not run two loops
    over the same object at once. With ``shuffle=False`` the batches are
    views of ``x`` and ``t`` themselves and no buffer is made.

    ``len(batches)`` is :math:`\lceil m / b \rceil`, or
    :math:`\lfloor m / b \rfloor` with ``drop_last=True``.

    Examples
    --------
    >>> batches = MiniBatches(x_train, t_train, batch_size=100, rng=0)
    >>> for epoch in range(10):
    ...     for x_batch, t_batch in batches:
    ...         grads = network.gradient(x_batch, t_batch)
    ...         optimizer.update(network.params, grads)
    """

    def __init__(self, x, t, batch_size, rng=None, shuffle=True, drop_last=False):
        self.x, self.t = check_samples(x, t)
        self.batch_size = check_positive_int(batch_size, "batch_size")
        self.rng = _as_generator(0 if rng is None else rng)
        self.shuffle = bool(shuffle)
        self.drop_last = bool(drop_last)
        self.n_batches = _count_batches(len(self.x), self.batch_size, self.drop_last)
        # Allocated lazily: a MiniBatches that is never iterated costs no memory.
        self._x_buffer = None
        self._t_buffer = None

    def __len__(self):
        return self.n_batches

    def __repr__(self):
        return (
            f"MiniBatches({len(self.x)} samples, batch_size={self.batch_size}, "
            f"{self.n_batches} batches, shuffle={self.shuffle}, drop_last={self.drop_last})"
        )

    def __iter__(self):
        # The shuffle happens here, when the epoch starts, not lazily at the
        # first next(): the generator state after iter() is well defined.
        if self.shuffle:
            x_source, t_source = self._shuffled()
        else:
            x_source, t_source = self.x, self.t
        return self._slices(x_source, t_source)

    def _shuffled(self):
        if self._x_buffer is None:
            self._x_buffer = np.empty(self.x.shape, dtype=self.x.dtype)
            self._t_buffer = np.empty(self.t.shape, dtype=self.t.dtype)
        permutation = self.rng.permutation(len(self.x))
        # mode="clip" never changes a valid permutation, and unlike the
        # default mode="raise" it lets numpy write straight into `out`
        # without an intermediate copy.
        np.take(self.x, permutation, axis=0, out=self._x_buffer, mode="clip")
        np.take(self.t, permutation, axis=0, out=self._t_buffer, mode="clip")
        return self._x_buffer, self._t_buffer

    def _slices(self, x_source, t_source):
        size = self.batch_size
        for index in range(self.n_batches):
            start = index * size
            yield x_source[start : start + size], t_source[start : start + size]
