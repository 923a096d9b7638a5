"""Softmax, cross-entropy, and the two fused into the last layer of a classifier.

A classifier's last affine layer outputs one *score* (logit) a class. Softmax
turns the scores of a sample into probabilities; cross-entropy measures how
little probability went to the true class. Fusing the two into one layer,
:class:`SoftmaxWithLoss`, gives both a numerically safe loss and a strikingly
simple gradient, ``(probabilities - one_hot) / N``.
"""

from __future__ import annotations

import numpy as np

from minidl.validation import check_labels


def softmax(scores, axis=-1):
    """Turn scores into probabilities that are positive and sum to 1 along ``axis``.

    Parameters
    ----------
    scores : array_like, shape (N, C) typically
    axis : int, default -1 (the class axis)

    Returns
    -------
    numpy.ndarray, same shape and floating dtype as ``scores``

    Notes
    -----
    .. math:: \\mathrm{softmax}(z)_k = \\frac{e^{z_k}}{\\sum_j e^{z_j}}
              = \\frac{e^{z_k - m}}{\\sum_j e^{z_j - m}}, \\quad m = \\max_j z_j

    Subtracting the maximum changes nothing mathematically but keeps every
    exponent <= 0, so ``exp`` cannot overflow (``exp(1000)`` is infinity).
    """
    scores = np.asarray(scores)
    if scores.dtype.kind != "f":
        scores = scores.astype(np.float64)
    shifted = scores - scores.max(axis=axis, keepdims=True)
    # In place: `shifted` is our own temporary, so no second array is needed.
    np.exp(shifted, out=shifted)
    shifted /= shifted.sum(axis=axis, keepdims=True)
    return shifted


def cross_entropy(probabilities, t):
    """Mean cross-entropy between predicted probabilities and the true classes.

    Parameters
    ----------
    probabilities : array_like, shape (N, C)
        Rows of class probabilities, e.g. the output of :func:`softmax`.
    t : array_like, shape (N,) or (N, C)
        Integer class labels or one-hot rows.

    Returns
    -------
    float
        :math:`-\\frac{1}{N} \\sum_n \\log p_{n, t_n}`, in nats; 0 for a perfect
        prediction, ``log(C)`` for a uniform guess.

    Notes
    -----
    A probability of exactly 0 on the true class would give ``log(0) = -inf``;
    it is raised to the smallest positive normal number of the dtype first
    (the book adds ``1e-7`` instead, which biases every loss slightly). When you
    have scores rather than probabilities, :class:`SoftmaxWithLoss` is both
    more accurate and faster.
    """
    probabilities = np.asarray(probabilities)
    if probabilities.dtype.kind != "f":
        probabilities = probabilities.astype(np.float64)
    if probabilities.ndim != 2:
        raise ValueError(
            f"probabilities must have shape (n_samples, n_classes); got shape {probabilities.shape}"
        )
    labels = check_labels(t, probabilities.shape[0], probabilities.shape[1])
    picked = probabilities[np.arange(labels.shape[0]), labels]
    floor = np.finfo(probabilities.dtype).tiny
    return float(-np.log(np.maximum(picked, floor)).mean())


class SoftmaxWithLoss:
    """The last layer of a classifier: softmax followed by cross-entropy.

    Attributes
    ----------
    loss : float or None
        The loss of the last forward pass.
    probabilities : numpy.ndarray, shape (N, C)
        Softmax of the last scores (the book calls it ``y``).
    labels : numpy.ndarray of int, shape (N,)
        The true classes of the last forward pass (the book's ``t``).

    Notes
    -----
    With scores :math:`z` (one row per sample), probabilities
    :math:`p = \\mathrm{softmax}(z)` and true classes :math:`t_n`:

    .. math:: L = \\frac{1}{N} \\sum_n \\Big( \\log \\sum_j e^{z_{nj}} - z_{n t_n} \\Big)
    .. math:: \\frac{\\partial L}{\\partial z_{nk}} = \\frac{p_{nk} - [k = t_n]}{N}

    The loss is computed from the scores with the *log-sum-exp* trick,
    :math:`\\log \\sum_j e^{z_j} = m + \\log \\sum_j e^{z_j - m}`, never as
    ``log(softmax)``: a very confident wrong prediction gives a large finite
    loss instead of ``log(0) = -inf``.
    """

    def __init__(self):
        self.loss = None
        self.probabilities = None
        self.labels = None

    def forward(self, scores, t):
        """Return the mean loss (a float) of ``scores`` (N, C) against ``t`` (N,) or (N, C)."""
        scores = np.asarray(scores)
        if scores.ndim != 2 or scores.dtype.kind != "f":
            raise ValueError(
                f"scores must be a floating-point array of shape (n_samples, n_classes); got shape "
                f"{scores.shape} and dtype {scores.dtype} (convert with np.asarray(scores, dtype=np.float64))"
            )
        self.labels = check_labels(t, scores.shape[0], scores.shape[1])
        rows = np.arange(scores.shape[0])
        shifted = scores - scores.max(axis=1, keepdims=True)
        true_class_scores = shifted[rows, self.labels]
        # `shifted` becomes exp(shifted) in place; it is our own temporary.
        exponentials = np.exp(shifted, out=shifted)
        sums = exponentials.sum(axis=1)
        self.loss = float((np.log(sums) - true_class_scores).mean())
        exponentials /= sums[:, np.newaxis]
        self.probabilities = exponentials
        return self.loss

    def backward(self, dout=1.0):
        """Return d(loss)/d(scores) = ``dout * (probabilities - one_hot) / N``, shape (N, C)."""
        batch_size = self.probabilities.shape[0]
        dx = self.probabilities.copy()
        dx[np.arange(batch_size), self.labels] -= 1
        # One multiply instead of two; a Python float keeps the array's dtype.
        dx *= float(dout) / batch_size
        return dx

    def __repr__(self):
        return "SoftmaxWithLoss()"
