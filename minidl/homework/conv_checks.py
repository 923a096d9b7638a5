"""The checks of the chapter 7 exercises: im2col and col2im, Convolution, Pooling, SimpleConvNet.

Every layer is compared with a reference on the same arrays: ``im2col`` and
``col2im`` with :mod:`minidl.homework.book_layout` (minidl's own, in the
book's layout), the layers with :class:`minidl.layers.Convolution` and
:class:`minidl.layers.Pooling`, whose backward passes are tested against
finite differences and PyTorch in minidl's own tests. A reference gives the
exact numbers, so the checks need no finite differences of their own (and
take milliseconds); ties in max pooling, where the gradient is not unique,
are checked by the properties every right answer has. The network is
checked as the two-layer net is, by :func:`minidl.homework.checks.check_network`.

Visible checks use non-square images and windows, overlapping windows and
a padding; hidden ones draw the shapes, strides and paddings from the
grader's seed, with a stride of 2 or 3 where the visible check's is 1, so
that an argument left unused is caught.
"""

from __future__ import annotations

from functools import partial

import numpy as np

from minidl.homework import book_layout, conv_hints
from minidl.homework.checks import CheckReport, check_network
from minidl.homework.checks.hints import gradient_hint
from minidl.homework.exercise import Check, Exercise, compare, student_attribute, unlike
from minidl.layers import Affine, Convolution, Pooling, ReLU
from minidl.layers.im2col import output_size
from minidl.losses import SoftmaxWithLoss


def _compare(report, row, actual, expected, hint=""):
    """:func:`compare` to a relative 1e-8, the floor a thousandth of the largest expected value.

    The student's products may add up in another order (einsum, a loop):
    rounding then moves an entry by about 1e-16 times the sum of its terms'
    sizes, so an entry that cancels to almost zero is judged against the
    array's scale, not its own. A real mistake moves entries by their own size.
    """
    scale = float(np.abs(np.asarray(expected, dtype=np.float64)).max(initial=0.0))
    return compare(report, row, actual, expected, tolerance=1e-8, floor=max(1e-3 * scale, 1e-12), hint=hint)


# ============================================================ im2col and col2im
#: (N, C, H, W), filter_h, filter_w, stride, pad of the visible checks: non-square, overlapping, padded.
VISIBLE_WINDOWS = ((2, 3, 5, 6), 3, 2, 1, 1)


def _windows(rng, hidden):
    """Images and windows: the visible ones, or drawn (any stride and padding that fit, never the visible ones)."""
    if not hidden:
        return VISIBLE_WINDOWS

    def draw():
        shape = (int(rng.integers(1, 4)), int(rng.integers(1, 4)), int(rng.integers(3, 8)), int(rng.integers(3, 8)))
        filter_h, filter_w = int(rng.integers(1, 5)), int(rng.integers(1, 5))
        # A stride of 2 or 3 (the visible checks' is 1), a padding of 0 to 2.
        stride, pad = int(rng.integers(2, 4)), int(rng.integers(0, 3))
        fits = shape[2] + 2 * pad >= filter_h and shape[3] + 2 * pad >= filter_w
        return (shape, filter_h, filter_w, stride, pad) if fits else VISIBLE_WINDOWS

    return unlike(VISIBLE_WINDOWS, draw)


def _describe(shape, filter_h, filter_w, stride, pad):
    return f"images {shape}, a {filter_h}x{filter_w} window, stride {stride}, pad {pad}"


def im2col_values(module, rng, hidden=False):
    shape, filter_h, filter_w, stride, pad = _windows(rng, hidden)
    x = rng.standard_normal(shape)
    report = CheckReport(f"im2col on {_describe(shape, filter_h, filter_w, stride, pad)}")
    col = student_attribute(module, "im2col")(x.copy(), filter_h, filter_w, stride, pad)
    expected = book_layout.im2col(x, filter_h, filter_w, stride, pad)
    out_h, out_w = output_size(shape[2], filter_h, stride, pad), output_size(shape[3], filter_w, stride, pad)
    sizes = (shape[0], out_h, out_w, shape[1], filter_h, filter_w)
    names = ("N", "out_h", "out_w", "C", "filter_h", "filter_w")
    if np.shape(col) != expected.shape:
        report.add("col", False, f"shape {np.shape(col)}, expected {expected.shape}",
                   hint=conv_hints.im2col_shape_hint(np.shape(col), shape, filter_h, filter_w, stride, pad))
        return report
    _compare(report, "col", col, expected,
             hint=lambda actual, right: conv_hints.axes_order_hint(actual, right, sizes, names, "col"))
    return report


def col2im_values(module, rng, hidden=False):
    shape, filter_h, filter_w, stride, pad = _windows(rng, hidden)
    rows = shape[0] * output_size(shape[2], filter_h, stride, pad) * output_size(shape[3], filter_w, stride, pad)
    col = rng.standard_normal((rows, shape[1] * filter_h * filter_w))
    report = CheckReport(f"col2im on {_describe(shape, filter_h, filter_w, stride, pad)}")
    dx = student_attribute(module, "col2im")(col.copy(), shape, filter_h, filter_w, stride, pad)
    expected = book_layout.col2im(col, shape, filter_h, filter_w, stride, pad)
    if np.shape(dx) != expected.shape:
        report.add("image", False, f"shape {np.shape(dx)}, expected {expected.shape}",
                   hint=conv_hints.padded_shape_hint(np.shape(dx), shape, pad))
        return report
    # How many windows each pixel lies in: col2im of ones.
    coverage = book_layout.col2im(np.ones_like(col), shape, filter_h, filter_w, stride, pad)
    _compare(report, "image", dx, expected, hint=lambda actual, right: conv_hints.overlap_hint(actual, right, coverage))
    return report


# ============================================================ Convolution
#: (N, C, H, W), (FN, C, FH, FW), stride, pad of the visible checks.
VISIBLE_CONVOLUTION = ((2, 3, 5, 6), (4, 3, 3, 2), 1, 1)


def _convolution_problem(rng, hidden):
    if not hidden:
        return VISIBLE_CONVOLUTION

    def draw():
        channels = int(rng.integers(1, 4))
        shape = (int(rng.integers(1, 4)), channels, int(rng.integers(4, 9)), int(rng.integers(4, 9)))
        filters = (int(rng.integers(1, 5)), channels, int(rng.integers(1, 5)), int(rng.integers(1, 5)))
        return shape, filters, int(rng.integers(2, 4)), int(rng.integers(0, 3))  # stride 2 or 3, pad 0 to 2

    return unlike(VISIBLE_CONVOLUTION, draw)


def _convolution(module, rng, hidden):
    shape, filters, stride, pad = _convolution_problem(rng, hidden)
    W, b = rng.standard_normal(filters), rng.standard_normal(filters[0])
    layer = student_attribute(module, "Convolution")(W.copy(), b.copy(), stride, pad)
    subject = f"Convolution on images {shape}, W {filters}, stride {stride}, pad {pad}"
    return layer, Convolution(W, b, stride, pad), rng.standard_normal(shape), (W, b, stride, pad), subject


def _forward_rows(report, layer, reference, x, problem):
    W, b, stride, pad = problem
    out, expected = layer.forward(x.copy()), reference.forward(x)
    col = book_layout.im2col(x, W.shape[2], W.shape[3], stride, pad)
    sizes = (x.shape[0], W.shape[0], *expected.shape[2:])

    def hint(actual, right):
        return (conv_hints.axes_order_hint(actual, right, sizes, ("N", "FN", "out_h", "out_w"), "out")
                or conv_hints.filter_hint(actual, col, W, b))

    return _compare(report, "forward values", out, expected, hint=hint)


def _backward_rows(report, layer, reference, x, rng):
    dout = rng.standard_normal(reference.forward(x).shape)
    layer.forward(x.copy())
    dx = layer.backward(dout.copy())
    expected_dx = reference.backward(dout)
    _compare(report, "gradient dx", dx, expected_dx, hint=partial(gradient_hint, name="dx", against="the expected dx"))
    _compare(report, "gradient dW", getattr(layer, "dW", None), reference.dW,
             hint=lambda actual, right: conv_hints.filter_gradient_hint(actual, right)
             or gradient_hint(actual, right, "dW", against="the expected dW"))
    _compare(report, "gradient db", getattr(layer, "db", None), reference.db,
             hint=partial(gradient_hint, name="db", against="the expected db"))


def convolution_forward(module, rng):
    layer, reference, x, problem, subject = _convolution(module, rng, False)
    report = CheckReport(subject + ": forward")
    _forward_rows(report, layer, reference, x, problem)
    return report


def convolution_backward(module, rng):
    layer, reference, x, _, subject = _convolution(module, rng, False)
    report = CheckReport(subject + ": backward, against minidl's Convolution")
    _backward_rows(report, layer, reference, x, rng)
    return report


def convolution_hidden(module, rng):
    layer, reference, x, problem, subject = _convolution(module, rng, True)
    report = CheckReport(subject)
    if _forward_rows(report, layer, reference, x, problem):
        _backward_rows(report, layer, reference, x, rng)
    return report


# ============================================================ Pooling
#: (N, C, H, W), pool_h, pool_w, stride, pad of the visible checks: overlapping, non-square windows.
VISIBLE_POOLING = ((2, 3, 6, 7), 3, 2, 2, 0)


def _pooling_problem(rng, hidden):
    if not hidden:
        return VISIBLE_POOLING

    def draw():
        pool_h, pool_w = int(rng.integers(2, 4)), int(rng.integers(2, 4))
        shape = (int(rng.integers(1, 4)), int(rng.integers(1, 4)), int(rng.integers(4, 9)), int(rng.integers(4, 9)))
        # A padding, at most half the window (a window of padding only has no maximum).
        return shape, pool_h, pool_w, int(rng.integers(1, 3)), int(rng.integers(1, min(pool_h, pool_w) // 2 + 1))

    return unlike(VISIBLE_POOLING, draw)


def _pooling(module, rng, hidden):
    shape, pool_h, pool_w, stride, pad = _pooling_problem(rng, hidden)
    layer = student_attribute(module, "Pooling")(pool_h, pool_w, stride, pad)
    subject = f"Pooling {pool_h}x{pool_w} on images {shape}, stride {stride}, pad {pad}"
    return layer, Pooling(pool_h, pool_w, stride, pad), rng.standard_normal(shape), subject


def _touches_padding(shape, pool_h, pool_w, stride, pad):
    """For each output position: does its window cover a padded pixel?"""
    inside = np.ones(shape)
    padded = book_layout.im2col(inside, pool_h, pool_w, stride, pad).reshape(-1, pool_h * pool_w)
    batch, channels = shape[:2]
    out_h, out_w = output_size(shape[2], pool_h, stride, pad), output_size(shape[3], pool_w, stride, pad)
    return (padded.min(axis=1) == 0).reshape(batch, out_h, out_w, channels).transpose(0, 3, 1, 2)


def _pooling_forward_rows(report, layer, reference, x):
    out, expected = layer.forward(x.copy()), reference.forward(x)
    sizes = (x.shape[0], x.shape[1], *expected.shape[2:])
    touches = _touches_padding(x.shape, reference.pool_h, reference.pool_w, reference.stride, reference.pad)

    def hint(actual, right):
        return (conv_hints.axes_order_hint(actual, right, sizes, ("N", "C", "out_h", "out_w"), "out")
                or conv_hints.zero_padding_hint(actual, right, touches))

    return _compare(report, "forward values", out, expected, hint=hint)


def _pooling_backward_rows(report, layer, reference, x, rng):
    dout = rng.standard_normal(reference.forward(x).shape)
    layer.forward(x.copy())
    _compare(report, "gradient dx", layer.backward(dout.copy()), reference.backward(dout))


def pooling_forward(module, rng):
    layer, reference, x, subject = _pooling(module, rng, False)
    report = CheckReport(subject + ": forward")
    _pooling_forward_rows(report, layer, reference, x)
    return report


def pooling_backward(module, rng):
    layer, reference, x, subject = _pooling(module, rng, False)
    report = CheckReport(subject + ": backward, against minidl's Pooling (no ties)")
    _pooling_backward_rows(report, layer, reference, x, rng)
    return report


def pooling_hidden(module, rng):
    layer, reference, x, subject = _pooling(module, rng, True)
    report = CheckReport(subject)
    if _pooling_forward_rows(report, layer, reference, x):
        _pooling_backward_rows(report, layer, reference, x, rng)
    return report


def pooling_ties(module, rng):
    """Windows with tied maxima, side by side (stride = window): where may each window's dout go?

    Every right answer gives each window's ``dout`` to its maxima only, in
    shares between 0 and 1 that add up to 1 (see the exercise's text on
    ties); nothing else is asked, so argmax (first or last) and equal shares
    all pass.
    """
    batch, channels, pool = 2, 2, 2
    x = rng.integers(0, 3, size=(batch, channels, 4, 6)).astype(np.float64)  # three values: many ties
    layer = student_attribute(module, "Pooling")(pool, pool, pool, 0)
    report = CheckReport(f"Pooling {pool}x{pool}, stride {pool}, on images {x.shape} of the values 0, 1, 2 (ties)")
    out = layer.forward(x.copy())
    windows = x.reshape(batch, channels, 2, pool, 3, pool).transpose(0, 1, 2, 4, 3, 5).reshape(batch, channels, 2, 3, -1)
    maximum = windows.max(axis=-1)
    if not _compare(report, "forward values", out, maximum):
        return report
    dout = rng.uniform(0.5, 1.5, size=maximum.shape) * rng.choice([-1.0, 1.0], size=maximum.shape)
    dx = layer.backward(dout.copy())
    if np.shape(dx) != x.shape:
        report.add("gradient dx", False, f"shape {np.shape(dx)}, expected {x.shape}")
        return report
    shares = np.asarray(dx, dtype=np.float64).reshape(batch, channels, 2, pool, 3, pool).transpose(
        0, 1, 2, 4, 3, 5).reshape(windows.shape) / dout[..., None]
    is_max = windows == maximum[..., None]
    off_max = np.abs(shares[~is_max]).max(initial=0.0)
    report.add("gradient at the maxima only", off_max == 0, "zero wherever a pixel is not its window's maximum"
               if off_max == 0 else f"a pixel that is not its window's maximum gets {off_max:.3g} x dout")
    totals = shares.sum(axis=-1)
    ties = is_max.sum(axis=-1)
    whole = bool(np.allclose(totals, 1.0, rtol=0, atol=1e-12))
    hint = ""
    if not whole and np.allclose(totals, ties, rtol=0, atol=1e-12):
        hint = ("each of a window's tied maxima got all of its dout (a mask x == max): raise the k tied pixels "
                "together by e and the maximum rises by e, not k e; give dout to one of them (np.argmax), or "
                "an equal share (mask / mask.sum()) to each")
    report.add("each window passes on its dout once", whole, "the shares of each window add up to 1" if whole else
               f"a window with {int(ties.flat[np.argmax(np.abs(totals - 1))])} tied maxima passes on "
               f"{float(totals.flat[np.argmax(np.abs(totals - 1))]):.3g} x its dout, expected 1 x", hint=hint)
    between = bool(((shares[is_max] >= -1e-12) & (shares[is_max] <= 1 + 1e-12)).all())
    report.add("shares between 0 and 1", between, "each maximum gets a share of dout between 0 and 1" if between
               else "a maximum gets a share of its window's dout outside [0, 1]")
    return report


# ============================================================ SimpleConvNet
#: input_dim, conv_param, hidden_size, output_size of the visible checks.
VISIBLE_NET = ((1, 8, 7), {"filter_num": 3, "filter_size": 3, "pad": 0, "stride": 1}, 5, 4)


def _net_problem(rng, hidden):
    if not hidden:
        return VISIBLE_NET

    def draw():
        # A padding (1 or 2) and a stride (2 or 3), where the visible check has neither.
        size, pad, stride = int(rng.integers(2, 4)), int(rng.integers(1, 3)), int(rng.integers(2, 4))
        input_dim = (int(rng.integers(1, 3)), int(rng.integers(6, 12)), int(rng.integers(6, 12)))
        conv = {"filter_num": int(rng.integers(2, 4)), "filter_size": size, "pad": pad, "stride": stride}
        return input_dim, conv, int(rng.integers(3, 7)), int(rng.integers(2, 5))

    def too_small(problem):  # the pooled images must keep a pixel
        (_, height, width), conv = problem[0], problem[1]
        return min(output_size(size, conv["filter_size"], conv["stride"], conv["pad"]) for size in (height, width)) < 2

    return unlike(lambda problem: problem == VISIBLE_NET or too_small(problem), draw)


def _net(module, rng, hidden):
    input_dim, conv, hidden_size, classes = _net_problem(rng, hidden)
    net = student_attribute(module, "SimpleConvNet")(input_dim, dict(conv), hidden_size, classes,
                                                     weight_init_std=0.3, seed=int(rng.integers(2**31)))
    for key in ("b1", "b2", "b3"):  # non-zero biases, set in place: the layers hold these very arrays
        net.params[key][...] = rng.standard_normal(net.params[key].shape) * 0.1
    batch = 3 if hidden else 4
    x = rng.standard_normal((batch, *input_dim))
    subject = f"SimpleConvNet(input_dim={input_dim}, conv_param={conv}, hidden_size={hidden_size}, output_size={classes})"
    return net, x, rng.integers(0, classes, size=batch), conv, subject


def _pooled_features(input_dim, conv):
    _, height, width = input_dim
    sizes = [output_size(size, conv["filter_size"], conv["stride"], conv["pad"]) // 2 for size in (height, width)]
    return conv["filter_num"] * sizes[0] * sizes[1]


def _features_hint(rows, input_dim, conv):
    """Which usual slip gives ``rows`` features: the padding or the stride left out, the book's formula."""
    _, height, width = input_dim
    filters, size, pad, stride = conv["filter_num"], conv["filter_size"], conv["pad"], conv["stride"]
    slips = {
        "the padding left out": [(s - size) // stride + 1 for s in (height, width)],
        "the stride left out": [s + 2 * pad - size + 1 for s in (height, width)],
        "the height used for the width too": [(height + 2 * pad - size) // stride + 1] * 2,
    }
    found = [what for what, (conv_h, conv_w) in slips.items() if filters * (conv_h // 2) * (conv_w // 2) == rows
             and rows != _pooled_features(input_dim, conv)]
    conv_h = output_size(height, size, stride, pad)
    if int(filters * (conv_h / 2) * (conv_h / 2)) == rows and conv_h % 2 and "the height used for the width too" \
            not in found:
        found.append("the book's int(filter_num * (conv_output_size / 2) ** 2), right only for an even, square output")
    return f"that is the number with {found[0]}" if len(found) == 1 else ""


def _scores(net, x, conv):
    """The scores of minidl's layers on the net's own parameters: the reference of predict and loss."""
    p = net.params
    for layer in (Convolution(p["W1"], p["b1"], conv["stride"], conv["pad"]), ReLU(), Pooling(2, 2, stride=2),
                  Affine(p["W2"], p["b2"]), ReLU(), Affine(p["W3"], p["b3"])):
        x = layer.forward(x)
    return x


def _predict_rows(report, net, x, conv):
    input_dim = x.shape[1:]
    rows, expected_rows = net.params["W2"].shape[0], _pooled_features(input_dim, conv)
    if not report.add("inputs of the first affine layer", rows == expected_rows,
                      f"W2 has {rows} rows" + ("" if rows == expected_rows else (
                          f", expected filter_num * (conv_h // 2) * (conv_w // 2) = {expected_rows}")),
                      hint="" if rows == expected_rows else _features_hint(rows, input_dim, conv)):
        return False
    return _compare(report, "scores", net.predict(x.copy()), _scores(net, x, conv))


def net_predict(module, rng):
    net, x, _, conv, subject = _net(module, rng, False)
    report = CheckReport(f"{subject}.predict on a batch of shape {x.shape}")
    _predict_rows(report, net, x, conv)
    return report


def net_loss(module, rng):
    net, x, t, conv, subject = _net(module, rng, False)
    report = CheckReport(f"{subject}.loss on a batch of shape {x.shape}")
    _compare(report, "loss", net.loss(x.copy(), t.copy()), SoftmaxWithLoss().forward(_scores(net, x, conv), t))
    return report


def net_gradient(module, rng):
    net, x, t, _, _ = _net(module, rng, False)
    return check_network(net, x, t, seed=int(rng.integers(2**31)))


def net_hidden(module, rng):
    net, x, t, conv, subject = _net(module, rng, True)
    report = CheckReport(f"{subject} on a batch of shape {x.shape}")
    if _predict_rows(report, net, x, conv):
        gradients = check_network(net, x, t, seed=int(rng.integers(2**31)))
        report.rows += gradients.rows
    return report


# ============================================================ the exercises
IM2COL = Exercise("im2col", "im2col and col2im: windows as rows, and back", 7, "im2col.py", (
    Check("im2col values", 3, False, im2col_values),
    Check("col2im values", 3, False, col2im_values),
    Check("im2col, other shapes, strides and padding", 2, True, partial(im2col_values, hidden=True)),
    Check("col2im, other shapes, strides and padding", 2, True, partial(col2im_values, hidden=True)),
))

CONVOLUTION = Exercise("convolution", "Convolution layer: forward and backward on im2col", 7, "convolution.py", (
    Check("forward values", 3, False, convolution_forward),
    Check("gradients dx, dW, db", 4, False, convolution_backward),
    Check("forward and gradients, other shapes, strides and padding", 3, True, convolution_hidden),
))

POOLING = Exercise("pooling", "Max pooling: forward and backward, ties included", 7, "pooling.py", (
    Check("forward values", 3, False, pooling_forward),
    Check("gradient dx", 3, False, pooling_backward),
    Check("ties", 2, False, pooling_ties),
    Check("forward and gradient, other windows and padding", 2, True, pooling_hidden),
))

SIMPLE_CONV_NET = Exercise("simple_conv_net", "SimpleConvNet's sizes and gradient, by backpropagation", 7,
                           "simple_conv_net.py", (
    Check("sizes and predict", 2, False, net_predict),
    Check("loss", 2, False, net_loss),
    Check("gradient (check_network)", 3, False, net_gradient),
    Check("sizes, predict and gradient, other sizes", 3, True, net_hidden),
))
