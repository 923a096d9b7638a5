"""MLP: gradients against finite differences, reproducibility, dtypes, state, bad input, flat gradients."""

import inspect
import json

import numpy as np
import pytest

from minidl import MLP, softmax
from minidl.flat import FlatArrays
from minidl.gradcheck import check_gradients
from minidl.layers import Affine, BatchNorm, Dropout, ReLU, SoftmaxWithLoss

TOLERANCE = 1e-6


def small_batch(seed=0, n_samples=8, n_features=5, n_classes=3):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n_samples, n_features)), rng.integers(0, n_classes, n_samples)


def float64_net(seed=0, **options):
    net = MLP(5, [6, 4], 3, dtype=np.float64, seed=seed, **options)
    # Zero biases put a unit exactly on ReLU's kink whenever all its inputs are 0;
    # nudging them keeps the finite differences on one side of every kink.
    rng = np.random.default_rng(100 + seed)
    for name, value in net.params.items():
        if name.startswith("b"):
            value += rng.normal(0.0, 0.3, value.shape)
    return net


# ================================================================ structure
def test_params_and_layers_follow_the_book_names():
    net = MLP(4, [3, 2], 5, batchnorm=True, dropout=0.1, seed=0)
    assert list(net.params) == ["W1", "b1", "gamma1", "beta1", "W2", "b2", "gamma2", "beta2", "W3", "b3"]
    assert list(net.layers) == [
        "Affine1", "BatchNorm1", "Activation1", "Dropout1",
        "Affine2", "BatchNorm2", "Activation2", "Dropout2", "Affine3",
    ]
    assert [type(layer) for layer in net.layers.values()] == [Affine, BatchNorm, ReLU, Dropout] * 2 + [Affine]
    assert isinstance(net.last_layer, SoftmaxWithLoss)
    assert net.params["W2"].shape == (3, 2) and net.params["b3"].shape == (5,)
    assert all(not net.params[name].any() for name in ("b1", "b2", "b3", "beta1"))
    assert all((net.params[name] == 1).all() for name in ("gamma1", "gamma2"))


def test_layers_share_the_params_arrays_so_in_place_updates_train():
    net = MLP(4, [3], 2, seed=0)
    assert net.layers["Affine1"].W is net.params["W1"] and net.layers["Affine2"].b is net.params["b2"]
    x = np.ones((1, 4))
    before = net.predict(x)
    net.params["b2"] += np.array([1.0, -1.0], dtype=np.float32)
    np.testing.assert_allclose(net.predict(x), before + [1.0, -1.0], rtol=1e-6)


def test_repr_shows_the_architecture():
    text = repr(MLP(784, [100, 50], 10, activation="tanh", batchnorm=True, seed=1))
    assert "784 -> 100 -> 50 -> 10 (tanh)" in text
    assert "(BatchNorm2): BatchNorm(50" in text and "(Activation1): Tanh()" in text
    assert f"{784 * 100 + 100 + 2 * 100 + 100 * 50 + 50 + 2 * 50 + 50 * 10 + 10:,} parameters" in text


def test_jupyter_and_ipython_show_a_summary_table():
    from IPython.lib.pretty import pretty

    network = MLP(64, [32], 10, dropout=0.5, seed=3)
    lines = pretty(network).splitlines()
    assert lines[0] == "MLP 64 -> 32 -> 10 (relu), float32, seed 3: 2,410 parameters"
    assert lines[1].split() == ["layer", "kind", "output", "parameters", "arrays"]
    assert lines[3].split() == ["Affine1", "Affine(64", "->", "32)", "(N,", "32)", "2,080", "W1,", "b1"]
    assert lines[5].split() == ["Dropout1", "Dropout(ratio=0.5)", "(N,", "32)", "0"]
    html = network._repr_html_()
    assert html.startswith("<table>") and "<td style='text-align: right'>330</td>" in html


def test_activation_and_initialiser_names_are_case_insensitive():
    network = MLP(64, [8], 10, activation="ReLU", weight_init="Kaiming", seed=0)
    assert network.activation == "relu" and network.weight_init == "kaiming"
    np.testing.assert_array_equal(network.params["W1"], MLP(64, [8], 10, weight_init="he", seed=0).params["W1"])


# ================================================================ gradients
@pytest.mark.parametrize(
    "options",
    [
        {"activation": "relu"},
        {"activation": "sigmoid", "weight_init": "xavier"},
        {"activation": "tanh", "weight_init": "xavier_uniform"},
        {"weight_decay": 0.1},
        {"batchnorm": True},
        {"dropout": 0.3},
        {"activation": "tanh", "batchnorm": True, "dropout": 0.2, "weight_decay": 0.05},
    ],
    ids=["relu", "sigmoid", "tanh", "weight_decay", "batchnorm", "dropout", "everything"],
)
def test_gradients_match_numerical(options):
    x, t = small_batch()
    errors = check_gradients(float64_net(**options), x, t)
    assert set(errors) == set(float64_net(**options).params)
    assert max(errors.values()) < TOLERANCE, errors


def test_gradients_of_a_network_without_hidden_layer():
    x, t = small_batch(1)
    errors = check_gradients(MLP(5, [], 3, dtype=np.float64, seed=0), x, t)
    assert max(errors.values()) < TOLERANCE, errors


def test_weight_decay_adds_half_lambda_sum_of_squared_weights():
    x, t = small_batch()
    plain, decayed = float64_net(), float64_net(weight_decay=0.5)
    squares = sum(np.sum(plain.params[name] ** 2) for name in ("W1", "W2", "W3"))
    assert decayed.loss(x, t) - plain.loss(x, t) == pytest.approx(0.25 * squares, rel=1e-12)
    difference = decayed.gradient(x, t)["W2"] - plain.gradient(x, t)["W2"]
    np.testing.assert_allclose(difference, 0.5 * plain.params["W2"], rtol=1e-10)
    np.testing.assert_array_equal(decayed.gradient(x, t)["b2"], plain.gradient(x, t)["b2"])


def test_loss_and_gradient_runs_one_forward_and_one_backward():
    net, (x, t) = float64_net(), small_batch()
    calls = []
    for layer in net.layers.values():
        forward, backward = layer.forward, layer.backward
        layer.forward = lambda x, train=True, forward=forward: calls.append("f") or forward(x, train)
        layer.backward = lambda dout, backward=backward, **outputs: calls.append("b") or backward(dout, **outputs)
    loss, grads = net.loss_and_gradient(x, t)
    assert calls == ["f"] * len(net.layers) + ["b"] * len(net.layers)
    assert loss == pytest.approx(net.loss(x, t), rel=1e-15)
    assert list(grads) == list(net.params)


# ========================================================= reproducibility
def sgd_steps(net, steps=3):
    x, t = small_batch(2, n_samples=16)
    for _ in range(steps):
        for name, gradient in net.gradient(x, t).items():
            net.params[name] -= 0.1 * gradient
    return net


def test_same_seed_gives_bit_identical_training():
    options = {"dropout": 0.5, "batchnorm": True, "seed": 42}
    first, second = sgd_steps(MLP(5, [8, 8], 3, **options)), sgd_steps(MLP(5, [8, 8], 3, **options))
    for name in first.params:
        np.testing.assert_array_equal(first.params[name], second.params[name])
    np.testing.assert_array_equal(first.predict(np.ones((2, 5))), second.predict(np.ones((2, 5))))
    assert first.rng.bit_generator.state == second.rng.bit_generator.state
    other = sgd_steps(MLP(5, [8, 8], 3, **{**options, "seed": 43}))
    assert not np.array_equal(first.params["W1"], other.params["W1"])


def test_restoring_the_rng_state_replays_the_dropout_mask():
    net, (x, t) = MLP(5, [8], 3, dropout=0.5, seed=0), small_batch()
    state = net.rng.bit_generator.state
    first = net.loss(x, t)
    assert net.loss(x, t) != first
    net.rng.bit_generator.state = state
    assert net.loss(x, t) == first


# ==================================================================== dtypes
def test_float32_stays_float32_end_to_end():
    net = MLP(5, [6, 4], 3, activation="sigmoid", batchnorm=True, dropout=0.2, weight_decay=0.1, seed=0)
    x64, t = small_batch()
    loss, grads = net.loss_and_gradient(x64, t)  # float64 input is converted once, at the entry
    arrays = [*net.params.values(), *grads.values(), net.last_layer.probabilities]
    arrays += [net.predict(x64), net.predict_proba(x64)]
    for layer in net.layers.values():
        # Every float array a layer keeps (ReLU's boolean mask is not a float).
        arrays += [value for value in vars(layer).values() if isinstance(value, np.ndarray) and value.dtype != bool]
    assert {array.dtype for array in arrays} == {np.dtype(np.float32)}
    assert isinstance(loss, float)


def test_float32_and_float64_networks_from_one_seed_agree():
    x, _ = small_batch()
    scores32 = MLP(5, [6, 4], 3, seed=5).predict(x)
    scores64 = MLP(5, [6, 4], 3, seed=5, dtype=np.float64).predict(x)
    np.testing.assert_allclose(scores32, scores64, rtol=1e-4, atol=1e-5)


# ================================================================ prediction
def test_predict_returns_scores_and_predict_proba_their_softmax():
    net, (x, t) = MLP(5, [6], 3, seed=0, dtype=np.float64), small_batch()
    scores = net.predict(x)
    np.testing.assert_allclose(net.predict_proba(x), softmax(scores), rtol=1e-14)
    np.testing.assert_allclose(net.predict_proba(x).sum(axis=1), 1.0, rtol=1e-14)
    expected = np.mean(scores.argmax(axis=1) == t)
    assert net.accuracy(x, t) == expected == net.accuracy(x, np.eye(3)[t])
    assert net.accuracy(x, scores.argmax(axis=1)) == 1.0


def test_evaluation_mode_does_not_depend_on_the_rest_of_the_batch():
    net, (x, t) = MLP(5, [6], 3, batchnorm=True, dropout=0.5, seed=0, dtype=np.float64), small_batch()
    net.loss(x, t)  # moves the running statistics away from (0, 1)
    np.testing.assert_allclose(net.predict(x[:1]), net.predict(x)[:1], rtol=1e-12)


def test_images_are_accepted_and_learning_reduces_the_loss():
    rng = np.random.default_rng(0)
    t = rng.integers(0, 3, 60)
    images = rng.normal(0.0, 0.3, (60, 2, 2)) + t[:, None, None] * np.array([[1.0, 0.0], [0.0, -1.0]])
    net = MLP(4, [16], 3, activation="tanh", seed=0)
    first = net.loss(images, t)
    for _ in range(100):
        for name, gradient in net.gradient(images, t).items():
            net.params[name] -= 0.5 * gradient
    assert net.loss(images, t) < 0.3 * first
    assert net.accuracy(images, t) > 0.95


# ================================================================ state
def test_config_is_json_and_rebuilds_the_same_network():
    net = MLP(5, (6, 4), 3, activation="tanh", weight_init=0.05, dropout=0.1, batchnorm=True, dtype="float64", seed=9)
    config = json.loads(json.dumps(net.config))
    assert config["hidden_sizes"] == [6, 4] and config["dtype"] == "float64" and config["seed"] == 9
    twin = MLP.from_config(config)
    assert twin.config == net.config and repr(twin) == repr(net)
    for name in net.params:
        np.testing.assert_array_equal(twin.params[name], net.params[name])
    with pytest.raises(ValueError, match=r"unknown keys \['colour'\]"):
        MLP.from_config({**config, "colour": "red"})


def test_state_dict_copies_and_load_state_dict_restores_in_place():
    x, t = small_batch()
    source = sgd_steps(MLP(5, [6, 4], 3, batchnorm=True, seed=1))
    state = source.state_dict()
    assert {"running_mean1", "running_var1", "running_mean2", "running_var2"} <= set(state)
    assert state["W1"] is not source.params["W1"]
    target = MLP(5, [6, 4], 3, batchnorm=True, seed=2)
    weights, running_mean = target.params["W1"], target.layers["BatchNorm1"].running_mean
    target.load_state_dict(state)
    assert target.params["W1"] is weights and target.layers["Affine1"].W is weights
    np.testing.assert_array_equal(running_mean, source.layers["BatchNorm1"].running_mean)
    np.testing.assert_array_equal(target.predict(x), source.predict(x))


def test_load_state_dict_of_another_architecture_names_the_mismatch_and_changes_nothing():
    target = MLP(5, [6, 4], 3, seed=0)
    before = target.state_dict()
    wider = MLP(5, [7, 4], 3, seed=0).state_dict()
    with pytest.raises(ValueError, match=r"state\['W1'\] has shape \(5, 7\).*has shape \(5, 6\)"):
        target.load_state_dict(wider)
    with pytest.raises(ValueError, match=r"unexpected keys \['beta1', 'beta2', 'gamma1'"):
        target.load_state_dict(MLP(5, [6, 4], 3, batchnorm=True).state_dict())
    with pytest.raises(ValueError, match=r"missing keys \['b3'\]"):
        target.load_state_dict({name: value for name, value in before.items() if name != "b3"})
    for name, value in target.state_dict().items():
        np.testing.assert_array_equal(value, before[name])


# ================================================================ bad input
@pytest.mark.parametrize(
    "call, message",
    [
        (lambda net: net.predict(np.zeros((2, 4))), r"4 features a sample \(shape \(2, 4\)\), but 5 were expected"),
        (lambda net: net.loss(np.zeros((2, 5)), [0, 1, 2]), "3 labels but the batch has 2 samples"),
        (lambda net: net.loss(np.zeros((2, 5)), [0, 3]), r"label 3, outside \[0, 3\)"),
        (lambda net: net.accuracy(np.zeros((2, 5)), [0, -1]), r"label -1, outside \[0, 3\)"),
        (lambda net: net.gradient(np.zeros((2, 5)), [0.5, 1.0]), "non-integer value 0.5"),
        (lambda net: net.predict(np.full((2, 5), np.nan)), "NaN or infinite"),
        (lambda net: net.loss(np.full((2, 5), np.inf), [0, 1]), "NaN or infinite"),
    ],
)
def test_bad_data_raises_a_clear_value_error(call, message):
    with pytest.raises(ValueError, match=message):
        call(MLP(5, [4], 3, seed=0))


@pytest.mark.parametrize(
    "options, message",
    [
        ({"activation": "swish"}, "unknown activation 'swish'; choose one of 'relu', 'sigmoid', 'tanh'"),
        ({"weight_init": "lecun"}, "unknown weight_init 'lecun'"),
        ({"dropout": 1.0}, r"dropout ratio must be a finite number in \[0.0, 1.0\); got 1.0"),
        ({"weight_decay": -0.1}, r"weight_decay must be a finite number in \[0.0, inf\); got -0.1"),
        ({"output_size": 1}, "output_size must be a whole number >= 2 .the number of classes.; got 1"),
        ({"hidden_sizes": [10, 0]}, r"hidden_sizes\[1\] must be a whole number >= 1"),
        ({"dtype": np.float16}, "'float16' is not supported"),
        ({"batchnorm": "yes"}, "batchnorm must be True or False"),
        ({"seed": 1.5}, "seed must be None or a whole number"),
    ],
)
def test_bad_settings_raise_a_clear_value_error(options, message):
    with pytest.raises(ValueError, match=message):
        MLP(**{"input_size": 5, "hidden_sizes": [4], "output_size": 3, **options})


def test_no_seed_means_seed_zero():
    unseeded, seeded = MLP(6, [5], 3, dropout=0.5), MLP(6, [5], 3, dropout=0.5, seed=0)
    for name in seeded.params:
        np.testing.assert_array_equal(unseeded.params[name], seeded.params[name])
    x = np.ones((4, 6), dtype=np.float32)
    np.testing.assert_array_equal(unseeded.predict(x, train=True), seeded.predict(x, train=True))
    assert unseeded.config["seed"] == 0


def test_load_state_dict_refuses_non_finite_values_and_changes_nothing():
    net = MLP(4, [3], 2, seed=0)
    before = net.state_dict()
    state = net.state_dict()
    state["W2"][0, 0] = np.nan
    with pytest.raises(ValueError, match=r"W2.*NaN or infinite"):
        net.load_state_dict(state)
    for name, value in before.items():
        np.testing.assert_array_equal(net.state_dict()[name], value)


def test_float32_network_is_checked_through_a_float64_copy():
    # A smooth network: in float32 the finite differences alone would give errors near 1.
    net = MLP(5, [4], 3, activation="tanh", seed=0)
    x = np.random.default_rng(1).standard_normal((6, 5))
    t = np.array([0, 1, 2, 0, 1, 2])
    before = net.state_dict()
    errors = check_gradients(net, x, t)
    assert max(errors.values()) < 1e-6, errors
    assert all(value.dtype == np.float32 for value in net.params.values())
    for name, value in before.items():
        np.testing.assert_array_equal(net.state_dict()[name], value)


# ================================================================ gradients in one flat buffer
def test_gradients_of_two_calls_are_independent():
    net = float64_net()
    _, first = net.loss_and_gradient(*small_batch(0))
    kept = {name: value.copy() for name, value in first.items()}
    _, second = net.loss_and_gradient(*small_batch(1))
    assert not np.shares_memory(first.flat, second.flat)
    for name, value in first.items():
        np.testing.assert_array_equal(value, kept[name])
    assert not np.array_equal(second["W1"], first["W1"])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_gradients_lie_in_a_new_buffer_in_the_layout_of_the_params(dtype):
    net = MLP(5, [6, 4], 3, batchnorm=True, weight_decay=0.1, dtype=dtype, seed=0)
    _, grads = net.loss_and_gradient(*small_batch())
    assert isinstance(grads, FlatArrays)
    assert grads.layout == net.params.layout and list(grads) == list(net.params)
    assert grads.flat is not net.params.flat and not np.shares_memory(grads.flat, net.params.flat)
    assert grads.flat.dtype == dtype
    # The layers wrote their gradients straight into the buffer.
    assert np.shares_memory(net.layers["Affine2"].dW, grads.flat)
    assert np.shares_memory(net.layers["BatchNorm1"].dgamma, grads.flat)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_the_unchecked_form_gives_the_same_loss_and_gradients_for_valid_input(dtype):
    options = {"batchnorm": True, "dropout": 0.3, "weight_decay": 0.01, "dtype": dtype, "seed": 3}
    checked, unchecked = MLP(5, [6, 4], 3, **options), MLP(5, [6, 4], 3, **options)
    x, t = small_batch()
    x = x.astype(dtype)
    for _ in range(2):  # the second call with moved running statistics and new dropout masks
        loss, grads = checked.loss_and_gradient(x, t)
        unchecked_loss, unchecked_grads = unchecked._loss_and_gradient(x, t)
        assert unchecked_loss == loss
        assert unchecked_grads.flat.tobytes() == grads.flat.tobytes()


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_loss_and_gradient_checks_its_input(bad):
    net, (x, t) = MLP(5, [4], 3, seed=0), small_batch()
    assert list(inspect.signature(net.loss_and_gradient).parameters) == ["x", "t"]
    x[3, 2] = bad
    with pytest.raises(ValueError, match="NaN or infinite"):
        net.loss_and_gradient(x, t)


def test_state_shapes_are_those_of_the_built_network():
    for config in [MLP(8, [], 3).config, MLP(8, [5, 4], 3, batchnorm=True).config, MLP(2, [7], 2).config]:
        built = {name: array.shape for name, array in MLP.from_config(config).state_dict().items()}
        assert MLP.state_shapes(config) == built
