"""check_network passes minidl's MLP and a correct book-style network, and catches broken ones."""

import numpy as np
import pytest
from toys import Swish

from minidl import MLP, Sequential
from minidl.homework.checks import CheckFailed, check_network
from minidl.layers import Affine, ReLU
from minidl.losses import SoftmaxWithLoss


class TwoLayerNet:
    """The book's TwoLayerNet, built on minidl's layers: loss(x, t) without train."""

    def __init__(self, dtype=np.float64, seed=0):
        rng = np.random.default_rng(seed)
        self.params = {"W1": (rng.standard_normal((4, 5)) * 0.5).astype(dtype), "b1": np.zeros(5, dtype),
                       "W2": (rng.standard_normal((5, 3)) * 0.5).astype(dtype), "b2": np.zeros(3, dtype)}
        self.layers = [Affine(self.params["W1"], self.params["b1"]), ReLU(),
                       Affine(self.params["W2"], self.params["b2"])]
        self.last_layer = SoftmaxWithLoss()

    def predict(self, x):
        for layer in self.layers:
            x = layer.forward(x)
        return x

    def loss(self, x, t):
        return self.last_layer.forward(self.predict(x), t)

    def gradient(self, x, t):
        self.loss(x, t)
        dout = self.last_layer.backward()
        for layer in reversed(self.layers):
            dout = layer.backward(dout)
        return {"W1": self.layers[0].dW, "b1": self.layers[0].db, "W2": self.layers[2].dW, "b2": self.layers[2].db}


class DoubledBiasGradient(TwoLayerNet):
    def gradient(self, x, t):
        grads = super().gradient(x, t)
        grads["b2"] = grads["b2"] * 2
        return grads


class MissingGradient(TwoLayerNet):
    def gradient(self, x, t):
        grads = super().gradient(x, t)
        del grads["b1"]
        return grads


class UphillGradient(TwoLayerNet):
    def gradient(self, x, t):
        return {key: -value for key, value in super().gradient(x, t).items()}


class Float64Scores(TwoLayerNet):
    def predict(self, x):
        return super().predict(x).astype(np.float64)


@pytest.mark.parametrize("settings", [
    {},
    {"dtype": np.float64},
    {"dropout": 0.5, "dtype": np.float64},
    {"batchnorm": True, "dropout": 0.2},
    {"activation": "tanh", "weight_decay": 0.01},
    {"activation": "sigmoid", "weight_init": "xavier"},
    {"hidden_sizes": [8, 8, 8]},
    {"hidden_sizes": []},
], ids=["float32", "float64", "dropout", "batchnorm-dropout", "tanh-decay", "sigmoid", "deep", "softmax-regression"])
def test_minidl_networks_pass(settings):
    settings = {"hidden_sizes": [5, 4], **settings}
    report = check_network(MLP(6, output_size=3, seed=0, **settings))
    assert report.ok, str(report)


@pytest.mark.parametrize("seed", range(6))
def test_relu_kinks_do_not_make_correct_networks_fail(seed):
    # Zero biases put dead-unit samples exactly on the next ReLU's kink; the
    # check must not mistake that for a bug, whatever the seed.
    network = MLP(6, [8, 8, 8], 3, dropout=0.3, seed=seed)
    assert check_network(network, seed=seed, batch_size=6).ok


def test_book_style_network_passes():
    report = check_network(TwoLayerNet())
    assert report.ok, str(report)
    assert [name for name, _, _ in report.rows] == [
        "predict shape", "predict dtype", "gradient keys", "gradient shapes and dtypes", "loss",
        "loss decreases", "gradient check"]


def test_a_wrong_gradient_is_caught_and_named():
    report = check_network(DoubledBiasGradient())
    (problem,) = report.problems
    # |2g - g| / (|2g| + |g|) = 1/3 for the doubled bias gradient.
    assert problem.startswith("gradient check: backpropagation disagrees with finite differences: "
                              "relative errors b2 3.3e-01")


def test_a_missing_gradient_key_is_caught():
    report = check_network(MissingGradient())
    assert report.problems[0].startswith("gradient keys: params has keys ['W1', 'b1', 'W2', 'b2'] "
                                         "but the gradients have ['W1', 'W2', 'b2']")


def test_gradients_pointing_uphill_do_not_lower_the_loss():
    report = check_network(UphillGradient())
    names = [problem.split(":")[0] for problem in report.problems]
    assert names == ["loss decreases", "gradient check"]


def test_scores_in_another_dtype_are_caught():
    report = check_network(Float64Scores(dtype=np.float32))
    names = [problem.split(":")[0] for problem in report.problems]
    assert "predict dtype" in names


def test_float32_network_without_config_is_reported_not_guessed():
    report = check_network(TwoLayerNet(dtype=np.float32))
    expected = ("gradient check: parameters are float32: finite differences need float64; "
                "build the network with float64 parameters to check its gradients")
    assert report.problems == [expected]


def test_a_float32_sequential_of_an_unregistered_layer_is_checked_in_float64():
    # Its float64 twin is copied layer by layer: no config, which an unregistered layer has none of.
    net = MLP(6, [5], 3, seed=0)
    network = Sequential([("Affine1", net.layers["Affine1"]), ("Swish1", Swish()), ("Affine2", net.layers["Affine2"])])
    report = check_network(network)
    assert report.ok, str(report)
    assert network.dtype == np.float32


def test_the_checked_network_is_left_unchanged():
    network = MLP(6, [5], 3, dropout=0.5, seed=0)
    before, rng_state = network.state_dict(), network.rng.bit_generator.state
    check_network(network)
    assert all(np.array_equal(before[key], value) for key, value in network.state_dict().items())
    assert network.rng.bit_generator.state == rng_state


def test_a_given_batch_is_used():
    x = np.random.default_rng(1).standard_normal((7, 6))
    report = check_network(MLP(6, [5], 3, seed=0), x, np.arange(7) % 3)
    assert ("predict shape", True, "(7, 3) for a batch of 7") in report.rows


def test_raise_on_failure():
    with pytest.raises(CheckFailed, match="FAIL  gradient check"):
        check_network(DoubledBiasGradient(), raise_on_failure=True)


def test_an_object_without_params_is_refused():
    with pytest.raises(TypeError, match="needs a non-empty dict `params`"):
        check_network(object())


# ----------------------------------------------------------------- hints name the mistake
class SummedInsteadOfAveraged(TwoLayerNet):
    def gradient(self, x, t):
        return {key: value * len(x) for key, value in super().gradient(x, t).items()}


class SwappedKeys(TwoLayerNet):
    def gradient(self, x, t):
        grads = super().gradient(x, t)
        grads["W1"], grads["W2"] = grads["W2"], grads["W1"]
        return grads


class TransposedGradient(TwoLayerNet):
    def gradient(self, x, t):
        grads = super().gradient(x, t)
        grads["W1"] = grads["W1"].T
        return grads


class LayersHoldingCopies(TwoLayerNet):
    def __init__(self):
        super().__init__()
        self.layers = [Affine(self.params["W1"].copy(), self.params["b1"].copy()), ReLU(),
                       Affine(self.params["W2"].copy(), self.params["b2"].copy())]


@pytest.mark.parametrize("make_network, name, hint", [
    (DoubledBiasGradient, "gradient check", "grads['b2'] is 2.00x the numerical gradient"),
    (UphillGradient, "gradient check", "every gradient has the wrong sign: it is minus the numerical gradient"),
    (SummedInsteadOfAveraged, "gradient check", (
        "every gradient is 4x the numerical gradient, and 4 is the batch size: a sum where the mean belongs, or a "
        "missing division by the batch size?")),
    (SwappedKeys, "gradient shapes and dtypes", (
        "grads['W1'] has the shape of params['W2']: are two keys swapped?; grads['W2'] has the shape of "
        "params['W1']: are two keys swapped?")),
    (TransposedGradient, "gradient shapes and dtypes", "grads['W1'] has the transposed shape of params['W1']"),
    (LayersHoldingCopies, "gradient check", (
        "the loss does not change when any parameter changes: the layers do not read the arrays of params "
        "(do they hold copies?)")),
], ids=["factor", "sign", "batch-size", "swapped", "transposed", "copies"])
def test_a_planted_mistake_gets_the_hint_that_finds_it(make_network, name, hint):
    report = check_network(make_network())
    (found,) = [row for row in report.rows if row.name == name]
    assert found.status == "fail" and found.hint == hint


def test_wrong_gradient_shapes_stop_the_check_before_training():
    report = check_network(SwappedKeys())
    assert [row.name for row in report.rows][-2:] == ["gradient shapes and dtypes", "loss"]


def test_layers_holding_copies_leave_the_loss_unchanged():
    report = check_network(LayersHoldingCopies())
    (found,) = [row for row in report.rows if row.name == "loss decreases"]
    assert found.detail.endswith("after 10 SGD steps (lr=0.1); the loss did not change at all")
    assert found.hint.startswith("the layers do not see the updated params (do they hold copies of the arrays?)")


# ----------------------------------------------------------------- unfinished and crashing networks
class GradientToDo(TwoLayerNet):
    def gradient(self, x, t):
        raise NotImplementedError("TODO: backpropagation")


class PredictCrashing(TwoLayerNet):
    def predict(self, x):
        return x @ self.params["W2"]


def test_an_unimplemented_gradient_reads_not_implemented_yet():
    report = check_network(GradientToDo())
    assert report.status == "todo"
    assert [(row.name, row.status) for row in report.rows] == [
        ("predict shape", "pass"), ("predict dtype", "pass"), ("gradient", "todo")]
    assert report.problems[0].startswith("gradient: not implemented yet (TODO): gradient raised "
                                         "NotImplementedError: TODO: backpropagation (test_network.py line ")


def test_an_exception_in_the_network_is_reported_not_raised():
    report = check_network(PredictCrashing())
    (problem,) = report.problems
    assert problem.startswith("predict: predict raised ValueError: matmul: Input operand 1 has a mismatch")
    assert problem.endswith(', in predict: return x @ self.params["W2"])')
