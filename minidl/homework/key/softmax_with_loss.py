"""Exercise: softmax and cross-entropy, fused into the last layer of a classifier.

Chapter 5 of the book "Deep Learning from Scratch". The last affine layer
gives one score a class; softmax turns each row of scores into
probabilities, and cross-entropy measures how little probability went to
the true class. Together their gradient is strikingly simple.

Check your work with ``minidl homework check .``
"""

import numpy as np


class SoftmaxWithLoss:
    """Softmax followed by the mean cross-entropy loss.

    Attributes
    ----------
    loss : float
        The loss of the last :meth:`forward`.
    y : numpy.ndarray, shape (N, C)
        The softmax probabilities of the last :meth:`forward`.
    t : numpy.ndarray of int, shape (N,)
        The true classes of the last :meth:`forward`.

    Notes
    -----
    For scores ``x`` of shape (N, C) (N samples, C classes) and true classes
    ``t`` (integers in 0 .. C-1)::

        y[n, k] = exp(x[n, k]) / sum_j exp(x[n, j])          softmax, row by row
        loss    = -(1/N) sum_n log y[n, t[n]]                 mean cross-entropy
        dL/dx   = dout * (y - one_hot(t)) / N

    **Overflow.** ``exp(1000)`` is infinity. Subtract each row's maximum from
    its scores first: softmax does not change (the factor ``exp(-max)``
    cancels), and every exponent is then at most 0.

    **log(0).** Compute the log-probability of the true class from the
    shifted scores, ``log y[n, t] = x[n, t] - log sum_j exp(x[n, j])``,
    rather than taking ``log`` of a probability that may have rounded to 0.

    **Accepted forms**: the book's, ``-mean log(y[n, t[n]] + 1e-7)`` from
    the probabilities (the 1e-7 keeps ``log`` finite): it lies below the
    exact loss by at most ``mean log(1 + 1e-7 / y[n, t[n]])``, which the
    check allows, computed from the true probabilities, and a smaller
    constant (1e-10, 1e-12) lies inside it too; PyTorch's form, ``x`` minus
    ``logsumexp``; the book's ``backward``, which ignores ``dout`` (called
    with ``dout = 1``).
    """

    def __init__(self):
        self.loss = None
        self.y = None
        self.t = None

    def forward(self, x, t):
        """Return the mean cross-entropy (a float) of scores ``x`` (N, C) against classes ``t`` (N,)."""
        # BEGIN SOLUTION: shift each row by its max, softmax into self.y, keep t, return the mean of -log y[n, t[n]]
        shifted = x - x.max(axis=1, keepdims=True)
        exponentials = np.exp(shifted)
        sums = exponentials.sum(axis=1, keepdims=True)
        self.y = exponentials / sums
        self.t = t
        rows = np.arange(x.shape[0])
        log_probabilities = shifted[rows, t] - np.log(sums[:, 0])
        self.loss = float(-log_probabilities.mean())
        return self.loss
        # END SOLUTION

    def backward(self, dout=1.0):
        """Return the gradient of the loss with respect to the scores, ``dout * (y - one_hot(t)) / N``."""
        # BEGIN SOLUTION: copy y, subtract 1 at each row's true class, scale by dout / N
        batch_size = self.y.shape[0]
        dx = self.y.copy()
        dx[np.arange(batch_size), self.t] -= 1
        return dx * (dout / batch_size)
        # END SOLUTION
