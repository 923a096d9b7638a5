"""SimpleConvNet: the book's shapes, PyTorch's gradients (float64, 1e-10), numerical gradients, saving."""

from pathlib import Path

import numpy as np
import pytest

from minidl import SimpleConvNet, load_model, save_model
from minidl.files import load_npz
from minidl.gradcheck import check_gradients

FIXTURE = Path(__file__).resolve().parent / "layers" / "fixtures" / "simple_convnet.npz"


def small(**settings):
    defaults = {"input_dim": (1, 8, 8), "conv_param": {"filter_num": 3, "filter_size": 3, "pad": 1},
                "hidden_size": 6, "output_size": 4, "dtype": np.float64}
    return SimpleConvNet(**{**defaults, **settings})


def test_the_book_network_has_the_book_shapes():
    net = SimpleConvNet()
    assert {name: array.shape for name, array in net.params.items()} == {
        "W1": (30, 1, 5, 5), "b1": (30,), "W2": (4320, 100), "b2": (100,), "W3": (100, 10), "b3": (10,)}
    assert list(net.layers) == ["Conv1", "Relu1", "Pool1", "Affine1", "Relu2", "Affine2"]
    assert net.dtype == np.float32 and net.predict(np.zeros((2, 784), np.float32)).shape == (2, 10)
    # He initialisation: a filter's fan-in is 1 * 5 * 5.
    assert abs(net.params["W1"].std() - np.sqrt(2 / 25)) < 0.03


def test_loss_and_gradients_equal_torch():
    arrays, meta = load_npz(FIXTURE, what="torch fixture")
    config = meta["config"]
    net = SimpleConvNet(input_dim=tuple(config["input_dim"]), conv_param=config["conv_param"],
                        hidden_size=config["hidden_size"], output_size=config["output_size"], dtype=np.float64)
    net.load_state_dict({name[len("params/"):]: value for name, value in arrays.items() if name.startswith("params/")})
    loss, grads = net.loss_and_gradient(arrays["x"], arrays["t"])
    # The book's cross-entropy adds 1e-7 inside the logarithm; torch's does not.
    assert abs(loss - float(arrays["loss"])) < 1e-6
    for name, gradient in grads.items():
        expected = arrays[f"grads/{name}"]
        error = np.abs(gradient - expected).max() / np.abs(expected).max()
        assert error <= 1e-10, f"{name}: relative error {error:.2e}"


def test_gradients_match_numerical():
    net = small(input_dim=(2, 7, 6), conv_param={"filter_num": 2, "filter_size": 3, "stride": 2, "pad": 1})
    rng = np.random.default_rng(0)
    # Random biases keep pre-activations off ReLU's kink at 0.
    for name in ("b1", "b2"):
        net.params[name][...] = rng.standard_normal(net.params[name].shape)
    errors = check_gradients(net, rng.standard_normal((4, 2 * 7 * 6)), rng.integers(0, 4, 4))
    assert max(errors.values()) < 1e-6, errors


def test_trains_on_digits_from_flat_rows():
    from sklearn.datasets import load_digits

    from minidl import Trainer

    x, t = load_digits(return_X_y=True)
    x = (x / 16).astype(np.float32)
    net = small(conv_param={"filter_num": 8, "filter_size": 3, "pad": 1}, hidden_size=32, output_size=10,
                dtype=np.float32)
    Trainer(net, "adam", optimizer_params={"lr": 0.01}, epochs=6, batch_size=50, seed=0, verbose=0).fit(x[:1200], t[:1200])
    assert net.accuracy(x[1200:], t[1200:]) > 0.9


def test_saves_and_loads_with_its_settings(tmp_path):
    net = small(seed=3)
    save_model(net, tmp_path / "cnn.npz")
    back = load_model(tmp_path / "cnn.npz")
    assert type(back) is SimpleConvNet and back.config == net.config
    x = np.random.default_rng(1).standard_normal((3, 64))
    np.testing.assert_array_equal(back.predict(x), net.predict(x))


@pytest.mark.parametrize(("settings", "message"), [
    ({"input_dim": (28, 28)}, r"input_dim must be \(channels, height, width\)"),
    ({"conv_param": {"filters": 3}}, "conv_param must be a dict with keys among"),
    ({"conv_param": {"filter_size": 8}}, "leaves 1x1 of a 8x8 image, too little for 2x2 pooling"),
])
def test_refuses_bad_settings(settings, message):
    with pytest.raises(ValueError, match=message):
        small(**settings)
