"""Initialisers: the documented distributions, seeding, dtypes and errors."""

import numpy as np
import pytest

from minidl.init import INITIALISERS, initialize

FAN_IN, FAN_OUT = 400, 500  # 200,000 draws: sample std within ~0.5% of the truth


def draw(name, dtype=np.float64, seed=0, fan_in=FAN_IN, fan_out=FAN_OUT):
    return initialize(name, fan_in, fan_out, np.random.default_rng(seed), dtype)


@pytest.mark.parametrize(
    "name, expected_std",
    [
        ("he", np.sqrt(2 / FAN_IN)),
        ("xavier", np.sqrt(1 / FAN_IN)),
        ("he_uniform", np.sqrt(2 / FAN_IN)),  # uniform on [-a, a] has std a / sqrt(3)
        ("xavier_uniform", np.sqrt(2 / (FAN_IN + FAN_OUT))),
        (0.01, 0.01),
    ],
)
def test_initialisers_have_the_documented_spread(name, expected_std):
    weights = draw(name)
    assert weights.shape == (FAN_IN, FAN_OUT)
    assert abs(weights.mean()) < 0.02 * expected_std
    assert weights.std() == pytest.approx(expected_std, rel=0.01)


@pytest.mark.parametrize(
    "name, limit", [("he_uniform", np.sqrt(6 / FAN_IN)), ("xavier_uniform", np.sqrt(6 / (FAN_IN + FAN_OUT)))]
)
def test_uniform_initialisers_fill_their_interval(name, limit):
    weights = draw(name)
    assert weights.min() >= -limit and weights.max() <= limit
    assert weights.min() < -0.99 * limit and weights.max() > 0.99 * limit


@pytest.mark.parametrize("alias, name", [("relu", "he"), ("sigmoid", "xavier"), ("kaiming", "he"),
                                         ("kaiming_uniform", "he_uniform"), ("He", "he"), ("Xavier_Uniform",
                                                                                         "xavier_uniform")])
def test_aliases_draw_the_same_weights(alias, name):
    np.testing.assert_array_equal(draw(alias), draw(name))


def test_zero_standard_deviation_gives_zeros():
    np.testing.assert_array_equal(draw(0.0, fan_in=3, fan_out=2), np.zeros((3, 2)))


def test_same_seed_same_bits_other_seed_other_weights():
    np.testing.assert_array_equal(draw("he", seed=3), draw("he", seed=3))
    assert not np.array_equal(draw("he", seed=3), draw("he", seed=4))


def test_dtype_is_kept_and_float32_is_float64_rounded():
    weights32 = draw("xavier_uniform", dtype=np.float32)
    assert weights32.dtype == np.float32
    np.testing.assert_array_equal(weights32, draw("xavier_uniform").astype(np.float32))


def test_known_names_are_listed():
    assert set(INITIALISERS) == {"he", "relu", "kaiming", "xavier", "sigmoid", "he_uniform", "kaiming_uniform",
                                 "xavier_uniform"}


def test_unknown_name_lists_the_known_ones():
    with pytest.raises(ValueError, match=r"unknown weight_init 'glorot'.*'he'.*'xavier_uniform'"):
        draw("glorot")


@pytest.mark.parametrize("bad", [-0.1, float("nan"), float("inf")])
def test_bad_standard_deviation_is_rejected(bad):
    with pytest.raises(ValueError, match="standard deviation"):
        draw(bad)


def test_bad_fan_and_rng_are_rejected():
    with pytest.raises(ValueError, match="fan_in must be a whole number >= 1"):
        initialize("he", 0, 3, np.random.default_rng(0))
    with pytest.raises(TypeError, match="numpy.random.Generator"):
        initialize("he", 2, 3, 0)
