"""Batch normalisation: standardise each feature over the batch, then rescale."""

from __future__ import annotations

import numpy as np

from minidl.settings import Real, check


class BatchNorm:
    """Batch normalisation (Ioffe and Szegedy, 2015) for inputs of shape (N, D).

    Parameters
    ----------
    gamma : numpy.ndarray, shape (D,)
        Learned scale, kept by reference (start at 1).
    beta : numpy.ndarray, shape (D,)
        Learned shift, kept by reference (start at 0).
    momentum : float, default 0.9
        Weight of the old value in the running averages (the book's
        convention; PyTorch's ``momentum=0.1`` is ``1 - momentum`` here).
    epsilon : float, default 1e-5
        Added to the variance so that a feature that is constant over the
        batch does not cause a division by zero.

    Attributes
    ----------
    running_mean, running_var : numpy.ndarray, shape (D,)
        Averages of the batch statistics seen in training, used in
        evaluation. Updated in place, so references to them stay valid.
    dgamma, dbeta : numpy.ndarray, shape (D,)
        Gradients set by :meth:`backward`.

    Notes
    -----
    Training mode, for each feature, with :math:`\\mu` and :math:`\\sigma^2`
    the mean and (biased) variance over the N samples of the batch:

    .. math:: \\hat{x} = \\frac{x - \\mu}{\\sqrt{\\sigma^2 + \\epsilon}}, \\qquad
              \\text{out} = \\gamma \\hat{x} + \\beta

    Evaluation mode uses ``running_mean`` and ``running_var`` instead, so a
    prediction does not depend on the other samples of the batch.

    Backward: :math:`\\partial L/\\partial\\beta = \\sum_n \\text{dout}_n`,
    :math:`\\partial L/\\partial\\gamma = \\sum_n \\text{dout}_n \\hat{x}_n`, and,
    writing :math:`g = \\gamma\\, \\text{dout}` (the gradient reaching
    :math:`\\hat{x}`), the gradient through :math:`\\mu` and :math:`\\sigma^2`
    (which depend on every sample) collapses to

    .. math:: \\frac{\\partial L}{\\partial x} = \\frac{1}{N \\sqrt{\\sigma^2 + \\epsilon}}
              \\Big( N g - \\sum_n g_n - \\hat{x} \\sum_n g_n \\hat{x}_n \\Big)

    Subtracting the mean of :math:`g` and its projection on :math:`\\hat{x}`
    removes exactly the directions that normalisation cancels anyway (adding a
    constant to a feature, or scaling it).

    The running variance averages the biased batch variance, as the book
    does; PyTorch uses the unbiased one (times ``N / (N - 1)``).
    """

    #: Arrays saved and restored with the parameters, though not trained (see :mod:`minidl.layers.protocol`).
    state_names = ("running_mean", "running_var")

    def __init__(self, gamma, beta, momentum=0.9, epsilon=1e-5):
        if gamma.ndim != 1 or beta.shape != gamma.shape:
            raise ValueError(
                f"BatchNorm needs gamma and beta of the same shape (D,); got {gamma.shape} and {beta.shape}"
            )
        momentum = check(momentum, Real(0, 1, closed="left"), "BatchNorm momentum")
        epsilon = check(epsilon, Real(0, closed="neither"), "BatchNorm epsilon")
        self.gamma = gamma
        self.beta = beta
        self.momentum = float(momentum)
        self.epsilon = float(epsilon)
        self.running_mean = np.zeros_like(gamma)
        self.running_var = np.ones_like(gamma)
        self.train = True
        self.normalized = None
        self.std = None
        self.dgamma = None
        self.dbeta = None

    def forward(self, x, train=True):
        if x.ndim != 2 or x.shape[1] != self.gamma.shape[0]:
            raise ValueError(
                f"BatchNorm expects input of shape (N, {self.gamma.shape[0]}); got {x.shape}"
            )
        self.train = train
        if train and x.shape[0] < 2:
            # One sample is its own mean: x-hat would be 0 and the gradient 0.
            raise ValueError(
                f"BatchNorm in training needs at least 2 samples a batch; got {x.shape[0]}. If this is the "
                "last, partial batch of an epoch, choose a batch_size that leaves more than one sample over"
            )
        if train:
            mean = x.mean(axis=0)
            centred = x - mean
            variance = (centred * centred).mean(axis=0)
            self.std = np.sqrt(variance + self.epsilon)
            # In place: the running averages are shared with the network's state_dict.
            self.running_mean *= self.momentum
            self.running_mean += (1.0 - self.momentum) * mean
            self.running_var *= self.momentum
            self.running_var += (1.0 - self.momentum) * variance
        else:
            centred = x - self.running_mean
            self.std = np.sqrt(self.running_var + self.epsilon)
        # `centred` is our own temporary: divide it in place to get x-hat.
        centred /= self.std
        self.normalized = centred
        out = self.gamma * self.normalized
        out += self.beta
        return out

    def backward(self, dout, dgamma=None, dbeta=None):
        """Store ``dgamma``, ``dbeta`` and return ``dx``; ``dgamma``, ``dbeta`` may be arrays to write into."""
        self.dbeta = dout.sum(axis=0, out=dbeta)
        self.dgamma = (dout * self.normalized).sum(axis=0, out=dgamma)
        gradient_normalized = dout * self.gamma
        if not self.train:
            # Fixed running statistics: normalisation is a plain affine map.
            return gradient_normalized / self.std
        batch_size = dout.shape[0]
        dx = batch_size * gradient_normalized
        dx -= gradient_normalized.sum(axis=0)
        dx -= self.normalized * (gradient_normalized * self.normalized).sum(axis=0)
        dx /= batch_size * self.std
        return dx

    def __repr__(self):
        return f"BatchNorm({self.gamma.shape[0]}, momentum={self.momentum}, epsilon={self.epsilon})"
