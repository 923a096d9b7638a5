"""Measure a network on a data set: loss, accuracy and predictions, in chunks.

Evaluation runs the network in *evaluation mode*: dropout is off and batch
normalisation uses its running statistics, so the result does not depend on
chance or on which samples share a batch. The data goes through in chunks of
``chunk_size`` rows, so that measuring 60,000 MNIST images never needs the
activations of all of them in memory at once.
"""

from __future__ import annotations

import numpy as np

from minidl.losses import SoftmaxWithLoss
from minidl.settings import check_positive_int
from minidl.validation import check_labels

CHUNK_SIZE = 10_000


def predict_classes(network, x, chunk_size=CHUNK_SIZE):
    """The predicted class of every row of ``x``: int64 array of shape (N,)."""
    chunk_size = check_positive_int(chunk_size, "chunk_size")
    x = network.check_input(x)
    return np.concatenate([network.predict(x[start:start + chunk_size]).argmax(axis=1)
                           for start in range(0, len(x), chunk_size)])


def evaluate(network, x, t, chunk_size=CHUNK_SIZE):
    """Loss and accuracy of ``network`` on ``(x, t)`` from one forward pass.

    Parameters
    ----------
    network : minidl.MLP
    x : ndarray, shape (N, input_size)
    t : ndarray, shape (N,) or (N, n_classes)
        Class labels or one-hot rows.
    chunk_size : int, default 10000
        Rows per forward pass; bounds the memory, not the result.

    Returns
    -------
    loss : float
        Mean cross-entropy plus the weight penalty, the same quantity the
        training steps minimise (but in evaluation mode).
    accuracy : float
        Fraction of samples whose highest score is the true class.

    Notes
    -----
    With chunks :math:`C_1, \\dots, C_K` of sizes :math:`n_k` and mean
    cross-entropies :math:`\\ell_k`, the mean over all :math:`N` samples is
    :math:`\\sum_k n_k \\ell_k / N`, so chunking does not change the loss
    (up to floating-point rounding).
    """
    chunk_size = check_positive_int(chunk_size, "chunk_size")
    x = network.check_input(x)
    labels = check_labels(t, len(x), network.output_size)
    # Our own loss layer: the network's keeps the training batch for backward.
    loss_layer = SoftmaxWithLoss()
    total_loss, correct = 0.0, 0
    for start in range(0, len(x), chunk_size):
        scores = network.predict(x[start:start + chunk_size])
        chunk_labels = labels[start:start + chunk_size]
        total_loss += loss_layer.forward(scores, chunk_labels) * len(chunk_labels)
        correct += int(np.count_nonzero(scores.argmax(axis=1) == chunk_labels))
    # The penalty lambda/2 * sum(W^2) does not depend on the data: added once.
    return total_loss / len(x) + network.weight_penalty(), correct / len(x)
