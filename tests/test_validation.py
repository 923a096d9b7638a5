"""Checks of arrays: what passes, what they return, and the messages of what fails."""

import numpy as np
import pytest

from minidl.validation import check_features, check_labels, check_samples, is_finite


# ================================================================== features
def test_features_of_the_right_dtype_are_not_copied():
    x = np.ones((4, 3), dtype=np.float32)
    checked = check_features(x, 3, np.float32)
    assert checked.dtype == np.float32 and np.shares_memory(checked, x)


def test_features_are_converted_and_images_flattened():
    images = np.arange(2 * 2 * 3, dtype=np.uint8).reshape(2, 2, 3)
    checked = check_features(images, 6, np.float32)
    assert checked.shape == (2, 6) and checked.dtype == np.float32
    np.testing.assert_array_equal(checked, images.reshape(2, 6))
    assert check_features([[1, 2]], 2).dtype == np.float64


def test_single_sample_gets_a_reshape_hint():
    with pytest.raises(ValueError, match=r"\(n_samples, 3\).*\(3,\).*reshape\(1, -1\)"):
        check_features(np.zeros(3), 3)


def test_wrong_width_names_both_sizes():
    with pytest.raises(ValueError, match=r"5 features a sample \(shape \(2, 5\)\), but 784 were expected"):
        check_features(np.zeros((2, 5)), 784)


@pytest.mark.parametrize("bad_value, shown", [(np.nan, "nan"), (np.inf, "inf"), (-np.inf, "-inf")])
def test_non_finite_values_are_located(bad_value, shown):
    x = np.zeros((3, 4))
    x[2, 1] = bad_value
    with pytest.raises(ValueError, match=rf"1 NaN or infinite value\(s\), the first at row 2, feature 1 \({shown}\)"):
        check_features(x, 4)


def test_huge_finite_values_are_not_mistaken_for_infinity():
    x = np.full((10, 10), 3e38, dtype=np.float32)  # the sum would overflow float32
    assert check_features(x, 10) is not None


def test_float64_values_too_large_for_float32_are_named_not_called_infinite():
    x = np.zeros((3, 4))
    x[1, 2], x[2, 3] = 5e38, -1e300
    with pytest.raises(ValueError, match=r"x holds values too large for float32 \(largest magnitude 1e\+300, "
                                         r"row 2, feature 3; float32 holds up to 3.4e\+38\)"):
        check_features(x, 4, np.float32)
    x[0, 0] = np.nan  # a NaN of the data itself is the problem to report first
    with pytest.raises(ValueError, match=r"1 NaN or infinite value\(s\), the first at row 0, feature 0 \(nan\)"):
        check_features(x, 4, np.float32)


def test_empty_and_non_numeric_features_are_rejected():
    with pytest.raises(ValueError, match="no sample"):
        check_features(np.zeros((0, 3)), 3)
    with pytest.raises(ValueError, match="must hold numbers"):
        check_features([["a", "b"]], 2)


# ==================================================================== labels
def test_integer_labels_pass_and_whole_floats_are_accepted():
    np.testing.assert_array_equal(check_labels([2, 0, 1], 3, 3), [2, 0, 1])
    labels = check_labels(np.array([2.0, 0.0]), 2, 3)
    assert labels.dtype == np.int64
    np.testing.assert_array_equal(labels, [2, 0])


def test_one_hot_rows_become_indices():
    np.testing.assert_array_equal(check_labels(np.eye(4)[[3, 1]], 2, 4), [3, 1])


def test_a_row_that_is_not_one_hot_is_shown():
    with pytest.raises(ValueError, match=r"row 1 is \[0\.5, 0\.5, 0\.0\]"):
        check_labels(np.array([[1.0, 0, 0], [0.5, 0.5, 0]]), 2, 3)


def test_label_count_must_match_the_batch():
    with pytest.raises(ValueError, match="2 labels but the batch has 3 samples"):
        check_labels([0, 1], 3, 10)
    with pytest.raises(ValueError, match="2 one-hot rows but the batch has 3 samples"):
        check_labels(np.eye(10)[:2], 3, 10)


@pytest.mark.parametrize("bad", [10, -1])
def test_labels_must_be_in_range(bad):
    with pytest.raises(ValueError, match=rf"label {bad}, outside \[0, 10\)"):
        check_labels([0, bad], 2, 10)


def test_non_integer_and_boolean_labels_are_rejected():
    with pytest.raises(ValueError, match="non-integer value 2.5"):
        check_labels([0.0, 2.5], 2, 3)
    with pytest.raises(ValueError, match="not booleans"):
        check_labels(np.array([True, False]), 2, 3)


def test_a_column_of_labels_gets_a_ravel_hint():
    with pytest.raises(ValueError, match=r"shape \(3, 1\).*ravel"):
        check_labels(np.zeros((3, 1), dtype=int), 3, 10)


# ==================================================================== samples
def test_samples_pair_up_row_by_row():
    x, t = check_samples([[1, 2], [3, 4]], [0, 1])
    assert isinstance(x, np.ndarray) and isinstance(t, np.ndarray)
    with pytest.raises(ValueError, match=r"x with shape \(2, 2\) \(2 samples\) and t with shape \(3,\)"):
        check_samples(np.zeros((2, 2)), np.zeros(3))
    with pytest.raises(ValueError, match="got a scalar"):
        check_samples(np.zeros((2, 2)), 1)
    with pytest.raises(ValueError, match="pass at least one sample"):
        check_samples(np.zeros((0, 2)), np.zeros(0))


# =========================================================== finite, cheaply
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
