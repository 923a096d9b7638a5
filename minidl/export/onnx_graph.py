"""A trained network as an ONNX file, to run in any ONNX runtime.

ONNX describes a computation as a graph of standard operators, with the
weights stored beside it. Any ONNX runtime (onnxruntime in Python, C++, C#,
Java or JavaScript; a phone; a browser) can then compute the network's
predictions without minidl, numpy or Python. :func:`to_onnx` writes the
*inference* graph of a :class:`~minidl.Sequential` (an
:class:`~minidl.MLP`, a :class:`~minidl.SimpleConvNet`, or layers of your
choice): what ``net.predict_proba`` computes, layer by layer.

For a network ``64 -> 100 -> 10`` with batch normalisation the graph is::

    x (N, 64) -> Gemm(W1, b1) -> BatchNormalization(gamma1, beta1, running_mean1, running_var1)
              -> Relu -> Gemm(W2, b2) -> Softmax -> probabilities (N, 10)

and for the book's SimpleConvNet on 28x28 images::

    x (N, 1, 28, 28) -> Conv(W1, b1) -> Relu -> MaxPool 2x2 -> Flatten -> Gemm(W2, b2)
                     -> Relu -> Gemm(W3, b3) -> Softmax -> probabilities (N, 10)

- ``Gemm`` computes ``x @ W + b``, exactly the Affine layer (minidl already
  stores ``W`` as (inputs, outputs), so no transpose is needed). An Affine
  layer takes an image as one row of its C * H * W numbers; ``Gemm`` needs
  that row, so a ``Flatten`` comes first where the input is an image.
- ``Conv`` is the Convolution layer: the same filters (F, C, fh, fw), a
  cross-correlation in both, with ``strides`` and ``pads`` from the
  layer's ``stride`` and ``pad`` (the same on every side).
- ``MaxPool`` is the Pooling layer. Its padding never wins the maximum, as
  minidl's padding with ``-inf`` never does; both round the output size
  down (``ceil_mode=0``).
- ``BatchNormalization`` runs in inference mode: it normalises with the
  running mean and variance learnt in training, as ``train=False`` does.
- Dropout is left out: at inference it is the identity (minidl's dropout is
  *inverted*: it rescales during training, never at prediction).
- ``Softmax`` turns the scores into probabilities, as ``predict_proba``.

The input ``x`` has the shape of ``net.input_shape`` with the batch size
left free: (N, 64) for the MLP, (N, 1, 28, 28) for SimpleConvNet. The
graph computes in the network's dtype (float32 or float64). It uses ONNX
opset 17, which runtimes from 2022 on understand. (onnxruntime's CPU
provider has no float64 ``Conv``: export a float32 network, minidl's
default, to run a convolutional network there.)

Example
-------
>>> from minidl.export import to_onnx
>>> to_onnx(net, "digits.onnx")                               # doctest: +SKIP
>>> import onnxruntime                                         # doctest: +SKIP
>>> session = onnxruntime.InferenceSession("digits.onnx")      # doctest: +SKIP
>>> probabilities = session.run(None, {"x": x_test})[0]        # doctest: +SKIP
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from minidl import __version__
from minidl.export.layers import exportable_layers
from minidl.files import atomic_write
from minidl.layers import Affine, BatchNorm, Convolution, Dropout, Pooling, ReLU, Sigmoid, Tanh
from minidl.optional import import_optional

#: The ONNX operator set the graph is written in.
OPSET = 17
#: Names of the graph's input and output, as given to and returned by a runtime.
INPUT_NAME, OUTPUT_NAME = "x", "probabilities"
ACTIVATION_OPERATORS = {ReLU: "Relu", Sigmoid: "Sigmoid", Tanh: "Tanh"}


def to_onnx(network, path):
    """Write the inference graph of ``network`` to ``path`` as an ONNX model; return the path.

    Parameters
    ----------
    network : minidl.Sequential
        A network of Affine, BatchNorm, ReLU, Sigmoid, Tanh, Dropout,
        Convolution and Pooling layers (any :class:`~minidl.MLP` or
        :class:`~minidl.SimpleConvNet`).
    path : str or os.PathLike
        Destination, usually ending in ``.onnx``. Written atomically: an
        interrupted export leaves the old file, if any, untouched.

    Returns
    -------
    pathlib.Path

    Raises
    ------
    ModuleNotFoundError
        Without the ``onnx`` package: ``pip install -e ".[onnx]"``.
    TypeError
        If ``network`` is not a minidl network.
    ValueError
        If a layer has no ONNX counterpart, or the folder of ``path`` does
        not exist.
    """
    model = onnx_model(network)
    with atomic_write(path, "wb") as file:
        file.write(model.SerializeToString())
    return Path(path)


def onnx_model(network):
    """The ``onnx.ModelProto`` of ``network``'s inference graph, checked by ``onnx.checker``."""
    layers = exportable_layers(network, "ONNX")
    onnx = import_optional("onnx", "onnx", "exporting to ONNX")
    from onnx import helper, numpy_helper

    dtype = network.dtype
    element_type = helper.np_dtype_to_tensor_dtype(dtype)
    nodes, weights = [], []

    def weight(name, array):
        weights.append(numpy_helper.from_array(np.asarray(array, dtype=dtype), name=name))
        return name

    flowing = INPUT_NAME  # the name of the tensor the next node reads
    for name, layer, input_shape in layers:
        kind = type(layer)
        if kind is Dropout:
            continue
        if kind is Affine:
            if len(input_shape) > 1:  # an image: Gemm needs its C * H * W numbers as one row, as Affine takes them
                nodes.append(helper.make_node("Flatten", [flowing], [f"{name}.flat"], name=f"{name}.flatten", axis=1))
                flowing = f"{name}.flat"
            inputs = [flowing, weight(f"{name}.W", layer.W), weight(f"{name}.b", layer.b)]
            nodes.append(helper.make_node("Gemm", inputs, [name], name=name))
        elif kind is Convolution:
            inputs = [flowing, weight(f"{name}.W", layer.W), weight(f"{name}.b", layer.b)]
            nodes.append(helper.make_node("Conv", inputs, [name], name=name, kernel_shape=list(layer.W.shape[2:]),
                                          strides=[layer.stride] * 2, pads=[layer.pad] * 4))
        elif kind is Pooling:
            nodes.append(helper.make_node("MaxPool", [flowing], [name], name=name,
                                          kernel_shape=[layer.pool_h, layer.pool_w], strides=[layer.stride] * 2,
                                          pads=[layer.pad] * 4))
        elif kind is BatchNorm:
            inputs = [flowing] + [weight(f"{name}.{array}", getattr(layer, array))
                                  for array in ("gamma", "beta", "running_mean", "running_var")]
            nodes.append(helper.make_node("BatchNormalization", inputs, [name], name=name, epsilon=layer.epsilon))
        else:
            nodes.append(helper.make_node(ACTIVATION_OPERATORS[kind], [flowing], [name], name=name))
        flowing = name
    nodes.append(helper.make_node("Softmax", [flowing], [OUTPUT_NAME], name="Softmax", axis=1))

    graph = helper.make_graph(
        nodes, f"minidl_{type(network).__name__.lower()}",
        inputs=[helper.make_tensor_value_info(INPUT_NAME, element_type, ["N", *network.input_shape])],
        outputs=[helper.make_tensor_value_info(OUTPUT_NAME, element_type, ["N", network.output_size])],
        initializer=weights,
        doc_string="class probabilities of the samples of x, by the minidl network "
                   + ", ".join(repr(layer) for _, layer, _ in layers),
    )
    opset = [helper.make_opsetid("", OPSET)]
    model = helper.make_model(graph, opset_imports=opset, producer_name="minidl", producer_version=__version__,
                              ir_version=helper.find_min_ir_version_for(opset))
    onnx.checker.check_model(model, full_check=True)
    return model

