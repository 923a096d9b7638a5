"""Sequential: a network of any layers, the same numbers as the MLP, layers of one's own, guarded layer keys."""

import copy
import pickle

import numpy as np
import pytest
from toys import Forgetful, Scale

from minidl import MLP, Sequential, Trainer
from minidl.gradcheck import check_gradients
from minidl.homework.checks import check_layer
from minidl.layers import Affine, Dropout, ReLU, SoftmaxWithLoss, Tanh


def batch(seed=0, n_samples=12, n_features=5, n_classes=3):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n_samples, n_features)), rng.integers(0, n_classes, n_samples)


class LeakyReLU:
    """A layer of one's own without parameters: x for x > 0, slope * x below."""

    def __init__(self, slope=0.01):
        self.slope = slope

    def forward(self, x, train=True):
        self.negative = x <= 0
        return np.where(self.negative, self.slope * x, x)

    def backward(self, dout):
        return np.where(self.negative, self.slope * dout, dout)


def same_as_mlp(net):
    """A Sequential made of copies of the layers of ``net`` (an MLP) with the same weights."""
    layers = []
    for name, layer in net.layers.items():
        if isinstance(layer, Affine):
            layers.append((name, Affine(layer.W.copy(), layer.b.copy())))
        else:
            layers.append((name, type(layer)()))
    return Sequential(layers, seed=net.seed)


# ================================================================ structure
def test_unnamed_layers_are_named_by_class_and_params_in_layer_order():
    rng = np.random.default_rng(0)
    net = Sequential([Affine(rng.standard_normal((5, 4)), np.zeros(4)), ReLU(),
                      Affine(rng.standard_normal((4, 4)), np.zeros(4)), Tanh(),
                      Affine(rng.standard_normal((4, 3)), np.zeros(3))])
    assert list(net.layers) == ["Affine1", "ReLU1", "Affine2", "Tanh1", "Affine3"]
    assert list(net.params) == ["W1", "b1", "W2", "b2", "W3", "b3"]
    assert isinstance(net.last_layer, SoftmaxWithLoss)
    assert (net.input_size, net.output_size, net.input_shape) == (5, 3, (5,))
    assert net.dtype == np.float64  # the layers' own dtype
    # The layers read the network's arrays: an in-place update reaches them.
    assert net.layers["Affine2"].W is net.params["W2"]
    assert np.shares_memory(net.params["W2"], net.params.flat)


def test_a_sequential_of_the_mlp_layers_computes_the_mlp_numbers_exactly():
    mlp = MLP(5, [6, 4], 3, activation="tanh", dtype=np.float64, seed=3)
    net = same_as_mlp(mlp)
    x, t = batch()
    np.testing.assert_array_equal(net.predict(x), mlp.predict(x))
    np.testing.assert_array_equal(net.predict_proba(x), mlp.predict_proba(x))
    assert net.loss(x, t) == mlp.loss(x, t) and net.accuracy(x, t) == mlp.accuracy(x, t)
    loss, grads = net.loss_and_gradient(x, t)
    mlp_loss, mlp_grads = mlp.loss_and_gradient(x, t)
    assert loss == mlp_loss and list(grads) == list(mlp_grads)
    for name in grads:
        np.testing.assert_array_equal(grads[name], mlp_grads[name])
    np.testing.assert_array_equal(net.gradient(x, t)["W1"], mlp_grads["W1"])


def test_the_mlp_is_a_sequential():
    assert isinstance(MLP(4, [3], 2), Sequential)


def test_weight_decay_penalises_only_the_weights():
    rng = np.random.default_rng(1)
    net = Sequential([Affine(rng.standard_normal((5, 3)), rng.standard_normal(3))], weight_decay=0.5)
    expected = 0.25 * float(np.sum(net.params["W1"] ** 2))
    assert net.weight_penalty() == pytest.approx(expected, rel=1e-12)
    assert max(check_gradients(net, *batch()).values()) < 1e-7


def test_input_shape_is_needed_unless_the_first_layer_is_an_affine():
    with pytest.raises(ValueError, match=r"Sequential needs input_shape=\(\.\.\.\)"):
        Sequential([ReLU(), Affine(np.ones((4, 3)), np.zeros(3))])
    net = Sequential([ReLU(), Affine(np.ones((4, 3)), np.zeros(3))], input_shape=(4,))
    assert net.predict(np.ones((2, 4))).shape == (2, 3)


def test_layers_that_do_not_fit_together_are_refused_at_once():
    with pytest.raises(ValueError, match=r"layer 'Affine2' \(Affine\) does not take the output of the layer "
                                         r"before it, of shape \(N, 4\)"):
        Sequential([Affine(np.ones((5, 4)), np.zeros(4)), Affine(np.ones((3, 2)), np.zeros(2))])
    with pytest.raises(ValueError, match=r"the last layer must give class scores .* at least 2 classes"):
        Sequential([Affine(np.ones((5, 1)), np.zeros(1))])
    with pytest.raises(TypeError, match=r"layer 'object1' \(object\) has no forward and no backward method"):
        Sequential([Affine(np.ones((5, 3)), np.zeros(3)), object()])
    with pytest.raises(ValueError, match=r"layer names must be distinct; \['A'\]"):
        Sequential([("A", ReLU()), ("A", Affine(np.ones((5, 3)), np.zeros(3)))], input_shape=5)
    with pytest.raises(ValueError, match=r"the layers' parameters mix dtypes \['float32', 'float64'\]"):
        Sequential([Affine(np.ones((5, 3), np.float32), np.zeros(3, np.float32)),
                    Affine(np.ones((3, 2)), np.zeros(2))])


# ====================================================== layers of one's own
def test_a_layer_of_ones_own_passes_check_layer_and_its_gradients_check_in_a_network():
    rng = np.random.default_rng(2)
    assert check_layer(Scale(rng.uniform(0.5, 1.5, 4)), (3, 4)).ok
    assert check_layer(LeakyReLU(0.1), (3, 4)).ok
    net = Sequential([Affine(rng.standard_normal((5, 4)), rng.standard_normal(4)), LeakyReLU(0.1),
                      Scale(rng.uniform(0.5, 1.5, 4)), Affine(rng.standard_normal((4, 3)), np.zeros(3))])
    assert list(net.params) == ["W1", "b1", "a1", "W2", "b2"]
    errors = check_gradients(net, *batch())
    assert set(errors) == set(net.params) and max(errors.values()) < 1e-7, errors


def test_a_layer_of_ones_own_trains_in_a_sequential():
    rng = np.random.default_rng(4)
    x = rng.standard_normal((200, 5)).astype(np.float32)
    t = (x[:, 0] + x[:, 1] > 0).astype(int) + (x[:, 2] > 1)
    net = Sequential([Affine(0.3 * rng.standard_normal((5, 16)).astype(np.float32), np.zeros(16, np.float32)),
                      LeakyReLU(), Scale(np.ones(16, np.float32)),
                      Affine(0.3 * rng.standard_normal((16, 3)).astype(np.float32), np.zeros(3, np.float32))])
    before = net.params["a1"].copy()
    history = Trainer(net, "adam", {"lr": 0.01}, epochs=30, batch_size=50, verbose=0, seed=0).fit(x, t)
    assert not np.array_equal(net.params["a1"], before)  # the layer's own parameter trained
    assert net.layers["Scale1"].a is net.params["a1"]
    assert history["train_loss"][-1] < 0.5 * history["train_loss"][0]
    assert net.accuracy(x, t) > 0.9


def test_a_gradient_left_missing_by_backward_is_reported_with_the_fix():
    net = Sequential([Affine(np.ones((5, 3)), np.zeros(3)), Forgetful(np.ones(3))])
    with pytest.raises(ValueError, match=r"layer 'Forgetful1' \(Forgetful\) left da = None after backward; "
                                         r"backward must set self.da"):
        net.loss_and_gradient(*batch())


def test_a_book_style_forward_without_train_is_called_without_it():
    class BookReLU:
        def forward(self, x):
            self.mask = x <= 0
            return np.where(self.mask, 0.0, x)

        def backward(self, dout):
            return np.where(self.mask, 0.0, dout)

    mlp = MLP(5, [4], 3, dtype=np.float64, seed=0)
    net = same_as_mlp(mlp)
    net.layers["Activation1"] = BookReLU()
    x, t = batch()
    np.testing.assert_array_equal(net.gradient(x, t)["W1"], mlp.gradient(x, t)["W1"])


# ========================================================== guarded layer keys
def test_a_layer_key_the_network_lacks_is_refused_with_the_keys_it_has():
    net = MLP(5, [4], 3, seed=0)
    with pytest.raises(KeyError, match=r"this network has no layer 'Relu1'.*its layers are "
                                       r"\['Affine1', 'Activation1', 'Affine2'\]"):
        net.layers["Relu1"] = LeakyReLU()
    assert list(net.layers) == ["Affine1", "Activation1", "Affine2"]
    for remove in (lambda: net.layers.pop("Affine2"), lambda: net.layers.__delitem__("Affine2"),
                   lambda: net.layers.popitem(), lambda: net.layers.clear()):
        with pytest.raises(TypeError, match="cannot be removed|cannot be deleted"):
            remove()
    assert len(net.layers) == 3


def test_a_replaced_layer_computes_and_one_with_other_parameters_is_refused():
    net = MLP(5, [4], 3, dtype=np.float64, seed=0)
    x, _ = batch()
    net.layers["Activation1"] = LeakyReLU(0.5)
    hidden = x @ net.params["W1"] + net.params["b1"]
    expected = np.where(hidden <= 0, 0.5 * hidden, hidden) @ net.params["W2"] + net.params["b2"]
    np.testing.assert_allclose(net.predict(x), expected, rtol=1e-12)
    with pytest.raises(ValueError, match=r"layer 'Affine2' has parameters W \(4, 3\), b \(3,\), its replacement "
                                         r"Affine has W \(4, 2\), b \(2,\)"):
        net.layers["Affine2"] = Affine(np.ones((4, 2)), np.zeros(2))
    # A replacement with the same shapes brings its values into the network's arrays.
    new = Affine(np.full((4, 3), 0.5), np.ones(3))
    net.layers["Affine2"] = new
    assert new.W is net.params["W2"] and (net.params["W2"] == 0.5).all()


# ================================================================ state
def test_state_dict_round_trips_and_a_copy_keeps_its_layers_on_its_params():
    rng = np.random.default_rng(5)
    net = Sequential([Affine(rng.standard_normal((5, 4)), np.zeros(4)), Scale(np.ones(4)), Dropout(0.2),
                      Affine(rng.standard_normal((4, 3)), np.zeros(3))], seed=7)
    state = net.state_dict()
    net.params["a1"][...] = 3.0
    net.load_state_dict(state)
    np.testing.assert_array_equal(net.params["a1"], np.ones(4))
    for twin in (copy.deepcopy(net), pickle.loads(pickle.dumps(net))):
        assert twin.layers["Scale1"].a is twin.params["a1"]
        assert twin.layers["Dropout1"].rng is twin.rng
        np.testing.assert_array_equal(twin.predict(batch()[0]), net.predict(batch()[0]))


def test_dropout_draws_from_the_network_generator():
    def network(seed):
        rng = np.random.default_rng(6)
        return Sequential([Affine(rng.standard_normal((5, 8)), np.zeros(8)),
                           Dropout(0.5, rng=np.random.default_rng(99)),
                           Affine(rng.standard_normal((8, 3)), np.zeros(3))], seed=seed)

    net = network(11)
    assert net.layers["Dropout1"].rng is net.rng
    x, t = batch()
    assert net.loss(x, t) == network(11).loss(x, t) != network(12).loss(x, t)


def test_repr_and_describe_name_the_layers():
    net = Sequential([Affine(np.ones((5, 4)), np.zeros(4)), LeakyReLU(), Affine(np.ones((4, 3)), np.zeros(3))])
    assert net.describe() == "(5) -> Affine1 -> LeakyReLU1 -> Affine2 -> 3 classes"
    text = repr(net)
    assert text.startswith("Sequential((5) -> Affine1") and "(LeakyReLU1):" in text and "39 parameters" in text
