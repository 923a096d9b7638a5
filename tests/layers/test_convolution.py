"""Convolution: a hand-computed case, numerical gradients (check_layer), float32, clear errors."""

import numpy as np
import pytest

from minidl.homework.checks import check_layer
from minidl.layers import Convolution


def layer(shape=(2, 3, 3, 2), stride=1, pad=0, dtype=np.float64, seed=0, **kwargs):
    rng = np.random.default_rng(seed)
    return Convolution(rng.standard_normal(shape).astype(dtype), rng.standard_normal(shape[0]).astype(dtype),
                       stride=stride, pad=pad, **kwargs)


def test_forward_by_hand():
    # A 2x2 filter summing the window's left column minus its right one, bias 1.
    conv = Convolution(np.array([[[[1.0, -1.0], [1.0, -1.0]]]]), np.array([1.0]))
    x = np.array([[[[1.0, 2.0, 4.0], [3.0, 5.0, 9.0]]]])
    np.testing.assert_array_equal(conv.forward(x), [[[[1 + 1 + 3 - 2 - 5, 1 + 2 + 5 - 4 - 9]]]])


@pytest.mark.parametrize(("filters", "input_shape", "stride", "pad"), [
    ((2, 1, 3, 3), (2, 1, 5, 5), 1, 0),
    ((2, 3, 3, 2), (2, 3, 6, 5), 2, 1),
    ((3, 2, 2, 3), (1, 2, 7, 8), 3, 2),
])
def test_gradients_match_numerical(filters, input_shape, stride, pad):
    check_layer(layer(filters, stride, pad), input_shape, raise_on_failure=True)


def test_output_shape_and_float32():
    conv = layer((4, 3, 3, 2), stride=2, pad=1, dtype=np.float32)
    out = conv.forward(np.ones((5, 3, 7, 6), np.float32))
    assert out.shape == (5, 4, 4, 4) and out.dtype == np.float32
    dx = conv.backward(np.ones_like(out))
    assert dx.shape == (5, 3, 7, 6) and {dx.dtype, conv.dW.dtype, conv.db.dtype} == {np.dtype(np.float32)}


def test_can_skip_the_input_gradient_but_keeps_parameter_gradients():
    x = np.random.default_rng(1).standard_normal((2, 3, 5, 4))
    full, partial = layer(), layer(needs_input_gradient=False)
    dout = np.random.default_rng(2).standard_normal(full.forward(x).shape)
    partial.forward(x)
    full.backward(dout)
    assert partial.backward(dout) is None
    np.testing.assert_array_equal(partial.dW, full.dW)
    np.testing.assert_array_equal(partial.db, full.db)


def test_holds_references_so_in_place_updates_take_effect():
    W, b = np.zeros((1, 1, 1, 1)), np.zeros(1)
    conv = Convolution(W, b)
    W += 2.0
    b += 1.0
    np.testing.assert_array_equal(conv.forward(np.ones((1, 1, 2, 2))), np.full((1, 1, 2, 2), 3.0))


def test_repr_says_what_it_is():
    assert repr(layer((30, 1, 5, 5), stride=2, pad=1)) == "Convolution(1 -> 30, 5x5, stride=2, pad=1)"


@pytest.mark.parametrize(("x_shape", "fragments"), [
    ((2, 5, 5), ["images of shape (N, 3, H, W)", "(2, 5, 5)", "x.reshape(N, 1, H, W)"]),
    ((2, 1, 5, 5), ["(N, 3, H, W) (3 channels)", "(2, 1, 5, 5) (1 channels)"]),
    ((2, 3, 2, 5), ["3x2 window does not fit into images of 2x5"]),
])
def test_refuses_images_of_the_wrong_shape(x_shape, fragments):
    with pytest.raises(ValueError) as raised:
        layer().forward(np.zeros(x_shape))
    for fragment in fragments:
        assert fragment in str(raised.value)


def test_refuses_bad_parameters():
    with pytest.raises(ValueError, match=r"W of shape \(filters, channels, filter_h, filter_w\).*\(3, 3\)"):
        Convolution(np.zeros((3, 3)), np.zeros(3))
    with pytest.raises(ValueError, match=r"b of shape \(filters,\).*b \(3,\)"):
        Convolution(np.zeros((2, 1, 3, 3)), np.zeros(3))
    with pytest.raises(ValueError, match="Convolution stride must be a whole number >= 1"):
        layer(stride=0)
    with pytest.raises(ValueError, match=r"Convolution pad must be a whole number >= 0.*-1"):
        layer(pad=-1)
