"""Record PyTorch's convolution and max pooling, with their gradients, for the tests of ``minidl.layers``.

What it does
------------
For each case below (shapes with stride, padding, several channels and
non-square images, filters and windows) it draws a random input, filters,
biases and upstream gradient ``dout`` in float64, runs
``torch.nn.functional.conv2d`` or ``max_pool2d`` and autograd, and saves
inputs, output and gradients (``dx``, ``dW``, ``db``) to
``fixtures/convolution.npz`` and ``fixtures/pooling.npz`` beside this file
(atomically, with ``minidl.files.save_npz``). ``fixtures/simple_convnet.npz``
holds the loss and every parameter's gradient of a small network of the
book's chapter 7 (``minidl.SimpleConvNet``: conv - ReLU - pool - Affine -
ReLU - Affine - softmax cross-entropy; tested in ``tests/test_convnet.py``). ``tests/layers/test_against_torch.py``
runs minidl's ``Convolution`` and ``Pooling`` on the same arrays. PyTorch is
needed only here, never by the tests.

How to run (from any folder)
----------------------------
    pip install torch==2.13.0        # the CPU wheel; never a plain "pip install torch"
    python tests/layers/make_torch_fixtures.py
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from minidl.files import save_npz

FIXTURES = Path(__file__).resolve().parent / "fixtures"

#: name, (N, C, H, W), (filters, filter_h, filter_w), stride, pad
CONVOLUTIONS = [
    ("one-channel-5x5", (3, 1, 8, 8), (4, 5, 5), 1, 0),
    ("three-channels-padded", (2, 3, 7, 7), (5, 3, 3), 1, 1),
    ("non-square-stride-2", (2, 2, 9, 7), (3, 3, 2), 2, 0),
    ("non-square-stride-3-pad-2", (2, 3, 8, 11), (4, 2, 4), 3, 2),
    ("stride-2-pad-1-uneven", (3, 2, 10, 6), (2, 4, 3), 2, 1),
    ("filter-as-large-as-the-image", (2, 2, 5, 4), (3, 5, 4), 1, 0),
]

#: name, (N, C, H, W), (pool_h, pool_w), stride (None: the window), pad
POOLINGS = [
    ("2x2-tiling", (2, 3, 8, 8), (2, 2), None, 0),
    ("2x2-odd-size", (2, 2, 7, 9), (2, 2), None, 0),
    ("3x3-stride-2-overlapping", (2, 2, 9, 9), (3, 3), 2, 0),
    ("3x2-stride-2-pad-1", (2, 3, 9, 8), (3, 2), 2, 1),
    ("3x3-stride-1-pad-1", (1, 2, 6, 7), (3, 3), 1, 1),
    ("4x3-stride-3", (3, 1, 10, 11), (4, 3), 3, 0),
]


def convolution_case(rng, input_shape, filter_shape, stride, pad):
    filters, filter_h, filter_w = filter_shape
    x = rng.standard_normal(input_shape)
    W = rng.standard_normal((filters, input_shape[1], filter_h, filter_w))
    b = rng.standard_normal(filters)
    x_t, W_t, b_t = (torch.tensor(array, requires_grad=True) for array in (x, W, b))
    out = torch.nn.functional.conv2d(x_t, W_t, b_t, stride=stride, padding=pad)
    dout = rng.standard_normal(tuple(out.shape))
    out.backward(torch.from_numpy(dout))
    return {"x": x, "W": W, "b": b, "dout": dout, "out": out.detach().numpy(),
            "dx": x_t.grad.numpy(), "dW": W_t.grad.numpy(), "db": b_t.grad.numpy()}


def pooling_case(rng, input_shape, window, stride, pad):
    x = rng.standard_normal(input_shape)
    x_t = torch.tensor(x, requires_grad=True)
    out = torch.nn.functional.max_pool2d(x_t, window, stride=window if stride is None else stride, padding=pad)
    dout = rng.standard_normal(tuple(out.shape))
    out.backward(torch.from_numpy(dout))
    return {"x": x, "dout": dout, "out": out.detach().numpy(), "dx": x_t.grad.numpy()}


#: The whole network of the book's chapter 7, small: 2x9x8 images, 3 filters 3x3 with stride 2 and pad 1.
CONVNET = {"input_dim": [2, 9, 8], "conv_param": {"filter_num": 3, "filter_size": 3, "pad": 1, "stride": 2},
           "hidden_size": 7, "output_size": 4}


def convnet_case(rng, samples=6):
    """Loss and gradients of conv - ReLU - 2x2 max pool - Affine - ReLU - Affine - softmax cross-entropy."""
    channels, height, width = CONVNET["input_dim"]
    conv = CONVNET["conv_param"]
    size, stride, pad = conv["filter_size"], conv["stride"], conv["pad"]
    conv_h, conv_w = (height + 2 * pad - size) // stride + 1, (width + 2 * pad - size) // stride + 1
    pooled = conv["filter_num"] * (conv_h // 2) * (conv_w // 2)
    params = {
        "W1": rng.standard_normal((conv["filter_num"], channels, size, size)),
        "b1": rng.standard_normal(conv["filter_num"]) * 0.5,
        "W2": rng.standard_normal((pooled, CONVNET["hidden_size"])) * 0.5,
        "b2": rng.standard_normal(CONVNET["hidden_size"]) * 0.5,
        "W3": rng.standard_normal((CONVNET["hidden_size"], CONVNET["output_size"])) * 0.5,
        "b3": rng.standard_normal(CONVNET["output_size"]) * 0.5,
    }
    x = rng.standard_normal((samples, channels, height, width))
    t = rng.integers(0, CONVNET["output_size"], size=samples)
    tensors = {name: torch.tensor(value, requires_grad=True) for name, value in params.items()}
    functional = torch.nn.functional
    hidden = functional.max_pool2d(torch.relu(functional.conv2d(torch.from_numpy(x), tensors["W1"], tensors["b1"],
                                                                stride=stride, padding=pad)), 2)
    hidden = torch.relu(hidden.flatten(1) @ tensors["W2"] + tensors["b2"])
    loss = functional.cross_entropy(hidden @ tensors["W3"] + tensors["b3"], torch.from_numpy(t))
    loss.backward()
    arrays = {"x": x, "t": t, "loss": np.array(loss.item())}
    arrays.update({f"params/{name}": value for name, value in params.items()})
    arrays.update({f"grads/{name}": tensor.grad.numpy() for name, tensor in tensors.items()})
    return arrays


def main():
    torch.set_default_dtype(torch.float64)
    FIXTURES.mkdir(exist_ok=True)
    made_by = f"tests/layers/make_torch_fixtures.py with torch {torch.__version__}, float64"
    rng = np.random.default_rng(2026)
    arrays, cases = {}, []
    for name, input_shape, filter_shape, stride, pad in CONVOLUTIONS:
        for key, value in convolution_case(rng, input_shape, filter_shape, stride, pad).items():
            arrays[f"{name}/{key}"] = value
        cases.append({"name": name, "stride": stride, "pad": pad})
        print(f"convolution {name:32s} out {arrays[f'{name}/out'].shape}")
    save_npz(FIXTURES / "convolution.npz", arrays, {"made_by": made_by, "cases": cases})
    arrays, cases = {}, []
    for name, input_shape, window, stride, pad in POOLINGS:
        for key, value in pooling_case(rng, input_shape, window, stride, pad).items():
            arrays[f"{name}/{key}"] = value
        cases.append({"name": name, "pool_h": window[0], "pool_w": window[1], "stride": stride, "pad": pad})
        print(f"pooling     {name:32s} out {arrays[f'{name}/out'].shape}")
    save_npz(FIXTURES / "pooling.npz", arrays, {"made_by": made_by, "cases": cases})
    save_npz(FIXTURES / "simple_convnet.npz", convnet_case(rng), {"made_by": made_by, "config": CONVNET})
    print(f"wrote convolution.npz, pooling.npz and simple_convnet.npz in {FIXTURES}")


if __name__ == "__main__":
    main()
