"""The checks of the layer exercises: Affine, ReLU, Sigmoid, SoftmaxWithLoss.

For every layer: are the forward values right (against minidl's own layer or
the formula), and is ``backward`` the derivative of ``forward``
(:func:`minidl.homework.checks.check_layer`, finite differences)? Hidden checks ask
the same on shapes drawn from the grader's seed.
"""

from __future__ import annotations

import math
from functools import partial

import numpy as np

from minidl.homework.checks import CheckReport, check_layer
from minidl.homework.checks.hints import gradient_hint
from minidl.homework.exercise import Check, Exercise, compare, student_attribute, unlike
from minidl.losses import SoftmaxWithLoss


# ============================================================ Affine
def _affine_sizes(rng, hidden):
    """(batch, fan_in, fan_out): fixed for the visible checks, drawn for the hidden ones."""
    if not hidden:
        return 4, 3, 2
    # Neither the input shape (4, 3) nor W's shape (3, 2) of the visible checks.
    return unlike(lambda sizes: sizes[:2] == (4, 3) or sizes[1:] == (3, 2),
                  lambda: tuple(int(size) for size in rng.integers(2, 7, size=3)))


def _affine(module, rng, hidden):
    batch, fan_in, fan_out = _affine_sizes(rng, hidden)
    W, b = rng.standard_normal((fan_in, fan_out)), rng.standard_normal(fan_out)
    return student_attribute(module, "Affine")(W.copy(), b.copy()), W, b, (batch, fan_in)


def affine_forward(module, rng, hidden=False):
    layer, W, b, input_shape = _affine(module, rng, hidden)
    x = rng.standard_normal(input_shape)
    report = CheckReport(f"Affine.forward on input shape {input_shape}, W {W.shape}")
    compare(report, "forward values", layer.forward(x.copy()), x @ W + b)
    return report


def affine_backward(module, rng, hidden=False):
    layer, _, _, input_shape = _affine(module, rng, hidden)
    return check_layer(layer, input_shape, seed=int(rng.integers(2**31)))


# ============================================================ ReLU and Sigmoid
def _activation_shape(rng, hidden):
    return unlike((4, 5), lambda: tuple(int(size) for size in rng.integers(2, 7, size=2))) if hidden else (4, 5)


def activation_forward(module, rng, class_name, formula):
    """``class_name().forward(x)`` equals ``formula(x)``."""
    x = rng.standard_normal(_activation_shape(rng, False)) * 2
    report = CheckReport(f"{class_name}.forward on input shape {x.shape}")
    compare(report, "forward values", student_attribute(module, class_name)().forward(x.copy()), formula(x))
    return report


def activation_backward(module, rng, class_name, hidden=False):
    """``class_name``'s backward against finite differences of its forward."""
    layer = student_attribute(module, class_name)()
    return check_layer(layer, _activation_shape(rng, hidden), seed=int(rng.integers(2**31)))


def _relu(x):
    return np.maximum(x, 0)


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


# ============================================================ SoftmaxWithLoss
def _scores(rng, hidden, shift=0.0):
    batch, classes = unlike((5, 4), lambda: (int(rng.integers(2, 9)), int(rng.integers(2, 8)))) if hidden else (5, 4)
    return rng.standard_normal((batch, classes)) * 2 + shift, rng.integers(0, classes, size=batch)


#: The constant the book's cross-entropy adds inside the log, ``-log(y + 1e-7)``: an accepted form.
BOOK_LOG_OFFSET = 1e-7


def book_allowance(x, t, offset=BOOK_LOG_OFFSET):
    """How far the book's ``-mean log(y + offset)`` may lie below the exact loss: ``mean log(1 + offset / y)``.

    The book computes the loss from the probabilities with a small constant
    inside the log, so that a probability that rounded to 0 gives a large
    number instead of infinity. That is the same loss to within
    ``log(y + offset) - log(y) = log(1 + offset / y)`` a sample, at most
    ``offset / y``: with the probabilities of these checks (true classes of
    probability 1e-4 and up) some 1e-3 at the very most, usually 1e-6, and
    never more than the value computed here from the true probabilities. A
    smaller constant (``1e-10``, ``1e-12``) lies inside the same allowance.
    A real mistake (no mean, a log of the wrong class, a lost shift) moves
    the loss by more, or makes it not finite.
    """
    shifted = x - x.max(axis=1, keepdims=True)
    log_y = shifted[np.arange(len(t)), t] - np.log(np.exp(shifted).sum(axis=1))
    return float(np.mean(np.log1p(offset / np.exp(log_y))))


def _loss_row(report, row, loss, expected, allowance, overflow_hint=""):
    """Pass a loss within rounding (a relative 1e-9) of ``expected``, or below it by at most ``allowance``."""
    if not isinstance(loss, (float, np.floating)) and np.shape(loss) != ():
        return report.add(row, False, f"forward returned {type(loss).__name__} of shape {np.shape(loss)}; "
                                      "return the mean loss, one number")
    loss = float(loss)
    rounding = 1e-9 * max(1.0, abs(expected))
    passed = math.isfinite(loss) and expected - allowance - rounding <= loss <= expected + rounding
    return report.add(row, passed, f"yours {loss:.9g}, expected {expected:.9g}"
                      + ("" if passed else " (mean over the batch of -log of the true class's probability)"),
                      hint="" if passed or math.isfinite(loss) else overflow_hint)


def softmax_loss(module, rng, hidden=False):
    x, t = _scores(rng, hidden)
    report = CheckReport(f"SoftmaxWithLoss.forward on scores of shape {x.shape}")
    _loss_row(report, "loss value", student_attribute(module, "SoftmaxWithLoss")().forward(x.copy(), t.copy()),
              SoftmaxWithLoss().forward(x, t), book_allowance(x, t))
    return report


def softmax_large_scores(module, rng):
    x, t = _scores(rng, False)
    report = CheckReport(f"SoftmaxWithLoss.forward on scores near 1000, shape {x.shape}")
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        loss = student_attribute(module, "SoftmaxWithLoss")().forward(x + 1000.0, t.copy())
    # Softmax ignores a constant added to every score: the loss must not change.
    _loss_row(report, "loss of scores + 1000", loss, SoftmaxWithLoss().forward(x, t), book_allowance(x, t),
              overflow_hint="exp(1000) overflows to inf: subtract each row's maximum from the scores before "
                            "exp (softmax is unchanged by it)")
    return report


def softmax_backward(module, rng, hidden=False):
    x, t = _scores(rng, hidden)
    layer, reference = student_attribute(module, "SoftmaxWithLoss")(), SoftmaxWithLoss()
    report = CheckReport(f"SoftmaxWithLoss.backward after forward on scores of shape {x.shape}")
    layer.forward(x.copy(), t.copy())
    reference.forward(x, t)
    compare(report, "gradient dx", layer.backward(), reference.backward(),
            hint=partial(gradient_hint, name="dx", against="the expected dx", batch_size=x.shape[0]))
    return report


def softmax_hidden(module, rng):
    report = softmax_loss(module, rng, hidden=True)
    report.rows += softmax_backward(module, rng, hidden=True).rows
    return report


# ============================================================ the exercises
AFFINE = Exercise("affine", "Affine layer: forward and backward", 5, "affine.py", (
    Check("forward values", 2, False, affine_forward),
    Check("gradients dx, dW, db", 4, False, affine_backward),
    Check("forward values, other shapes", 2, True, partial(affine_forward, hidden=True)),
    Check("gradients, other shapes", 2, True, partial(affine_backward, hidden=True)),
))

RELU = Exercise("relu", "ReLU layer: forward and backward", 5, "relu.py", (
    Check("forward values", 2, False, partial(activation_forward, class_name="ReLU", formula=_relu)),
    Check("gradient dx", 2, False, partial(activation_backward, class_name="ReLU")),
    Check("gradient, other shapes", 1, True, partial(activation_backward, class_name="ReLU", hidden=True)),
))

SIGMOID = Exercise("sigmoid", "Sigmoid layer: forward and backward", 5, "sigmoid.py", (
    Check("forward values", 2, False, partial(activation_forward, class_name="Sigmoid", formula=_sigmoid)),
    Check("gradient dx", 2, False, partial(activation_backward, class_name="Sigmoid")),
    Check("gradient, other shapes", 1, True, partial(activation_backward, class_name="Sigmoid", hidden=True)),
))

SOFTMAX_WITH_LOSS = Exercise("softmax_with_loss", "SoftmaxWithLoss: softmax, cross-entropy and their gradient", 5,
                             "softmax_with_loss.py", (
    Check("loss value", 3, False, softmax_loss),
    Check("no overflow on large scores", 2, False, softmax_large_scores),
    Check("gradient dx", 3, False, softmax_backward),
    Check("loss and gradient, other shapes", 2, True, softmax_hidden),
))
