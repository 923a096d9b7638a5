"""Which layers of a network can leave minidl, and a check that names the first that cannot.

ONNX and PyTorch both have a counterpart for each layer minidl builds, so
any :class:`~minidl.Sequential` of these layers (an :class:`~minidl.MLP`, a
:class:`~minidl.SimpleConvNet`, a network of your own design) can go:

===========  ==============================  ======================================
minidl       ONNX operator                   PyTorch module
===========  ==============================  ======================================
Affine       Gemm (after Flatten on images)  nn.Linear (after nn.Flatten on images)
BatchNorm    BatchNormalization (inference)  nn.BatchNorm1d
ReLU         Relu                            nn.ReLU
Sigmoid      Sigmoid                         nn.Sigmoid
Tanh         Tanh                            nn.Tanh
Dropout      (none: identity at inference)   nn.Dropout
Convolution  Conv                            nn.Conv2d
Pooling      MaxPool                         nn.MaxPool2d
===========  ==============================  ======================================

minidl's ``Affine`` takes images (N, C, H, W) as rows of C * H * W numbers
(``x.reshape(N, -1)``, row-major, as ``Flatten`` does); ONNX's ``Gemm`` and
PyTorch's ``nn.Linear`` do not, so a ``Flatten`` goes before them where
their input is an image. ``Pooling`` pads with ``-inf`` (a padded pixel is
never the maximum), which is what ONNX's ``MaxPool`` and PyTorch's
``nn.MaxPool2d`` do with their padding.

A layer of any other class (your own, or a subclass whose ``forward`` may
compute something else) has no known counterpart, so it is refused rather
than guessed at.
"""

from __future__ import annotations

from minidl.layers import Affine, BatchNorm, Convolution, Dropout, Pooling, ReLU, Sigmoid, Tanh
from minidl.sequential import Sequential

#: The layer classes that can be exported, exactly (subclasses are refused).
EXPORTABLE = (Affine, BatchNorm, ReLU, Sigmoid, Tanh, Dropout, Convolution, Pooling)


def exportable_layers(network, target):
    """``(name, layer, input_shape)`` of each layer of ``network``, after checking each can go to ``target``.

    Parameters
    ----------
    network : minidl.Sequential
        An MLP, a SimpleConvNet or any Sequential of the layers of :data:`EXPORTABLE`.
    target : str
        Where the network goes, for the messages: ``"ONNX"`` or ``"PyTorch"``.

    Returns
    -------
    list of (str, layer, tuple of int)
        In layer order; ``input_shape`` is the shape of one sample as the
        layer receives it, e.g. ``(30, 12, 12)`` before the first affine
        layer of the book's SimpleConvNet, ``(100,)`` after it.

    Raises
    ------
    TypeError
        If ``network`` is not a minidl network (a :class:`~minidl.Sequential`).
    ValueError
        If a layer is of a class that cannot be exported; the message names
        it and the layers that can.
    """
    if not isinstance(network, Sequential):
        raise TypeError(f"exporting to {target} needs a minidl network (a minidl.Sequential: an MLP, a SimpleConvNet "
                        f"or a Sequential of minidl's layers), got {type(network).__name__}")
    names = ", ".join(cls.__name__ for cls in EXPORTABLE)
    for name, layer in network.layers.items():
        if type(layer) not in EXPORTABLE:
            raise ValueError(
                f"cannot export layer {name!r} ({type(layer).__name__}) to {target}: only {names} layers "
                "can be exported; build the network from those layers"
            )
    input_shapes = [network.input_shape, *network.output_shapes()[:-1]]
    return [(name, layer, shape) for (name, layer), shape in zip(network.layers.items(), input_shapes)]
