"""Which layers of a network can leave minidl, and a check that names the first that cannot.

ONNX and PyTorch both have a counterpart for each layer an :class:`~minidl.MLP`
is built of:

==========  ===============================  ====================
minidl      ONNX operator                    PyTorch module
==========  ===============================  ====================
Affine      Gemm                             nn.Linear
BatchNorm   BatchNormalization (inference)   nn.BatchNorm1d
ReLU        Relu                             nn.ReLU
Sigmoid     Sigmoid                          nn.Sigmoid
Tanh        Tanh                             nn.Tanh
Dropout     (none: identity at inference)    nn.Dropout
==========  ===============================  ====================

A layer of any other class (your own, or a subclass whose ``forward`` may
compute something else) has no known counterpart, so it is refused rather
than guessed at.
"""

from __future__ import annotations

from minidl.layers import Affine, BatchNorm, Dropout, ReLU, Sigmoid, Tanh

#: The layer classes that can be exported, exactly (subclasses are refused).
EXPORTABLE = (Affine, BatchNorm, ReLU, Sigmoid, Tanh, Dropout)


def exportable_layers(network, target):
    """Return ``network.layers`` as a list of ``(name, layer)`` after checking each can go to ``target``.

    Parameters
    ----------
    network : minidl.MLP
    target : str
        Where the network goes, for the messages: ``"ONNX"`` or ``"PyTorch"``.

    Raises
    ------
    TypeError
        If ``network`` is not a minidl network (it has no ``layers``).
    ValueError
        If a layer is of a class that cannot be exported; the message names it.
    """
    layers = getattr(network, "layers", None)
    if not hasattr(layers, "items"):
        raise TypeError(f"exporting to {target} needs a minidl.MLP, got {type(network).__name__}")
    names = ", ".join(cls.__name__ for cls in EXPORTABLE)
    for name, layer in layers.items():
        if type(layer) not in EXPORTABLE:
            raise ValueError(
                f"cannot export layer {name!r} ({type(layer).__name__}) to {target}: only {names} layers "
                "can be exported; build the network from those layers"
            )
    return list(layers.items())
