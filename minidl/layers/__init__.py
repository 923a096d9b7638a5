"""Layers: each a class with ``forward(x, train=True)`` and ``backward(dout)``.

``backward`` returns the gradient with respect to the layer's input and
keeps the gradients of the layer's parameters as attributes (``dW``, ``db``,
``dgamma``, ``dbeta``), as in the book "Deep Learning from Scratch".
"""

from minidl.layers.activations import ACTIVATIONS, ReLU, Sigmoid, Tanh
from minidl.layers.affine import Affine
from minidl.layers.batchnorm import BatchNorm
from minidl.layers.convolution import Convolution
from minidl.layers.dropout import Dropout
from minidl.layers.pooling import Pooling
from minidl.losses import SoftmaxWithLoss

__all__ = ["ACTIVATIONS", "Affine", "BatchNorm", "Convolution", "Dropout", "Pooling", "ReLU", "Sigmoid", "SoftmaxWithLoss", "Tanh"]
