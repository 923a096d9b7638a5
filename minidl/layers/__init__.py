"""Layers: each a class with ``forward(x, train=True)`` and ``backward(dout)``.

``backward`` returns the gradient with respect to the layer's input and
keeps the gradients of the layer's parameters as attributes (``dW``, ``db``,
``dgamma``, ``dbeta``), as in the book "Deep Learning from Scratch".
The rules a layer of one's own follows are in :mod:`minidl.layers.protocol`.
"""

from minidl.layers.activations import ACTIVATIONS, ReLU, Sigmoid, Tanh
from minidl.layers.affine import Affine
from minidl.layers.batchnorm import BatchNorm
from minidl.layers.convolution import Convolution
from minidl.layers.dropout import Dropout
from minidl.layers.pooling import Pooling
from minidl.layers.protocol import LAYERS, register_layer
from minidl.losses import SoftmaxWithLoss

for _layer in (Affine, BatchNorm, Convolution, Dropout, Pooling, ReLU, Sigmoid, Tanh, SoftmaxWithLoss):
    register_layer(_layer)

__all__ = ["ACTIVATIONS", "LAYERS", "Affine", "BatchNorm", "Convolution", "Dropout", "Pooling", "ReLU", "Sigmoid",
           "SoftmaxWithLoss", "Tanh", "register_layer"]
