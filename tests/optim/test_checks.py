"""The shared checks: numbers in range, finite arrays without big temporaries."""

import numpy as np
import pytest

from minidl.optim.checks import check_number, check_positive_integer, is_finite


def test_check_number_bounds():
    assert check_number("momentum", 0.0, low=0.0, high=1.0, high_inclusive=False) == 0.0
    assert type(check_number("lr", np.float32(0.5))) is float
    with pytest.raises(ValueError, match=r"momentum must be a finite number in \[0.0, 1.0\); got 1.0"):
        check_number("momentum", 1.0, low=0.0, high=1.0, high_inclusive=False)
    with pytest.raises(ValueError, match=r"lr must be a finite number in \(0.0, inf\); got 0.0"):
        check_number("lr", 0, low=0.0, low_inclusive=False)
    with pytest.raises(ValueError, match="nan"):
        check_number("eps", float("nan"), low=0.0)
    with pytest.raises(TypeError, match="real number"):
        check_number("lr", True)
    with pytest.raises(TypeError, match="real number"):
        check_number("lr", "0.1")


def test_check_positive_integer():
    assert check_positive_integer("step_size", np.int64(3)) == 3
    for bad in (0, -2, 2.0, True):
        with pytest.raises(ValueError, match="step_size"):
            check_positive_integer("step_size", bad)


def test_is_finite_finds_nan_and_inf_anywhere():
    array = np.zeros((50, 40))
    assert is_finite(array)
    array[49, 39] = np.nan
    assert not is_finite(array)
    array[49, 39] = -np.inf
    assert not is_finite(array)
    assert not is_finite(np.array([np.inf, -np.inf]))  # the sum is NaN


def test_is_finite_is_not_fooled_by_a_sum_that_overflows():
    huge = np.full(10, 3e38, dtype=np.float32)  # finite, but the float32 sum overflows
    with np.errstate(over="ignore"):
        assert np.isinf(np.sum(huge))
    assert is_finite(huge)


def test_is_finite_on_strided_and_transposed_views():
    base = np.zeros((6, 8))
    base[5, 7] = np.nan
    assert not is_finite(base.T)  # a Fortran-ordered view
    assert is_finite(base[:, ::2])  # every other column misses the NaN
    assert not is_finite(base[1::2, 1::2])
