"""Pooling: hand-computed maxima, ties, numerical gradients (check_layer), float32, clear errors."""

import numpy as np
import pytest

from minidl.homework.checks import check_layer
from minidl.layers import Pooling


def test_forward_and_backward_by_hand():
    x = np.array([[[[1.0, 5.0, 2.0, 0.0], [3.0, 4.0, 8.0, 7.0]]]])
    pool = Pooling(2, 2)
    np.testing.assert_array_equal(pool.forward(x), [[[[5.0, 8.0]]]])
    np.testing.assert_array_equal(pool.backward(np.array([[[[10.0, 20.0]]]])),
                                  [[[[0.0, 10.0, 0.0, 0.0], [0.0, 0.0, 20.0, 0.0]]]])


def test_a_tie_sends_the_gradient_to_the_first_maximum_only():
    # After a ReLU whole windows are 0; the gradient must not be counted four times.
    pool = Pooling(2, 2)
    pool.forward(np.zeros((1, 1, 2, 2)))
    np.testing.assert_array_equal(pool.backward(np.ones((1, 1, 1, 1))), [[[[1.0, 0.0], [0.0, 0.0]]]])


def test_padding_is_never_the_maximum():
    out = Pooling(2, 2, stride=2, pad=1).forward(-np.ones((1, 1, 2, 2)))
    np.testing.assert_array_equal(out, -np.ones((1, 1, 2, 2)))


@pytest.mark.parametrize(("pool", "input_shape"), [
    ((2, 2, None, 0), (2, 3, 4, 6)),
    ((3, 3, 2, 1), (2, 2, 7, 5)),
    ((3, 2, 1, 0), (1, 2, 5, 6)),
])
def test_gradients_match_numerical(pool, input_shape):
    check_layer(Pooling(*pool), input_shape, raise_on_failure=True)


def test_stride_defaults_to_the_window_and_shapes_and_float32_follow():
    pool = Pooling(2, 2)
    out = pool.forward(np.ones((3, 4, 7, 9), np.float32))
    assert pool.stride == 2 and out.shape == (3, 4, 3, 4) and out.dtype == np.float32
    dx = pool.backward(np.ones_like(out))
    assert dx.shape == (3, 4, 7, 9) and dx.dtype == np.float32
    assert repr(pool) == "Pooling(2x2, stride=2, pad=0)"


def test_refuses_bad_settings_and_images():
    with pytest.raises(ValueError, match="a 3x2 window needs an explicit stride"):
        Pooling(3, 2)
    with pytest.raises(ValueError, match=r"Pooling pad must be a whole number in \[0, 1\] \(at most half the 2x2 "
                                         r"window\); got 2;"):
        Pooling(2, 2, pad=2)
    with pytest.raises(ValueError, match="Pooling pool_h must be a whole number >= 1"):
        Pooling(0, 2)
    with pytest.raises(ValueError, match=r"images of shape \(N, C, H, W\); got an array of shape \(4, 4\)"):
        Pooling(2, 2).forward(np.zeros((4, 4)))
    with pytest.raises(ValueError, match="2x2 window does not fit into images of 1x5"):
        Pooling(2, 2).forward(np.zeros((1, 1, 1, 5)))
