"""The exercises of the homeworks, in the order of the book, with their points.

Two homeworks: chapters 5 and 6 (backpropagation and optimizers, 100 points,
the default of ``minidl homework new`` and ``grade``), and chapter 7
(convolutional networks, 40 points, ``--chapter 7``).

==================  =====  =======  ===================================================
name                chap.  points   what the student writes
==================  =====  =======  ===================================================
affine                5      10     ``Affine.forward`` and ``Affine.backward``
relu                  5       5     ``ReLU.forward`` and ``ReLU.backward``
sigmoid               5       5     ``Sigmoid.forward`` and ``Sigmoid.backward``
softmax_with_loss     5      10     ``SoftmaxWithLoss.forward`` and ``.backward``
numerical_gradient    5      10     ``numerical_gradient(f, x, h)``
two_layer_net         5      10     ``TwoLayerNet.predict``, ``.loss``, ``.gradient``
sgd ... adam          6   5 (10)    ``update(params, grads)`` of six optimizers
minibatches           6      10     ``minibatches(x, t, batch_size, rng)``
initialisation        6       5     ``he_normal`` and ``xavier_normal``
im2col                7      10     ``im2col`` and ``col2im``, the book's layout
convolution           7      10     ``Convolution.forward`` and ``.backward``
pooling               7      10     ``Pooling.forward`` and ``.backward`` (max, ties)
simple_conv_net       7      10     ``SimpleConvNet``'s sizes, ``.predict``, ``.gradient``
==================  =====  =======  ===================================================

``minidl homework list`` prints the same, computed from the checks.
"""

from __future__ import annotations

from minidl.homework.conv_checks import CONVOLUTION, IM2COL, POOLING, SIMPLE_CONV_NET
from minidl.homework.data_checks import INITIALISATION, MINIBATCHES
from minidl.homework.gradient_checks import NUMERICAL_GRADIENT, TWO_LAYER_NET
from minidl.homework.layer_checks import AFFINE, RELU, SIGMOID, SOFTMAX_WITH_LOSS
from minidl.homework.optimizer_checks import ADAGRAD, ADAM, MOMENTUM, NESTEROV, RMSPROP, SGD

#: Exercise name -> :class:`~minidl.homework.exercise.Exercise`, in the order of the book.
EXERCISES = {exercise.name: exercise for exercise in (
    AFFINE, RELU, SIGMOID, SOFTMAX_WITH_LOSS, NUMERICAL_GRADIENT, TWO_LAYER_NET,
    SGD, MOMENTUM, NESTEROV, ADAGRAD, RMSPROP, ADAM, MINIBATCHES, INITIALISATION,
    IM2COL, CONVOLUTION, POOLING, SIMPLE_CONV_NET,
)}

#: The chapters of the homework that ``new`` writes and ``grade`` grades when no exercise is named.
DEFAULT_CHAPTERS = (5, 6)


def chapter_exercises(*chapters):
    """The names of the exercises of these chapters, in the catalogue's order; an unknown chapter raises ValueError."""
    known = sorted({exercise.chapter for exercise in EXERCISES.values()})
    unknown = [chapter for chapter in chapters if chapter not in known]
    if unknown:
        raise ValueError(f"no exercise of chapter {', '.join(map(str, unknown))}; the chapters are "
                         f"{', '.join(map(str, known))} (see minidl homework list)")
    return [name for name, exercise in EXERCISES.items() if exercise.chapter in chapters]


def select(names=None):
    """The exercises called ``names``, in the catalogue's order; unknown names raise ValueError.

    By default, those of chapters 5 and 6 (:data:`DEFAULT_CHAPTERS`): the
    homework minidl has always written and graded. Chapter 7 is a homework
    of its own, named with :func:`chapter_exercises` (``--chapter 7``).
    """
    if not names:
        return [EXERCISES[name] for name in chapter_exercises(*DEFAULT_CHAPTERS)]
    unknown = [name for name in names if name not in EXERCISES]
    if unknown:
        raise ValueError(f"unknown exercise {', '.join(map(repr, unknown))}; "
                         f"choose among {', '.join(EXERCISES)} (see minidl homework list)")
    return [exercise for name, exercise in EXERCISES.items() if name in names]
