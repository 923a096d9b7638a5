"""Hints for the chapter 7 exercises: read a wrong array for the mistake that made it.

Each function returns a sentence, or ``""`` when the numbers do not fit its
pattern; a failed check shows the first that fits. Each pattern is a fact
the check can establish from the numbers, so a hint never names a cause the
check cannot tell apart from another:

==========================================  ===========================================
the wrong array is                          the hint says
==========================================  ===========================================
the right one with its axes in another      the order of the axes found, and that a
order (then reshaped)                       transpose must come before the reshape
right where a pixel lies in one window,     add (+=) the entries of overlapping windows
wrong where windows overlap
of the padded image's shape                 cut the padding off
a convolution with the filter's numbers     the reshape of W (naming it when it is one
in other places                             of the usual ones)
max pooling with zeros for the padding      padding counts as -inf
==========================================  ===========================================
"""

from __future__ import annotations

import itertools

import numpy as np

from minidl.homework.checks.hints import close


def axes_order_hint(actual, expected, sizes, names, what):
    """``actual`` is ``expected`` (of axes ``sizes`` called ``names``) with its axes in another order.

    ``expected.reshape(sizes)`` has its axes in the right order; every other
    order is tried, transposed and reshaped to ``actual``'s shape. Axes of
    size 1 are left out of the sentence: where they stand changes nothing,
    so the check cannot tell.
    """
    actual = np.asarray(actual, dtype=np.float64)
    expected = np.asarray(expected, dtype=np.float64).reshape(sizes)
    if actual.size != expected.size or close(actual, expected.reshape(actual.shape)):
        return ""
    for order in itertools.permutations(range(len(sizes))):
        if order == tuple(range(len(sizes))):
            continue
        if close(expected.transpose(order).reshape(actual.shape), actual):
            found = ", ".join(names[axis] for axis in order if sizes[axis] > 1)
            right = ", ".join(name for name, size in zip(names, sizes) if size > 1)
            return (f"{what} holds the right numbers, but they lie in the order ({found}) of the axes, not "
                    f"({right}): transpose the axes into the order ({right}) before the reshape (a reshape "
                    "regroups the numbers in the order they lie; it never moves one)")
    return ""


def overlap_hint(actual, expected, coverage):
    """Right where a pixel lies in one window (``coverage`` 1), wrong where it lies in several."""
    single, several = coverage <= 1, coverage > 1
    if not several.any() or not close(actual[single], expected[single]) or close(actual[several], expected[several]):
        return ""
    return ("right where a pixel lies in one window only, wrong where windows overlap: a pixel in k windows gets "
            "the sum of its k entries of col (add them with +=, do not assign with =)")


def padded_shape_hint(shape, input_shape, pad):
    """``dx`` of the shape of the padded image."""
    batch, channels, height, width = input_shape
    if pad and tuple(shape) == (batch, channels, height + 2 * pad, width + 2 * pad):
        return (f"that is the shape of the padded image; cut the padding off at the end "
                f"(img[:, :, pad : pad + H, pad : pad + W]): dx has the shape of x, {tuple(input_shape)}")
    return ""


def im2col_shape_hint(shape, input_shape, filter_h, filter_w, stride, pad):
    """An ``im2col`` of another layout (minidl's), or with the padding left out."""
    batch, channels, height, width = input_shape
    out_h, out_w = ((size + 2 * pad - filter) // stride + 1 for size, filter in ((height, filter_h), (width, filter_w)))
    pixels = channels * filter_h * filter_w
    shape = tuple(shape)
    if shape == (batch, pixels, out_h * out_w):
        return ("that is the layout of minidl.layers.im2col, one column a window for each image; this exercise, "
                "like the book's Convolution, wants one row a window: (N * out_h * out_w, C * filter_h * filter_w)")
    if shape == (pixels, batch * out_h * out_w):
        return "that is col transposed: one row a window, one column a pixel of the window"
    unpadded = ((height - filter_h) // stride + 1) * ((width - filter_w) // stride + 1) * batch
    if pad and shape == (unpadded, pixels):
        return f"as many windows as without padding: pad the images with {pad} rows and columns of zeros first"
    return ""


def filter_hint(out, col, W, b):
    """A convolution whose ``col_W`` holds the numbers of ``W`` in other places: the filter reshape.

    ``col_W`` is read back from the output by least squares (``col`` has at
    least as many rows as columns in the checks). The hint is given only when
    the matrix found holds exactly the numbers of ``W``, rearranged.
    """
    filters = W.shape[0]
    if out.ndim != 4 or out.shape[1] != filters or col.shape[0] < col.shape[1]:
        return ""
    target = out.transpose(0, 2, 3, 1).reshape(-1, filters) - b
    found, *_ = np.linalg.lstsq(col, target, rcond=None)
    if not close(col @ found, target) or close(found, W.reshape(filters, -1).T):
        return ""
    if not close(np.sort(found, axis=None), np.sort(W, axis=None)):
        return ""
    usual = {"W.reshape(-1, FN)": W.reshape(-1, filters), "W.T.reshape(-1, FN)": W.T.reshape(-1, filters)}
    named = next((text for text, candidate in usual.items() if close(found, candidate)), "")
    which = f"your col_W is {named}" if named else "your col_W holds the filters' numbers in other places"
    return (f"{which}: W.reshape(FN, -1) keeps filter f in row f, its numbers in the order (channel, row, "
            "column) of col's columns; transpose that (.T) to make one column a filter")


def filter_gradient_hint(actual, expected):
    """``dW`` holding the right numbers in other places."""
    actual, expected = np.asarray(actual, dtype=np.float64), np.asarray(expected, dtype=np.float64)
    if actual.shape != expected.shape or close(actual, expected):
        return ""
    filters = expected.shape[0]
    if close(actual, expected.reshape(filters, -1).T.reshape(expected.shape)):
        return ("dW is col^T dout, of shape (C FH FW, FN), reshaped to W's shape without the transpose: "
                "transpose it to (FN, C FH FW) first")
    if close(np.sort(actual, axis=None), np.sort(expected, axis=None)):
        return ("dW holds the right numbers in other places: col^T dout has one row a pixel of the window and "
                "one column a filter; transpose it to one row a filter, then reshape to (FN, C, FH, FW)")
    return ""


def zero_padding_hint(actual, expected, touches_padding):
    """Max pooling that counted the padding as 0: wrong only at windows over the edge, and there max(right, 0)."""
    actual, expected = np.asarray(actual, dtype=np.float64), np.asarray(expected, dtype=np.float64)
    if actual.shape != expected.shape or not touches_padding.any():
        return ""
    inside = ~touches_padding
    if close(actual[inside], expected[inside]) and close(actual, np.maximum(expected, 0) * touches_padding
                                                         + expected * inside):
        return ("wrong only at windows over the edge, where your maximum is 0 and the pixels are all negative: "
                "the padding counts as -inf, never the maximum (im2col(..., pad_value=-np.inf)); the book's "
                "im2col pads with zeros")
    return ""
