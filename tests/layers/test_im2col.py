"""im2col against its definition written as loops; col2im is its adjoint."""

import numpy as np
import pytest

from minidl.layers.im2col import col2im, im2col, output_size

# (N, C, H, W), filter_h, filter_w, stride, pad
SHAPES = [((2, 1, 5, 5), 3, 3, 1, 0), ((2, 3, 7, 6), 3, 2, 2, 1), ((1, 2, 8, 9), 4, 3, 3, 2), ((3, 2, 4, 4), 4, 4, 1, 0)]


def im2col_by_loops(x, filter_h, filter_w, stride, pad):
    """The definition: col[n, (c, i, j), (y, x)] = padded[n, c, y*stride + i, x*stride + j]."""
    batch, channels, height, width = x.shape
    padded = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    out_h, out_w = output_size(height, filter_h, stride, pad), output_size(width, filter_w, stride, pad)
    col = np.zeros((batch, channels, filter_h, filter_w, out_h, out_w))
    for n in range(batch):
        for c in range(channels):
            for i in range(filter_h):
                for j in range(filter_w):
                    for y in range(out_h):
                        for z in range(out_w):
                            col[n, c, i, j, y, z] = padded[n, c, y * stride + i, z * stride + j]
    return col.reshape(batch, channels * filter_h * filter_w, out_h * out_w)


@pytest.mark.parametrize(("shape", "filter_h", "filter_w", "stride", "pad"), SHAPES)
def test_im2col_equals_its_definition(shape, filter_h, filter_w, stride, pad):
    x = np.random.default_rng(0).standard_normal(shape)
    np.testing.assert_array_equal(im2col(x, filter_h, filter_w, stride, pad),
                                  im2col_by_loops(x, filter_h, filter_w, stride, pad))


@pytest.mark.parametrize(("shape", "filter_h", "filter_w", "stride", "pad"), SHAPES)
def test_col2im_is_the_adjoint_of_im2col(shape, filter_h, filter_w, stride, pad):
    # <im2col(x), c> = <x, col2im(c)> for every x and c: col2im is the transpose of the linear map im2col.
    rng = np.random.default_rng(1)
    x = rng.standard_normal(shape)
    col = im2col(x, filter_h, filter_w, stride, pad)
    c = rng.standard_normal(col.shape)
    back = col2im(c, shape, filter_h, filter_w, stride, pad)
    assert back.shape == shape
    np.testing.assert_allclose(np.sum(col * c), np.sum(x * back), rtol=1e-12)


def test_col2im_counts_how_often_each_pixel_was_copied():
    # 3x3 windows with stride 1 over a 4x4 image: corners are in 1 window, the centre 2x2 in 4.
    counts = col2im(np.ones((1, 9, 4)), (1, 1, 4, 4), 3, 3)
    np.testing.assert_array_equal(counts[0, 0], [[1, 2, 2, 1], [2, 4, 4, 2], [2, 4, 4, 2], [1, 2, 2, 1]])


def test_im2col_pads_with_the_value_given_and_keeps_the_dtype():
    col = im2col(np.ones((1, 1, 2, 2), np.float32), 2, 2, pad=1, pad_value=-np.inf)
    assert col.dtype == np.float32 and col.shape == (1, 4, 9)
    assert np.isneginf(col[0, :, 0]).sum() == 3  # the top-left window holds one real pixel
