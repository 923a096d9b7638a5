"""How much memory a network needs, known before any of it is allocated.

A network's size follows from its layer widths alone: an affine layer from
:math:`n_{in}` to :math:`n_{out}` units holds :math:`n_{in} n_{out} + n_{out}`
numbers, a batch normalisation layer :math:`2 n_{out}` more. ``--hidden
100000000`` on the digits (64 -> 10^8 -> 10) asks for

.. math:: 64 \\cdot 10^8 + 10^8 + 10^8 \\cdot 10 + 10 \\approx 7.5 \\cdot 10^9

float32 numbers, 27.9 GiB, before the first training step (which needs as
much again for the gradients, and an optimizer such as Adam twice that for
its state). numpy would find out only when the allocation fails, with a
``MemoryError`` deep inside the constructor; :func:`check_network_size`
counts first and refuses with the figure.
"""

from __future__ import annotations

import numpy as np

from minidl.archive import _memory_size, _size


def network_bytes(sizes, batchnorm, dtype):
    """Bytes that building a network of layer widths ``sizes`` needs at its peak.

    That is the parameter buffer (:mod:`minidl.flat`), plus the float64
    draw of the largest weight matrix and its rounding to ``dtype``, which
    :func:`minidl.init.initialize` makes before copying it in.

    Parameters
    ----------
    sizes : list of int
        ``[input_size, *hidden_sizes, output_size]``.
    batchnorm : bool
    dtype : numpy.dtype

    Returns
    -------
    (int, int, int)
        The number of parameters, their bytes, and the bytes needed at the peak.
    """
    pairs = list(zip(sizes[:-1], sizes[1:]))
    count = sum(fan_in * fan_out + fan_out for fan_in, fan_out in pairs)
    if batchnorm:
        count += sum(2 * width for width in sizes[1:-1])
    largest = max(fan_in * fan_out for fan_in, fan_out in pairs)
    itemsize = np.dtype(dtype).itemsize
    draw = largest * (8 + (itemsize if itemsize != 8 else 0))
    return count, count * itemsize, count * itemsize + draw


def check_network_size(sizes, batchnorm, dtype, available=None):
    """Raise ``MemoryError`` if a network of layer widths ``sizes`` cannot fit in this machine's memory.

    ``available`` is the memory in bytes (default: the machine's physical
    memory; when the system does not say, nothing is checked).
    """
    available = _memory_size() if available is None else available
    count, weights, peak = network_bytes(sizes, batchnorm, dtype)
    if available is not None and peak > available:
        shape = " -> ".join(map(str, sizes))
        raise MemoryError(
            f"a network {shape} has {count:,} parameters, which need {_size(weights)} as {np.dtype(dtype).name} "
            f"({_size(peak)} while its initial weights are drawn, and training needs twice as much for the "
            f"gradients), more than the {_size(available)} of memory of this machine; "
            "use fewer or narrower hidden layers"
        )
