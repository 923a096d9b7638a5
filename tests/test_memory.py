"""The size of a network, counted before it is built, against the arrays it then allocates."""

import numpy as np
import pytest

from minidl import MLP
from minidl.memory import check_network_size, network_bytes


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("hidden, batchnorm", [([], False), ([16], False), ([32, 8], True)])
def test_the_count_is_what_the_network_allocates(hidden, batchnorm, dtype):
    net = MLP(64, hidden, 10, batchnorm=batchnorm, dtype=dtype)
    count, weights, peak = network_bytes([64, *hidden, 10], batchnorm, np.dtype(dtype))
    assert count == sum(array.size for array in net.params.values())
    assert weights == net.params.flat.nbytes
    largest = max(a * b for a, b in zip([64, *hidden], [*hidden, 10]))
    assert peak == weights + largest * (8 if dtype == "float64" else 12)  # the float64 draw, then its rounding


def test_a_network_beyond_memory_is_refused_before_allocation():
    # 64 -> 1000 -> 10 in float32: 75,010 parameters, 293.0 KiB; 12 bytes a weight of W1 while drawn.
    with pytest.raises(MemoryError, match=r"64 -> 1000 -> 10 has 75,010 parameters, which need 293.0 KiB as "
                                          r"float32 .* more than the 100.0 KiB of memory"):
        check_network_size([64, 1000, 10], False, np.dtype("float32"), available=100 * 1024)
    check_network_size([64, 1000, 10], False, np.dtype("float32"), available=2**21)  # 1.0 MiB at the peak: fits
