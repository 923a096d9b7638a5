"""Exercise: mini-batches by shuffle-and-partition.

Chapter 6 of the book "Deep Learning from Scratch" trains on mini-batches: a
step after every small group of samples instead of after the whole data set.
One pass over the data, an *epoch*, is built in two steps: shuffle, then cut
into consecutive pieces. Every sample is then used exactly once an epoch
(drawing batches at random with replacement, as the book's ``Trainer`` does,
uses some samples twice and others not at all).

Check your work with ``minidl homework check .``
"""

import numpy as np


def minibatches(x, t, batch_size, rng):
    """Yield the mini-batches of one epoch: shuffle, then partition.

    Parameters
    ----------
    x : numpy.ndarray, shape (m, ...)
        The inputs, one sample a row.
    t : numpy.ndarray, shape (m,) or (m, classes)
        The targets, row ``i`` belonging to ``x[i]``.
    batch_size : int
        Rows a batch, at least 1.
    rng : numpy.random.Generator
        Draws the shuffle. Use it (``rng.permutation``), never the global
        ``np.random`` functions: the same generator state must give the same
        batches, so that a run can be repeated exactly.

    Yields
    ------
    x_batch, t_batch : numpy.ndarray
        ``batch_size`` rows of the shuffled ``x`` and ``t`` (fewer in the
        last batch when ``m`` is not a multiple of ``batch_size``).

    Notes
    -----
    1. **Shuffle**: draw one random order of the rows,
       ``rng.permutation(m)``, and apply it to ``x`` *and* ``t``, so every
       input keeps its own target.
    2. **Partition**: cut the shuffled arrays into consecutive slices of
       ``batch_size`` rows. With ``m`` samples there are ``ceil(m / batch_size)``
       batches; the last holds what is left.

    **Accepted forms**: ``rng.permutation(m)``, ``rng.shuffle`` of
    ``np.arange(m)``, ``rng.choice(m, m, replace=False)``; a generator or a
    list of pairs. Refused: drawing with replacement (the book's
    ``np.random.choice`` in its ``Trainer``), or the global ``np.random``.
    """
    # BEGIN SOLUTION: one permutation for x and t alike, then yield consecutive slices of batch_size rows
    permutation = rng.permutation(len(x))
    x_shuffled, t_shuffled = x[permutation], t[permutation]
    for start in range(0, len(x), batch_size):
        yield x_shuffled[start : start + batch_size], t_shuffled[start : start + batch_size]
    # END SOLUTION
