"""``to_torch`` and ``from_torch``: the same weights and outputs in PyTorch, and back.

PyTorch is not a dependency of minidl, nor installed in CI: these tests are
skipped without it (``pip install torch==2.13.0`` runs them). The errors that
need no PyTorch are in ``tests/test_errors.py``.
"""

import numpy as np
import pytest

from minidl.export import from_torch, to_torch

torch = pytest.importorskip("torch")
nn = torch.nn


def scores_of(module, x):
    with torch.no_grad():
        return module(torch.from_numpy(x)).numpy()


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
    for _ in range(3):  # plain SGD steps (torch.optim takes seconds to import)
        module.zero_grad()
        nn.functional.cross_entropy(module(x), labels).backward()
        with torch.no_grad():
            for parameter in module.parameters():
                parameter -= 0.1 * parameter.grad
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
