"""Subnormal numbers: why optimizers set their tiniest state values to zero.

A float32 number has 8 bits of exponent, so the smallest *normal* positive
float32 is about 1.18e-38 (``np.finfo(np.float32).tiny``). Below it, down
to 1.4e-45, lie the *subnormal* (or denormal) numbers, which give up
precision to reach closer to zero. Most CPUs handle them in slow microcode:
an operation that meets one can take a hundred times longer than usual.

Training makes them. A weight whose gradient is exactly zero step after
step (the weights leaving a ReLU unit that has died, or those of an input
pixel that is black in almost every image) sees its momentum shrink geometrically,
``m <- 0.9 m`` for Adam: a few hundred steps later ``m`` is subnormal, and it
stays so for about 150 more steps on its way to 0. A few thousand such
values are enough to slow a whole training step down several times (the
figures are in ``docs/performance.md``).

Graphics cards and many CPU libraries avoid this by "flushing" subnormals
to zero in hardware; numpy cannot switch that mode on. So the optimizers do
it themselves: every :data:`FLUSH_EVERY` steps, :func:`flush_subnormals`
zeroes the subnormal values of their state (momentum, moving averages).
Such a value changes a weight by less than ``1e-30`` at any learning rate,
so no float32 network can tell the difference; in float64 the threshold is
2.2e-308, which training never reaches.
"""

from __future__ import annotations

import numpy as np

#: Steps between two flushes: often enough that a value stays subnormal for
#: at most this many steps (instead of ~150), rarely enough to cost little
#: (see ``docs/performance.md``).
FLUSH_EVERY = 16


def flush_subnormals(array, scratch):
    """Set the subnormal values of ``array`` to zero, in place, allocating nothing.

    Parameters
    ----------
    array : ndarray of float
        Changed in place; normal values, zeros, infinities and NaN are kept
        exactly.
    scratch : ndarray
        Work array of ``array``'s shape and dtype; its contents are overwritten.

    Notes
    -----
    .. math:: a \\leftarrow a \\cdot [\\,|a| \\ge \\text{tiny}\\,]

    The comparison writes 1.0 or 0.0 into ``scratch`` (``casting="unsafe"``
    lets a boolean result land in a float array), and multiplying by 1.0
    leaves a number unchanged, bit for bit.
    """
    np.abs(array, out=scratch)
    np.greater_equal(scratch, np.finfo(array.dtype).tiny, out=scratch, casting="unsafe")
    # NaN compares False and stays NaN (NaN * 0 is NaN): the gradient checks report it.
    array *= scratch
