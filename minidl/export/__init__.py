"""Hand a network trained by minidl over to ONNX runtimes and to PyTorch.

minidl is where you see how a network learns; a model that must live on
(in a phone app, a web service, a bigger training script) goes on in the
tools made for that. Nothing here is needed to use minidl, and each tool is
imported only when you call the function that uses it:

- :func:`to_onnx` writes an ONNX file of the inference graph (the
  ``[onnx]`` extra: ``pip install -e ".[onnx]"`` in minidl's folder), also
  ``minidl export MODEL.npz --format onnx OUT.onnx``;
- :func:`to_torch` builds the same network as a PyTorch ``nn.Sequential``
  with the same weights, and :func:`from_torch` brings such a module back
  (PyTorch is never a dependency of minidl: install it yourself).

Any :class:`~minidl.Sequential` of the layers minidl builds can go: an MLP,
the book's SimpleConvNet, convolutions and pooling of any shape (see
:mod:`minidl.export.layers`); any other layer gives a one-line error naming
it and those that can.
"""

from minidl.export.onnx_graph import to_onnx
from minidl.export.pytorch import from_torch, to_torch

__all__ = ["from_torch", "to_onnx", "to_torch"]
