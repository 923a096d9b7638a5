"""Chapter 7's checks: the book's layout they compare with, and hints given only where the numbers tell."""

import numpy as np
import pytest

from minidl.homework import book_layout, conv_hints
from minidl.layers import im2col as per_image


def test_the_book_layout_is_minidls_im2col_one_row_a_window():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 3, 5, 6))
    col = book_layout.im2col(x, 3, 2, stride=2, pad=1)
    assert col.shape == (2 * 3 * 4, 3 * 3 * 2)
    # Row (n, y, x), column (c, i, j): the window at (y, x) of image n, channel c, offset (i, j).
    padded = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
    assert col[1 * 12 + 2 * 4 + 3, 2 * 6 + 1 * 2 + 1] == padded[1, 2, 2 * 2 + 1, 3 * 2 + 1]
    np.testing.assert_array_equal(col, per_image.im2col(x, 3, 2, 2, 1).transpose(0, 2, 1).reshape(col.shape))
    assert book_layout.im2col(x.astype(np.float32), 3, 2).dtype == np.float32


def test_col2im_is_the_adjoint_of_im2col():
    # <im2col(x), c> = <x, col2im(c)> for every x and c: col2im is the backward pass of the copy.
    rng = np.random.default_rng(1)
    for shape, filter_h, filter_w, stride, pad in [((2, 3, 5, 6), 3, 2, 1, 1), ((1, 2, 7, 4), 2, 3, 2, 2)]:
        x = rng.standard_normal(shape)
        col = book_layout.im2col(x, filter_h, filter_w, stride, pad)
        c = rng.standard_normal(col.shape)
        back = book_layout.col2im(c, shape, filter_h, filter_w, stride, pad)
        assert back.shape == shape
        assert np.isclose(np.sum(col * c), np.sum(x * back), rtol=1e-12)


def test_col2im_names_a_col_that_does_not_fit_its_arguments():
    with pytest.raises(ValueError, match=r"col2im: col has shape \(70, 18\), but images of shape \(2, 3, 5, 6\) "
                                         r"with a 3x2 window, stride 1 and pad 0 give \(30, 18\)"):
        book_layout.col2im(np.zeros((70, 18)), (2, 3, 5, 6), 3, 2, 1, 0)


def test_an_axis_of_size_one_is_left_out_of_the_order_named():
    rng = np.random.default_rng(2)
    expected = rng.standard_normal((1, 3, 4, 2))
    swapped = expected.transpose(0, 2, 1, 3)
    hint = conv_hints.axes_order_hint(swapped, expected, (1, 3, 4, 2), ("N", "A", "B", "C"), "out")
    assert "in the order (B, A, C) of the axes, not (A, B, C)" in hint
    # Numbers that are no reordering of the right ones get no hint.
    assert conv_hints.axes_order_hint(swapped + 1, expected, (1, 3, 4, 2), ("N", "A", "B", "C"), "out") == ""


def test_no_overlap_hint_where_no_windows_overlap():
    # Stride = window: every pixel lies in one window at most, so = and += cannot be told apart.
    coverage = book_layout.col2im(np.ones((6, 4)), (1, 1, 4, 6), 2, 2, 2, 0)
    assert coverage.max() == 1
    expected = np.random.default_rng(3).standard_normal((1, 1, 4, 6))
    assert conv_hints.overlap_hint(expected * 2, expected, coverage) == ""


def test_no_filter_hint_when_col_W_cannot_be_read_back():
    rng = np.random.default_rng(4)
    x, W, b = rng.standard_normal((1, 2, 3, 3)), rng.standard_normal((2, 2, 3, 3)), np.zeros(2)
    col = book_layout.im2col(x, 3, 3)  # one window, 18 pixels: fewer rows than columns
    out = (col @ W.reshape(-1, 2)).reshape(1, 1, 1, 2).transpose(0, 3, 1, 2)
    assert col.shape == (1, 18) and conv_hints.filter_hint(out, col, W, b) == ""


def test_no_zero_padding_hint_without_padding():
    expected = -np.ones((1, 1, 2, 2))
    assert conv_hints.zero_padding_hint(np.zeros((1, 1, 2, 2)), expected, np.zeros((1, 1, 2, 2), bool)) == ""
