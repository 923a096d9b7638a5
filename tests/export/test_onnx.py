"""``to_onnx`` and ``minidl export``: the ONNX graph passes onnx.checker and onnxruntime agrees with predict_proba."""

import sys

import numpy as np
import pytest

from minidl.cli import main
from minidl.export import to_onnx
from minidl.serialization import load_model, save_model

onnx = pytest.importorskip("onnx")
onnxruntime = pytest.importorskip("onnxruntime")


def onnxruntime_probabilities(path, x):
    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return session.run(["probabilities"], {"x": x})[0]


def assert_same_probabilities(got, expected, dtype):
    assert got.dtype == dtype and got.shape == expected.shape
    # float32: the two differ by the order of float32 roundings only; float64 by far less.
    tolerance = 1e-6 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(got, expected, rtol=tolerance, atol=tolerance)


def test_onnxruntime_gives_the_probabilities_of_predict_proba(network, inputs, tmp_path):
    path = to_onnx(network, tmp_path / "net.onnx")
    onnx.checker.check_model(str(path), full_check=True)
    x = inputs.astype(network.dtype)
    assert_same_probabilities(onnxruntime_probabilities(path, x), network.predict_proba(x), network.dtype)


def test_the_graph_has_one_operator_a_layer_and_no_dropout(make_network, tmp_path):
    model = onnx.load(str(to_onnx(make_network("dropout"), tmp_path / "net.onnx")))
    assert [node.op_type for node in model.graph.node] == ["Gemm", "Tanh", "Gemm", "Tanh", "Gemm", "Softmax"]
    batchnorm = onnx.load(str(to_onnx(make_network("batchnorm"), tmp_path / "bn.onnx")))
    assert [node.op_type for node in batchnorm.graph.node][:3] == ["Gemm", "BatchNormalization", "Relu"]
    assert sorted(weight.name for weight in batchnorm.graph.initializer)[:4] == [
        "Affine1.W", "Affine1.b", "Affine2.W", "Affine2.b"]
    assert model.producer_name == "minidl" and model.opset_import[0].version == 17


def test_batch_normalisation_uses_the_running_statistics(make_network, inputs, tmp_path):
    network = make_network("batchnorm")
    one_row = inputs[:1].astype(np.float32)  # normalised by its own statistics, one row would become beta
    got = onnxruntime_probabilities(to_onnx(network, tmp_path / "net.onnx"), one_row)
    assert_same_probabilities(got, network.predict_proba(one_row), np.float32)


def run_graph(path, x):
    """The graph's probabilities for ``x``: by onnxruntime, or by onnx's reference evaluator for float64
    convolutions, which onnxruntime's CPU provider does not implement."""
    if x.dtype == np.float64 and any(node.op_type == "Conv" for node in onnx.load(str(path)).graph.node):
        from onnx.reference import ReferenceEvaluator

        return ReferenceEvaluator(str(path)).run(["probabilities"], {"x": x})[0]
    return onnxruntime_probabilities(path, x)


def test_a_convolutional_network_runs_in_onnx_as_predict_proba(convnet, images, tmp_path):
    path = to_onnx(convnet, tmp_path / "net.onnx")
    onnx.checker.check_model(str(path), full_check=True)
    x = images(convnet)
    got, expected = run_graph(path, x), convnet.predict_proba(x)
    assert got.dtype == convnet.dtype and got.shape == expected.shape
    tolerance = 1e-5 if convnet.dtype == np.float32 else 1e-12
    np.testing.assert_allclose(got, expected, rtol=tolerance, atol=tolerance)
    assert abs(got - 1 / convnet.output_size).max() > 0.05  # probabilities that say something, not all alike


def test_the_convolutional_graph_has_conv_maxpool_and_a_flatten_before_the_first_gemm(make_convnet, tmp_path):
    model = onnx.load(str(to_onnx(make_convnet("strided"), tmp_path / "net.onnx")))
    assert [node.op_type for node in model.graph.node] == [
        "Conv", "MaxPool", "Relu", "Conv", "Tanh", "MaxPool", "Flatten", "Gemm", "Relu", "Gemm", "Softmax"]
    attributes = {node.name: {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}
                  for node in model.graph.node}
    assert attributes["Convolution1"] == {"kernel_shape": [3, 2], "strides": [2, 2], "pads": [1, 1, 1, 1]}
    assert attributes["Pooling1"] == {"kernel_shape": [3, 2], "strides": [1, 1], "pads": [1, 1, 1, 1]}
    assert attributes["Pooling2"] == {"kernel_shape": [3, 3], "strides": [2, 2], "pads": [1, 1, 1, 1]}
    dims = [dim.dim_param or dim.dim_value for dim in model.graph.input[0].type.tensor_type.shape.dim]
    assert dims == ["N", 2, 11, 7]


def test_a_convolutional_graph_takes_any_batch_size(make_convnet, images, tmp_path):
    network = make_convnet("simpleconvnet-digits")
    path = to_onnx(network, tmp_path / "net.onnx")
    for count in (1, 7):
        x = images(network, count)
        np.testing.assert_allclose(onnxruntime_probabilities(path, x), network.predict_proba(x), rtol=1e-5, atol=1e-5)


def test_minidl_export_writes_the_onnx_file_of_a_saved_model(make_network, inputs, tmp_path, capsys):
    save_model(make_network("batchnorm"), tmp_path / "model.npz")
    out = tmp_path / "model.onnx"
    assert main(["export", str(tmp_path / "model.npz"), "--format", "onnx", str(out)]) == 0
    assert capsys.readouterr().out == (f"wrote {out}: 12 -> 16 -> 8 -> 5 (relu), input 'x' (N, 12) float32, "
                                       "output 'probabilities' (N, 5)\n")
    x = inputs.astype(np.float32)
    expected = load_model(tmp_path / "model.npz").predict_proba(x)
    assert_same_probabilities(onnxruntime_probabilities(out, x), expected, np.float32)


def test_minidl_export_writes_the_onnx_file_of_a_saved_convolutional_network(make_convnet, images, tmp_path,
                                                                            capsys):
    network = make_convnet("simpleconvnet-digits")
    save_model(network, tmp_path / "cnn.npz")
    out = tmp_path / "cnn.onnx"
    assert main(["export", str(tmp_path / "cnn.npz"), "--format", "onnx", str(out)]) == 0
    assert capsys.readouterr().out == (f"wrote {out}: {network.describe()}, input 'x' (N, 1, 8, 8) float32, "
                                       "output 'probabilities' (N, 10)\n")
    x = images(network)
    np.testing.assert_allclose(onnxruntime_probabilities(out, x), network.predict_proba(x), rtol=1e-5, atol=1e-5)


def test_without_onnx_the_command_names_the_extra(make_network, tmp_path, monkeypatch, capsys):
    save_model(make_network("relu"), tmp_path / "model.npz")
    monkeypatch.setitem(sys.modules, "onnx", None)
    assert main(["export", str(tmp_path / "model.npz"), "--format", "onnx", str(tmp_path / "model.onnx")]) == 1
    assert capsys.readouterr().err == ('minidl: error: exporting to ONNX needs onnx, which is not installed; '
                                       'pip install "onnx>=1.14" "onnxruntime>=1.16" (minidl\'s [onnx] extra)\n')
    assert not (tmp_path / "model.onnx").exists()


def test_a_failed_export_keeps_the_old_file(make_network, tmp_path, monkeypatch):
    path = tmp_path / "net.onnx"
    path.write_bytes(b"the old model")

    def interrupted(model):
        raise KeyboardInterrupt

    monkeypatch.setattr(onnx.ModelProto, "SerializeToString", interrupted)
    with pytest.raises(KeyboardInterrupt):
        to_onnx(make_network("relu"), path)
    assert path.read_bytes() == b"the old model" and [item.name for item in tmp_path.iterdir()] == ["net.onnx"]
