"""``to_torch`` and ``from_torch``: the same weights and outputs in PyTorch, and back.

PyTorch is not a dependency of minidl, nor installed in CI: these tests are
skipped without it (``pip install torch==2.13.0`` runs them). The errors that
need no PyTorch are in ``tests/test_errors.py``.
"""

import numpy as np
import pytest

import minidl
from minidl.export import from_torch, to_torch

torch = pytest.importorskip("torch")
nn = torch.nn


def scores_of(module, x):
    with torch.no_grad():
        return module(torch.from_numpy(x)).numpy()


def sgd_steps(module, x, labels, steps=3, lr=0.1):
    """Train ``module`` in torch with plain SGD steps (torch.optim takes seconds to import)."""
    for _ in range(steps):
        module.zero_grad()
        nn.functional.cross_entropy(module(x), labels).backward()
        with torch.no_grad():
            for parameter in module.parameters():
                parameter -= lr * parameter.grad


def tolerance(dtype):
    return {"rtol": 1e-5, "atol": 1e-5} if dtype == np.float32 else {"rtol": 1e-12, "atol": 1e-12}


def test_to_torch_computes_the_scores_and_probabilities_of_the_network(network, inputs):
    x = inputs.astype(network.dtype)
    module = to_torch(network)
    assert not module.training
    assert {parameter.dtype for parameter in module.parameters()} == {torch.from_numpy(x).dtype}
    np.testing.assert_allclose(scores_of(module, x), network.predict(x), **tolerance(network.dtype))
    np.testing.assert_allclose(scores_of(to_torch(network, softmax=True), x), network.predict_proba(x),
                               **tolerance(network.dtype))


def test_from_torch_of_to_torch_gives_the_network_back_exactly(network):
    back = from_torch(to_torch(network))
    ignored = ("seed", "weight_init")  # neither is part of a module: the weights are copied over
    assert {key: value for key, value in back.config.items() if key not in ignored} == {
        key: value for key, value in network.config.items() if key not in ignored}
    original = network.state_dict()
    assert back.state_dict().keys() == original.keys()
    for name, array in back.state_dict().items():
        assert array.dtype == original[name].dtype and np.array_equal(array, original[name]), name


def test_the_module_trains_in_torch_and_comes_back_with_what_it_learnt(make_network, inputs):
    module = to_torch(make_network("batchnorm")).train()
    x, labels = torch.from_numpy(inputs.astype(np.float32)), torch.arange(64) % 5
    sgd_steps(module, x, labels)
    module.eval()
    np.testing.assert_allclose(from_torch(module).predict(inputs), scores_of(module, x.numpy()), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_a_module_made_in_torch_becomes_an_equal_mlp(dtype, inputs):
    torch.manual_seed(0)
    module = nn.Sequential(nn.Linear(12, 20), nn.BatchNorm1d(20), nn.Sigmoid(), nn.Dropout(0.25),
                           nn.Linear(20, 9), nn.BatchNorm1d(9), nn.Sigmoid(), nn.Dropout(0.25),
                           nn.Linear(9, 3, bias=False), nn.Softmax(dim=1)).to(dtype)
    x = torch.from_numpy(inputs).to(dtype)
    with torch.no_grad():
        module.train()(x)  # one training pass moves the running statistics away from 0 and 1
    module.eval()
    network = from_torch(module)
    assert network.config["hidden_sizes"] == [20, 9] and network.activation == "sigmoid"
    assert network.dropout == 0.25 and network.batchnorm
    assert network.dtype == (np.float64 if dtype == torch.float64 else np.float32)
    np.testing.assert_allclose(network.predict_proba(x.numpy()), scores_of(module, x.numpy()),
                               **tolerance(network.dtype))


@pytest.mark.parametrize("module, message", [
    (lambda: nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 3), nn.Tanh(), nn.Linear(3, 2)),
     "hidden layer 2 has {'activation': 'tanh'"),
    (lambda: nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.ReLU(), nn.Linear(3, 2)),
     "hidden layer 1 is Linear -> ReLU -> ReLU"),
    (lambda: nn.Sequential(nn.Linear(4, 3), nn.ReLU()), "must end with a Linear layer"),
    (lambda: nn.Sequential(nn.ReLU(), nn.Linear(4, 2)), "must start with a Linear layer, not ReLU"),
    (lambda: nn.Sequential(nn.Linear(4, 2), nn.Softmax(dim=0)), "not dim=0"),
    (lambda: nn.Sequential(nn.Linear(4, 3), nn.BatchNorm1d(3, eps=1e-3), nn.ReLU(), nn.Linear(3, 2)), "eps=0.001"),
    (lambda: nn.Sequential(nn.Linear(4, 3), nn.BatchNorm1d(3, track_running_stats=False), nn.ReLU(),
                           nn.Linear(3, 2)), "keeps no running statistics"),
    (lambda: nn.Linear(4, 2), "needs a torch.nn.Sequential"),
], ids=["mixed-activations", "two-activations", "no-last-linear", "no-first-linear", "softmax-dim",
        "batchnorm-eps", "batchnorm-no-statistics", "not-sequential"])
def test_modules_minidl_cannot_hold_are_refused_by_name(module, message):
    # A module of another kind (LeakyReLU): tests/test_errors.py.
    with pytest.raises(ValueError, match="from_torch") as caught:
        from_torch(module())
    assert message in str(caught.value)


# ================================================================ convolutional networks
def test_a_convolutional_network_computes_the_same_in_torch(convnet, images):
    x = images(convnet)
    module = to_torch(convnet)
    assert not module.training
    assert {parameter.dtype for parameter in module.parameters()} == {torch.from_numpy(x).dtype}
    close = {"rtol": 1e-5, "atol": 1e-5} if convnet.dtype == np.float32 else {"rtol": 1e-10, "atol": 1e-10}
    np.testing.assert_allclose(scores_of(module, x), convnet.predict(x), **close)
    np.testing.assert_allclose(scores_of(to_torch(convnet, softmax=True), x), convnet.predict_proba(x), **close)


def test_from_torch_of_to_torch_gives_the_convolutional_network_back_exactly(convnet):
    back = from_torch(to_torch(convnet), input_shape=convnet.input_shape)
    assert type(back) is type(convnet) and back.dtype == convnet.dtype
    ignored = ("seed", "weight_init")  # neither is part of a module: the weights are copied over
    assert {key: value for key, value in back.config.items() if key not in ignored} == {
        key: value for key, value in convnet.config.items() if key not in ignored}
    original = convnet.state_dict()
    assert list(back.state_dict()) == list(original)
    for name, array in back.state_dict().items():
        assert array.dtype == original[name].dtype and np.array_equal(array, original[name]), name


def test_the_modules_of_the_book_network_and_of_a_strided_one(make_convnet):
    book = to_torch(make_convnet("simpleconvnet-padded-strided"))
    assert [type(child).__name__ for child in book] == ["Conv2d", "ReLU", "MaxPool2d", "Flatten", "Linear", "ReLU",
                                                        "Linear"]
    assert (book[0].in_channels, book[0].out_channels, book[0].kernel_size) == (3, 5, (3, 3))
    assert (book[0].stride, book[0].padding) == ((2, 2), (2, 2))
    assert (book[2].kernel_size, book[2].stride, book[2].padding) == ((2, 2), 2, 0)
    strided = to_torch(make_convnet("strided"))
    assert [type(child).__name__ for child in strided] == [
        "Conv2d", "MaxPool2d", "ReLU", "Conv2d", "Tanh", "MaxPool2d", "Dropout", "Flatten", "Linear", "ReLU", "Linear"]
    assert (strided[0].kernel_size, strided[1].kernel_size, strided[1].stride, strided[1].padding) == (
        (3, 2), (3, 2), 1, 1)


def test_a_convolutional_module_made_in_torch_becomes_an_equal_network(images):
    torch.manual_seed(0)
    module = nn.Sequential(nn.Conv2d(2, 4, (2, 3), stride=(2, 2), padding=1), nn.Tanh(),
                           nn.MaxPool2d((3, 2), stride=1, padding=(1, 1)), nn.Conv2d(4, 3, 3, bias=False), nn.ReLU(),
                           nn.Flatten(), nn.Dropout(0.2), nn.Linear(3 * 4 * 3, 6), nn.BatchNorm1d(6), nn.Sigmoid(),
                           nn.Linear(6, 3), nn.Softmax(dim=1)).double()
    x = torch.from_numpy(np.random.default_rng(1).normal(size=(16, 2, 11, 8)))
    with torch.no_grad():
        module.train()(x)  # one training pass moves the running statistics away from 0 and 1
    module.eval()
    network = from_torch(module, input_shape=(2, 11, 8))
    assert type(network) is minidl.Sequential and network.dtype == np.float64
    assert list(network.layers) == ["Convolution1", "Tanh1", "Pooling1", "Convolution2", "ReLU1", "Dropout1",
                                    "Affine1", "BatchNorm1", "Sigmoid1", "Affine2"]
    np.testing.assert_allclose(network.predict_proba(x.numpy()), scores_of(module, x.numpy()), rtol=1e-10,
                               atol=1e-12)


def test_the_book_network_trains_in_torch_and_comes_back_with_what_it_learnt(make_convnet, images):
    network = make_convnet("simpleconvnet-digits")
    module = to_torch(network).train()
    x = torch.from_numpy(images(network, 20))
    labels = torch.arange(20) % 10
    sgd_steps(module, x, labels)
    module.eval()
    back = from_torch(module, input_shape=(1, 8, 8))
    assert type(back) is minidl.SimpleConvNet and not np.array_equal(back.params["W1"], network.params["W1"])
    np.testing.assert_allclose(back.predict(x.numpy()), scores_of(module, x.numpy()), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("module, message", [
    (lambda: nn.Sequential(nn.Conv2d(1, 2, 3), nn.Flatten(), nn.Linear(8, 2)), "needs input_shape=(channels, height"),
    (lambda: nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU(), nn.Linear(2, 2)),
     "module 2 (Linear) takes images (N, C, H, W)"),
    (lambda: nn.Sequential(nn.Conv2d(1, 2, 3), nn.Flatten(), nn.Linear(8, 4), nn.MaxPool2d(2), nn.Linear(4, 2)),
     "module 3 (MaxPool2d) comes after a Flatten or a Linear"),
    (lambda: nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm1d(2), nn.Flatten(), nn.Linear(8, 2)),
     "module 1 (BatchNorm1d) takes images"),
    (lambda: nn.Sequential(nn.Conv2d(1, 2, 3, dilation=2), nn.Flatten(), nn.Linear(2, 2)), "dilation=(2, 2)"),
    (lambda: nn.Sequential(nn.Conv2d(1, 2, 3, stride=(1, 2)), nn.Flatten(), nn.Linear(4, 2)),
     "module 0 (Conv2d) stride is (1, 2), not the same along the height and the width"),
    (lambda: nn.Sequential(nn.Conv2d(1, 2, 3, padding="same"), nn.Flatten(), nn.Linear(32, 2)), "padding='same'"),
    (lambda: nn.Sequential(nn.MaxPool2d(2, ceil_mode=True), nn.Flatten(), nn.Linear(4, 2)), "ceil_mode=True"),
    (lambda: nn.Sequential(nn.Conv2d(1, 2, 3), nn.Flatten(2), nn.Linear(4, 2)), "Flatten(start_dim=2"),
    (lambda: nn.Sequential(nn.Linear(4, 3), nn.Softmax(dim=1), nn.Linear(3, 2)), "a Softmax only at the end"),
], ids=["no-input-shape", "linear-on-images", "pool-after-flatten", "batchnorm-on-images", "dilation",
        "unequal-stride", "padding-same", "ceil-mode", "flatten-start-dim", "softmax-inside"])
def test_convolutional_modules_minidl_cannot_hold_are_refused_by_name(module, message):
    with pytest.raises(ValueError, match="from_torch") as caught:
        from_torch(module(), input_shape=None if message.startswith("needs") else (1, 4, 4))
    assert message in str(caught.value)


def test_input_shape_of_an_mlp_must_hold_its_inputs():
    module = nn.Sequential(nn.Flatten(), nn.Linear(64, 5), nn.ReLU(), nn.Linear(5, 3))
    assert from_torch(module, input_shape=(1, 8, 8)).input_size == 64
    with pytest.raises(ValueError, match=r"input_shape \(1, 7, 7\) holds 49 numbers, but the first Linear takes 64"):
        from_torch(module, input_shape=(1, 7, 7))
