"""The exercises of the homework, in the order of the book, with their points.

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
==================  =====  =======  ===================================================

``minidl homework list`` prints the same, computed from the checks.
"""

from __future__ import annotations

from minidl.homework.data_checks import INITIALISATION, MINIBATCHES
from minidl.homework.gradient_checks import NUMERICAL_GRADIENT, TWO_LAYER_NET
from minidl.homework.layer_checks import AFFINE, RELU, SIGMOID, SOFTMAX_WITH_LOSS
from minidl.homework.optimizer_checks import ADAGRAD, ADAM, MOMENTUM, NESTEROV, RMSPROP, SGD

#: Exercise name -> :class:`~minidl.homework.exercise.Exercise`, in the order of the book.
EXERCISES = {exercise.name: exercise for exercise in (
    AFFINE, RELU, SIGMOID, SOFTMAX_WITH_LOSS, NUMERICAL_GRADIENT, TWO_LAYER_NET,
    SGD, MOMENTUM, NESTEROV, ADAGRAD, RMSPROP, ADAM, MINIBATCHES, INITIALISATION,
)}


def select(names=None):
    """The exercises called ``names`` (all by default), in the catalogue's order; unknown names raise ValueError."""
    if not names:
        return list(EXERCISES.values())
    unknown = [name for name in names if name not in EXERCISES]
    if unknown:
        raise ValueError(f"unknown exercise {', '.join(map(repr, unknown))}; "
                         f"choose among {', '.join(EXERCISES)} (see minidl homework list)")
    return [exercise for name, exercise in EXERCISES.items() if name in names]
