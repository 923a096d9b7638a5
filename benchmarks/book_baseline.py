"""The baseline: a multi-layer perceptron written the way the book's code writes it.

This is the code a student types after reading "Deep Learning from Scratch"
(its ``common/`` layers and optimizers) or study notes that follow it:
layer classes with ``forward`` / ``backward``, parameters in a dict
``W1, b1, ...``, weights drawn in float64, an Adam that loops over that dict,
and shuffle-and-partition mini-batches. Nothing in it is deliberately slow:
it runs one forward and one backward pass per step (no extra forward pass to
record the loss) and shuffles once per epoch. It is simply *straightforward*:
float64 weights, so every matrix product and every temporary is float64, and
new arrays for every intermediate result.

The layers and the optimizer are the book's, in one place: ``Affine`` and
the constructor of ``BookAdam`` are the homework key's
(:mod:`minidl.homework.key`), which computes what the book's do (``x @ W``
for ``np.dot(x, W)``; without the book's reshape of inputs of any shape,
which an MLP on flat rows never uses); ``Relu``, ``SoftmaxWithLoss`` and
the step of ``BookAdam`` are the book's own forms, which the key writes
otherwise. An edit of those two key classes changes this yardstick too. The tests of the homework checks
(``tests/homework/checks``) give the checks these very classes, to show that
the book's code passes them (pytest finds this folder through the
``pythonpath`` option of ``pyproject.toml``).

It exists as a yardstick for ``benchmarks/epoch.py``: minidl's epoch
should be at least 2.5 times faster than this one. It is not part of minidl.
"""

from __future__ import annotations

import numpy as np

from minidl.homework.key.adam import Adam
from minidl.homework.key.affine import Affine  # ``out = x @ W + b``: the float32 input meets float64 weights and is upcast


class Relu:
    """``max(0, x)``, remembering where the input was not positive; ``backward`` writes into ``dout``, as the book's does."""

    def __init__(self):
        self.mask = None

    def forward(self, x):
        self.mask = x <= 0
        out = x.copy()
        out[self.mask] = 0
        return out

    def backward(self, dout):
        dout[self.mask] = 0
        return dout


def softmax(x):
    """Softmax of each row of ``x``, each row shifted by its maximum first (no overflow)."""
    exponentials = np.exp(x - np.max(x, axis=1, keepdims=True))
    return exponentials / np.sum(exponentials, axis=1, keepdims=True)


class SoftmaxWithLoss:
    """Softmax followed by the mean cross-entropy, as the book's: ``t`` holds labels or one-hot rows, 1e-7 inside the log."""

    def __init__(self):
        self.loss = self.y = self.t = None

    def forward(self, x, t):
        self.t, self.y = t, softmax(x)
        labels = t.argmax(axis=1) if t.size == self.y.size else t
        self.loss = -np.sum(np.log(self.y[np.arange(len(x)), labels] + 1e-7)) / len(x)
        return self.loss

    def backward(self, dout=1):
        batch_size = self.t.shape[0]
        if self.t.size == self.y.size:
            return (self.y - self.t) / batch_size
        dx = self.y.copy()
        dx[np.arange(batch_size), self.t] -= 1
        return dx / batch_size


class BookNetwork:
    """784-[100, ...]-10 ReLU network with He initialisation in float64.

    Parameters
    ----------
    sizes : list of int
        Layer widths from input to output, e.g. ``[784, 100, 100, 10]``.
    rng : numpy.random.Generator
        Draws the initial weights (the book's code uses the global ``np.random``;
        a Generator keeps the benchmark reproducible).
    """

    def __init__(self, sizes, rng):
        self.params = {}
        self.layers = []
        for index in range(1, len(sizes)):
            fan_in, fan_out = sizes[index - 1], sizes[index]
            self.params[f"W{index}"] = rng.standard_normal((fan_in, fan_out)) * np.sqrt(2.0 / fan_in)
            self.params[f"b{index}"] = np.zeros(fan_out)
            self.layers.append(Affine(self.params[f"W{index}"], self.params[f"b{index}"]))
            if index < len(sizes) - 1:
                self.layers.append(Relu())
        self.last_layer = SoftmaxWithLoss()

    def loss_and_gradient(self, x, t):
        """One forward pass, one backward pass; return the loss and the grads dict."""
        out = x
        for layer in self.layers:
            out = layer.forward(out)
        loss = self.last_layer.forward(out, t)
        dout = self.last_layer.backward()
        for layer in reversed(self.layers):
            dout = layer.backward(dout)
        grads = {}
        affines = [layer for layer in self.layers if isinstance(layer, Affine)]
        for index, layer in enumerate(affines, start=1):
            grads[f"W{index}"] = layer.dW
            grads[f"b{index}"] = layer.db
        return loss, grads


class BookAdam(Adam):
    """The book's Adam: the homework key's, its step in the efficient form of the paper's section 2.

    The bias corrections are folded into the step size, and ``eps`` is added
    to the root before them; the moments are updated as ``m += (1 - beta1)(g - m)``.
    The book writes ``1e-7`` for ``eps`` (``BookTraining`` passes it); the
    key's default, 1e-8, is the reference's.

    Notes
    -----
    .. math::

        m \\leftarrow m + (1 - \\beta_1)(g - m), \\quad
        v \\leftarrow v + (1 - \\beta_2)(g^2 - v), \\quad
        W \\leftarrow W - \\eta \\frac{\\sqrt{1 - \\beta_2^t}}{1 - \\beta_1^t}
        \\frac{m}{\\sqrt{v} + \\epsilon}
    """

    def update(self, params, grads):
        if self.m is None:
            self.m = {key: np.zeros_like(value) for key, value in params.items()}
            self.v = {key: np.zeros_like(value) for key, value in params.items()}
        self.iter += 1
        lr_t = self.lr * np.sqrt(1.0 - self.beta2**self.iter) / (1.0 - self.beta1**self.iter)
        for key in params:
            self.m[key] += (1 - self.beta1) * (grads[key] - self.m[key])
            self.v[key] += (1 - self.beta2) * (grads[key] ** 2 - self.v[key])
            params[key] -= lr_t * self.m[key] / (np.sqrt(self.v[key]) + self.eps)


class BookTraining:
    """Network, optimizer and data together; :meth:`run_epoch` is what is timed.

    Parameters
    ----------
    x : ndarray, shape (m, 784), float32
        Inputs, kept as the data set gives them (float32, as the book's loader).
    t : ndarray, shape (m,), int
        Integer labels.
    sizes : list of int
        Layer widths.
    batch_size : int
        Samples per step.
    seed : int
        Seeds the weights and the shuffles.
    """

    def __init__(self, x, t, sizes, batch_size, seed):
        self.x, self.t = x, t
        self.batch_size = batch_size
        self.rng = np.random.default_rng(seed)
        self.network = BookNetwork(sizes, self.rng)
        self.optimizer = BookAdam(eps=1e-7)  # the book writes 1e-7

    def run_epoch(self):
        """Shuffle x and t with one permutation, then train on consecutive slices."""
        permutation = self.rng.permutation(len(self.x))
        x_shuffled, t_shuffled = self.x[permutation], self.t[permutation]
        loss = float("nan")
        for start in range(0, len(x_shuffled), self.batch_size):
            x_batch = x_shuffled[start : start + self.batch_size]
            t_batch = t_shuffled[start : start + self.batch_size]
            loss, grads = self.network.loss_and_gradient(x_batch, t_batch)
            self.optimizer.update(self.network.params, grads)
        return loss
