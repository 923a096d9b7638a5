"""Exercise: a two-layer network's gradient, by backpropagation through its layers.

Chapter 5 of the book "Deep Learning from Scratch" ends by assembling layers
into ``TwoLayerNet``: ``Affine -> ReLU -> Affine -> SoftmaxWithLoss``. Its
gradient is one forward pass, then one backward pass through the layers in
reverse order.

The layers come from minidl (``minidl.layers``), not from your own files, so
this exercise is graded on its own: a slip in your ``affine.py`` costs points
there, not here. They work exactly like yours: ``forward(x)``,
``backward(dout)``, and ``dW``, ``db`` after ``backward``.

Check your work with ``minidl homework check .``
"""

from collections import OrderedDict

import numpy as np

from minidl.layers import Affine, ReLU
from minidl.losses import SoftmaxWithLoss


class TwoLayerNet:
    """A classifier with one hidden ReLU layer.

    Parameters
    ----------
    input_size, hidden_size, output_size : int
        Features a sample, hidden units, classes.
    weight_init_std : float, default 0.01
        Standard deviation of the initial weights (the book's value).
    seed : int, default 0
        Seeds the initial weights.

    Attributes
    ----------
    params : dict of str -> numpy.ndarray
        ``W1`` (input_size, hidden_size), ``b1`` (hidden_size,),
        ``W2`` (hidden_size, output_size), ``b2`` (output_size,).
    layers : OrderedDict of str -> layer
        ``Affine1``, ``ReLU1``, ``Affine2``, in the order of the forward pass.
        The affine layers hold the very arrays of ``params``.
    last_layer : SoftmaxWithLoss

    Notes
    -----
    Forward, for a batch ``x`` and classes ``t``::

        scores = Affine2(ReLU1(Affine1(x)))
        loss   = last_layer.forward(scores, t)

    Backward, the chain rule one layer at a time, from the loss down::

        dout = last_layer.backward(1)
        dout = Affine2.backward(dout), then ReLU1.backward(dout), then Affine1.backward(dout)

    after which ``layers["Affine1"].dW`` is ``dL/dW1``, and so on.

    **Accepted forms**: the book's ``layers = list(self.layers.values());
    layers.reverse()``, or ``reversed(...)``; ``backward(1)`` or
    ``backward()``; ``predict`` applying the three layers by name.
    """

    def __init__(self, input_size, hidden_size, output_size, weight_init_std=0.01, seed=0):
        rng = np.random.default_rng(seed)
        self.params = {
            "W1": weight_init_std * rng.standard_normal((input_size, hidden_size)),
            "b1": np.zeros(hidden_size),
            "W2": weight_init_std * rng.standard_normal((hidden_size, output_size)),
            "b2": np.zeros(output_size),
        }
        self.layers = OrderedDict()
        self.layers["Affine1"] = Affine(self.params["W1"], self.params["b1"])
        self.layers["ReLU1"] = ReLU()
        self.layers["Affine2"] = Affine(self.params["W2"], self.params["b2"])
        self.last_layer = SoftmaxWithLoss()

    def predict(self, x):
        """Return the class scores of ``x``, shape (N, output_size): ``x`` through every layer in order."""
        # BEGIN SOLUTION: pass x through each layer of self.layers in order (layer.forward) and return the result
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
        # BEGIN SOLUTION: forward (self.loss), then backward: last_layer.backward(1), then the layers in reverse order; collect dW and db
        self.loss(x, t)
        dout = self.last_layer.backward(1.0)
        for layer in reversed(self.layers.values()):
            dout = layer.backward(dout)
        return {
            "W1": self.layers["Affine1"].dW,
            "b1": self.layers["Affine1"].db,
            "W2": self.layers["Affine2"].dW,
            "b2": self.layers["Affine2"].db,
        }
        # END SOLUTION
