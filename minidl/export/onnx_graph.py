"""A trained network as an ONNX file, to run in any ONNX runtime.

ONNX describes a computation as a graph of standard operators, with the
weights stored beside it. Any ONNX runtime (onnxruntime in Python, C++, C#,
Java or JavaScript; a phone; a browser) can then compute the network's
predictions without minidl, numpy or Python. :func:`to_onnx` writes the
*inference* graph of an :class:`~minidl.MLP`: what ``net.predict_proba``
computes, layer by layer.

For a network ``64 -> 100 -> 10`` with batch normalisation the graph is::

    x (N, 64) -> Gemm(W1, b1) -> BatchNormalization(gamma1, beta1, running_mean1, running_var1)
              -> Relu -> Gemm(W2, b2) -> Softmax -> probabilities (N, 10)

- ``Gemm`` computes ``x @ W + b``, exactly the Affine layer (minidl already
  stores ``W`` as (inputs, outputs), so no transpose is needed).
- ``BatchNormalization`` runs in inference mode: it normalises with the
  running mean and variance learnt in training, as ``train=False`` does.
- Dropout is left out: at inference it is the identity (minidl's dropout is
  *inverted*: it rescales during training, never at prediction).
- ``Softmax`` turns the scores into probabilities, as ``predict_proba``.

The batch size is left free (``N``), and the graph computes in the
network's dtype (float32 or float64). It uses ONNX opset 17, which runtimes
from 2022 on understand.

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
from minidl.layers import Affine, BatchNorm, Dropout, ReLU, Sigmoid, Tanh
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
    network : minidl.MLP
        A network of Affine, BatchNorm, ReLU, Sigmoid, Tanh and Dropout
        layers (any :class:`~minidl.MLP`).
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

    affine = [layer for _, layer in layers if type(layer) is Affine]
    dtype = affine[0].W.dtype
    element_type = helper.np_dtype_to_tensor_dtype(dtype)
    nodes, weights = [], []

    def weight(name, array):
        weights.append(numpy_helper.from_array(np.asarray(array, dtype=dtype), name=name))
        return name

    flowing = INPUT_NAME  # the name of the tensor the next node reads
    for name, layer in layers:
        kind = type(layer)
        if kind is Dropout:
            continue
        if kind is Affine:
            inputs = [flowing, weight(f"{name}.W", layer.W), weight(f"{name}.b", layer.b)]
            nodes.append(helper.make_node("Gemm", inputs, [name], name=name))
        elif kind is BatchNorm:
            inputs = [flowing] + [weight(f"{name}.{array}", getattr(layer, array))
                                  for array in ("gamma", "beta", "running_mean", "running_var")]
            nodes.append(helper.make_node("BatchNormalization", inputs, [name], name=name, epsilon=layer.epsilon))
        else:
            nodes.append(helper.make_node(ACTIVATION_OPERATORS[kind], [flowing], [name], name=name))
        flowing = name
    nodes.append(helper.make_node("Softmax", [flowing], [OUTPUT_NAME], name="Softmax", axis=1))

    graph = helper.make_graph(
        nodes, "minidl_mlp",
        inputs=[helper.make_tensor_value_info(INPUT_NAME, element_type, ["N", affine[0].W.shape[0]])],
        outputs=[helper.make_tensor_value_info(OUTPUT_NAME, element_type, ["N", affine[-1].W.shape[1]])],
        initializer=weights,
        doc_string="class probabilities of the rows of x, by the minidl network "
                   + ", ".join(repr(layer) for _, layer in layers),
    )
    opset = [helper.make_opsetid("", OPSET)]
    model = helper.make_model(graph, opset_imports=opset, producer_name="minidl", producer_version=__version__,
                              ir_version=helper.find_min_ir_version_for(opset))
    onnx.checker.check_model(model, full_check=True)
    return model

