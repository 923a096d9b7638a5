"""Exercise: a convolutional network's gradient, by backpropagation through its layers.

Chapter 7 of the book "Deep Learning from Scratch" assembles ``SimpleConvNet``:
``Convolution -> ReLU -> Pooling -> Affine -> ReLU -> Affine -> SoftmaxWithLoss``.
As for ``TwoLayerNet``, its gradient is one forward pass, then one backward
pass through the layers in reverse order; what is new is the size of the
first affine layer, which depends on the convolution and the pooling.

The layers come from minidl (``minidl.layers``), not from your own files, so
this exercise is graded on its own. They work exactly like yours.

Check your work with ``minidl homework check .``
"""

from collections import OrderedDict

import numpy as np

from minidl.layers import Affine, Convolution, Pooling, ReLU
from minidl.losses import SoftmaxWithLoss


class SimpleConvNet:
    """A convolutional classifier: one convolution, 2x2 max pooling, two affine layers.

    Parameters
    ----------
    input_dim : tuple of int, default (1, 28, 28)
        One image: (channels, height, width). Height and width may differ.
    conv_param : dict, optional
        ``filter_num``, ``filter_size`` (square filters), ``pad`` and
        ``stride``; by default the book's ``{"filter_num": 30,
        "filter_size": 5, "pad": 0, "stride": 1}``.
    hidden_size : int, default 100
    output_size : int, default 10
    weight_init_std : float, default 0.01
    seed : int, default 0
        Seeds the initial weights.

    Attributes
    ----------
    params : dict of str -> numpy.ndarray
        ``W1`` (filter_num, channels, filter_size, filter_size), ``b1``
        (filter_num,), ``W2`` (pooled features, hidden_size), ``b2``,
        ``W3`` (hidden_size, output_size), ``b3``.
    layers : OrderedDict of str -> layer
        ``Conv1``, ``Relu1``, ``Pool1``, ``Affine1``, ``Relu2``, ``Affine2``,
        in the order of the forward pass; they hold the very arrays of ``params``.
    last_layer : SoftmaxWithLoss

    Notes
    -----
    Sizes: the convolution gives ``conv_h = (H + 2 pad - filter_size) //
    stride + 1`` rows (and ``conv_w`` columns alike, from W); the 2x2
    pooling with stride 2 keeps ``conv_h // 2`` of them (an odd last row is
    dropped), so the first affine layer takes ``filter_num * (conv_h // 2) *
    (conv_w // 2)`` inputs (it flattens each sample's pooled images).

    The book computes ``int(filter_num * (conv_output_size / 2) ** 2)``,
    right only when the convolution's output is square with an even side;
    the hidden checks use other sizes.

    **Accepted forms**: ``reversed(...)`` or the book's ``layers.reverse()``;
    ``backward(1)`` or ``backward()``; any way of computing the sizes that
    gives the same numbers.
    """

    def __init__(self, input_dim=(1, 28, 28), conv_param=None, hidden_size=100, output_size=10,
                 weight_init_std=0.01, seed=0):
        conv_param = conv_param or {"filter_num": 30, "filter_size": 5, "pad": 0, "stride": 1}
        filter_num, filter_size = conv_param["filter_num"], conv_param["filter_size"]
        pad, stride = conv_param["pad"], conv_param["stride"]
        channels, height, width = input_dim
        # BEGIN SOLUTION: conv_h and conv_w, the convolution's output size; pool_output_size, the features after the 2x2 pooling
        conv_h = (height + 2 * pad - filter_size) // stride + 1
        conv_w = (width + 2 * pad - filter_size) // stride + 1
        pool_output_size = filter_num * (conv_h // 2) * (conv_w // 2)
        # END SOLUTION
        rng = np.random.default_rng(seed)
        self.params = {
            "W1": weight_init_std * rng.standard_normal((filter_num, channels, filter_size, filter_size)),
            "b1": np.zeros(filter_num),
            "W2": weight_init_std * rng.standard_normal((pool_output_size, hidden_size)),
            "b2": np.zeros(hidden_size),
            "W3": weight_init_std * rng.standard_normal((hidden_size, output_size)),
            "b3": np.zeros(output_size),
        }
        self.layers = OrderedDict()
        self.layers["Conv1"] = Convolution(self.params["W1"], self.params["b1"], stride, pad)
        self.layers["Relu1"] = ReLU()
        self.layers["Pool1"] = Pooling(2, 2, stride=2)
        self.layers["Affine1"] = Affine(self.params["W2"], self.params["b2"])
        self.layers["Relu2"] = ReLU()
        self.layers["Affine2"] = Affine(self.params["W3"], self.params["b3"])
        self.last_layer = SoftmaxWithLoss()

    def predict(self, x):
        """Return the class scores of the images ``x`` (N, C, H, W), shape (N, output_size)."""
        # BEGIN SOLUTION: pass x through each layer of self.layers in order and return the result
        for layer in self.layers.values():
            x = layer.forward(x)
        return x
        # END SOLUTION

    def loss(self, x, t):
        """Return the mean cross-entropy loss (a float) of ``x`` against the classes ``t``."""
        # BEGIN SOLUTION: the scores of self.predict(x), through self.last_layer.forward with t
        return self.last_layer.forward(self.predict(x), t)
        # END SOLUTION

    def accuracy(self, x, t):
        """Return the fraction of samples whose highest score is their true class."""
        return float(np.mean(np.argmax(self.predict(x), axis=1) == t))

    def gradient(self, x, t):
        """Return the gradients of the loss, a dict with the keys of ``params``, by backpropagation."""
        # BEGIN SOLUTION: self.loss, last_layer.backward(1), the layers in reverse order; dW and db of Conv1, Affine1, Affine2
        self.loss(x, t)
        dout = self.last_layer.backward(1.0)
        for layer in reversed(self.layers.values()):
            dout = layer.backward(dout)
        grads = {}
        for number, name in enumerate(("Conv1", "Affine1", "Affine2"), start=1):
            grads[f"W{number}"] = self.layers[name].dW
            grads[f"b{number}"] = self.layers[name].db
        return grads
        # END SOLUTION
