"""minidl train --model cnn: the book's convolutional network from the command line, on the 8x8 digits.

Small networks (4 filters, 2-3 epochs) keep these tests fast; the accuracy
of the defaults is measured by the command the README gives.
"""

import re

import numpy as np
import pytest

from minidl import SimpleConvNet
from minidl.cli import build_parser, main, train
from minidl.serialization import load_checkpoint, load_model

SMALL = ["--dataset", "digits", "--model", "cnn", "--filters", "4", "--hidden-size", "16", "--batch-size", "128",
         "--verbose", "0"]


def one_line_error(capsys):
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("minidl: error: "), lines
    return lines[0]


def test_cnn_trains_on_images_saves_and_evaluate_agrees(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["train", *SMALL, "--epochs", "2", "--save", "cnn.npz"]) == 0
    trained = capsys.readouterr().out
    assert "network (1, 8, 8) -> conv 4x3x3 (stride 1, pad 1) -> pool 2x2 -> 16 -> 10" in trained
    reported = re.search(r"test accuracy (\d+\.\d\d) % \((\d+)/360\) after 2 epochs", trained)
    assert reported, trained
    network = load_model("cnn.npz")
    assert type(network) is SimpleConvNet and network.input_shape == (1, 8, 8)
    assert network.params["W1"].shape == (4, 1, 3, 3)
    assert main(["evaluate", "cnn.npz"]) == 0
    evaluated = capsys.readouterr().out
    assert f"accuracy {reported.group(1)} % ({reported.group(2)}/360)" in evaluated


def test_cnn_resume_is_bit_identical_to_an_uninterrupted_run(resumed_and_straight):
    resumed_output, straight = resumed_and_straight(SMALL, 1, 3)
    accuracy = re.compile(r"test accuracy .* after 3 epochs")
    assert accuracy.search(resumed_output).group() == accuracy.search(straight).group()
    resumed, uninterrupted = load_model("run.npz"), load_model("straight.npz")
    assert type(resumed) is SimpleConvNet
    for name in uninterrupted.params:
        assert np.array_equal(resumed.params[name], uninterrupted.params[name]), name
    saved = load_checkpoint("run.npz")
    assert saved["trainer"]["epoch"] == 3 and saved["network"]["type"] == "SimpleConvNet"


@pytest.fixture
def cnn_checkpoint(train_checkpoint):
    return train_checkpoint([*SMALL, "--epochs", "1"], "cnn.npz")


@pytest.mark.parametrize("options, named", [
    (["--filters", "8"], "--filters 8 (saved: 4)"),
    (["--hidden-size", "32", "--pad", "0"], "--pad 0 (saved: 1), --hidden-size 32 (saved: 16)"),
    (["--model", "mlp"], "--model mlp (saved: cnn)"),
    (["--filter-size", "5", "--lr", "0.01"], "--filter-size 5 (saved: 3), --lr 0.01 (saved: 0.001)"),
])
def test_cnn_resume_refuses_other_settings_naming_them(cnn_checkpoint, capsys, options, named):
    assert main(["train", "--resume", cnn_checkpoint, "--epochs", "2", *options]) == 1
    assert f"settings, so {named} would be ignored: drop " in one_line_error(capsys)


def test_cnn_resume_accepts_the_same_command_again(cnn_checkpoint, capsys):
    assert main(["train", *SMALL, "--filter-size", "3", "--stride", "1", "--epochs", "2", "--resume",
                 cnn_checkpoint]) == 0
    assert "after 2 epochs (1 in this run)" in capsys.readouterr().out


def test_cnn_resume_refuses_the_mlps_options(cnn_checkpoint, capsys):
    assert main(["train", "--resume", cnn_checkpoint, "--epochs", "2", "--dropout", "0.5"]) == 1
    message = one_line_error(capsys)
    assert message.startswith("minidl: error: --dropout sets the network of --model mlp, not of --model cnn")
    # The advice is one a resumed run takes: --model cannot change a checkpoint's model.
    assert message.endswith("drop it, or start a new run with --model mlp (--resume cnn.npz continues a --model cnn "
                            "run)"), message
    assert main(["train", "--resume", cnn_checkpoint, "--epochs", "2", "--dropout", "0.5", "--model", "mlp"]) == 1
    assert "--model mlp (saved: cnn) would be ignored" in one_line_error(capsys)


@pytest.mark.parametrize("argv, message", [
    (["--model", "cnn", "--hidden", "100"], "--hidden sets the network of --model mlp, not of --model cnn (whose "
     "network options are --filters, --filter-size, --pad, --stride, --hidden-size, --init and --dtype); drop it, "
     "or add --model mlp"),
    (["--model", "cnn", "--activation", "tanh", "--batchnorm"], "--activation, --batchnorm set the network of "
     "--model mlp, not of --model cnn"),
    (["--filters", "8"], "--filters sets the network of --model cnn, not of --model mlp (whose network options are "
     "--hidden, --activation, --dropout, --batchnorm, --weight-decay, --init and --dtype); drop it, or add "
     "--model cnn"),
    (["--model", "cnn", "--filter-size", "11"], "--filter-size 11 with --pad 1 and --stride 1 leaves too little of "
     "the 8x8 images for the 2x2 pooling; use a smaller --filter-size or a larger --pad"),
])
def test_options_of_the_other_model_are_refused_before_training(argv, message, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["train", "--dataset", "digits", "--epochs", "1", "-q", *argv]) == 1
    assert message in one_line_error(capsys)


@pytest.mark.parametrize("dataset, expected", [
    ("digits", {"filter_num": 30, "filter_size": 3, "pad": 1, "stride": 1, "hidden_size": 100}),
    ("mnist", {"filter_num": 30, "filter_size": 5, "pad": 0, "stride": 1, "hidden_size": 100}),
    ("fashion-mnist", {"filter_num": 30, "filter_size": 5, "pad": 0, "stride": 1, "hidden_size": 100}),
])
def test_the_defaults_by_data_set_build_the_network_the_help_describes(dataset, expected):
    args = build_parser().parse_args(["train", "--dataset", dataset, "--model", "cnn"])
    for name, value in train.CHECKED_DEFAULTS.items():
        if getattr(args, name) is None:
            setattr(args, name, value)
    side = 8 if dataset == "digits" else 28
    defaults = train._dataset_defaults(dataset, "cnn")
    network = train._new_convnet(args, defaults, np.zeros((2, 1, side, side), np.float32), 10)
    assert network.conv_param == {key: expected[key] for key in ("filter_num", "filter_size", "pad", "stride")}
    assert network.hidden_size == expected["hidden_size"]
    epochs, batch = defaults["epochs"], defaults["batch_size"]
    row = (f"{expected['filter_num']}       {expected['filter_size']}    {expected['pad']}   "
           f"{expected['hidden_size']}     {epochs}     {batch}")
    assert row in train.__doc__  # the --help table states these defaults


def write_idx_files(folder, side):
    """The four IDX files of a 4-image data set of ``side`` x ``side`` images in 3 classes."""
    folder.mkdir(parents=True)
    images = bytes([0, 0, 8, 3, 0, 0, 0, 4, 0, 0, 0, side, 0, 0, 0, side]) + bytes(range(4 * side * side))
    labels = bytes([0, 0, 8, 1, 0, 0, 0, 4, 0, 1, 2, 1])
    for name, content in [("train-images-idx3-ubyte", images), ("train-labels-idx1-ubyte", labels),
                          ("t10k-images-idx3-ubyte", images), ("t10k-labels-idx1-ubyte", labels)]:
        (folder / name).write_bytes(content)


def test_idx_images_reach_the_cnn_as_one_channel_images(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write_idx_files(tmp_path / "idx", side=6)
    assert main(["train", "--dataset", "idx:idx", "--model", "cnn", "--filters", "2", "--epochs", "1", "-q",
                 "--save", "idx.npz"]) == 0
    assert "network (1, 6, 6) -> conv 2x5x5 (stride 1, pad 0)" in capsys.readouterr().out  # the 28x28 defaults
    assert load_model("idx.npz").input_shape == (1, 6, 6)
    assert main(["train", *SMALL, "--epochs", "1", "--save", "digits.npz"]) == 0
    capsys.readouterr()
    assert main(["evaluate", "digits.npz", "--dataset", "idx:idx"]) == 1
    assert "does not fit data set 'idx:idx' (1x6x6 images, 3 classes); pass the data set it was trained on" in (
        one_line_error(capsys))
