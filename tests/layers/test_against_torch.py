"""Convolution and Pooling equal PyTorch's conv2d and max_pool2d, forward and gradients, in float64.

The fixtures were made by ``make_torch_fixtures.py`` (beside this file; it
lists the cases: stride, padding, several channels, non-square images,
filters and windows). Every output and gradient must match PyTorch's to a
relative error <= 1e-10, measured as max |minidl - torch| / max |torch|.
"""

from pathlib import Path

import numpy as np
import pytest

from minidl.files import load_npz
from minidl.layers import Convolution, Pooling

FIXTURES = Path(__file__).resolve().parent / "fixtures"
TOLERANCE = 1e-10


def load(kind):
    return load_npz(FIXTURES / f"{kind}.npz", what="torch fixture")


def cases(kind):
    _, meta = load(kind)
    return [pytest.param(case, id=case["name"]) for case in meta["cases"]]


def assert_close(mine, theirs, what):
    assert mine.shape == theirs.shape, f"{what}: shape {mine.shape}, torch {theirs.shape}"
    error = np.abs(mine - theirs).max() / np.abs(theirs).max()
    assert error <= TOLERANCE, f"{what}: relative error {error:.2e}"


@pytest.mark.parametrize("case", cases("convolution"))
def test_convolution_equals_torch_conv2d(case):
    arrays, _ = load("convolution")
    get = lambda key: arrays[f"{case['name']}/{key}"]  # noqa: E731
    layer = Convolution(get("W").copy(), get("b").copy(), stride=case["stride"], pad=case["pad"])
    assert_close(layer.forward(get("x")), get("out"), "out")
    assert_close(layer.backward(get("dout")), get("dx"), "dx")
    assert_close(layer.dW, get("dW"), "dW")
    assert_close(layer.db, get("db"), "db")


@pytest.mark.parametrize("case", cases("pooling"))
def test_pooling_equals_torch_max_pool2d(case):
    arrays, _ = load("pooling")
    get = lambda key: arrays[f"{case['name']}/{key}"]  # noqa: E731
    layer = Pooling(case["pool_h"], case["pool_w"], stride=case["stride"], pad=case["pad"])
    assert_close(layer.forward(get("x")), get("out"), "out")
    assert_close(layer.backward(get("dout")), get("dx"), "dx")


def test_the_fixtures_cover_stride_padding_channels_and_non_square_shapes():
    arrays, meta = load("convolution")
    shapes = [arrays[f"{case['name']}/W"].shape for case in meta["cases"]]
    inputs = [arrays[f"{case['name']}/x"].shape for case in meta["cases"]]
    assert {case["stride"] for case in meta["cases"]} >= {1, 2, 3}
    assert {case["pad"] for case in meta["cases"]} >= {0, 1, 2}
    assert any(shape[1] > 1 for shape in shapes) and any(shape[2] != shape[3] for shape in shapes)
    assert any(shape[2] != shape[3] for shape in inputs)
    _, meta = load("pooling")
    assert any(case["pool_h"] != case["pool_w"] for case in meta["cases"])
    assert any(case["pad"] > 0 for case in meta["cases"]) and any(case["stride"] is None for case in meta["cases"])
