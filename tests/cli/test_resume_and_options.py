"""The command line as a learner meets it: resume messages, refused options, choices, help, --data-home."""

import os
import re

import numpy as np
import pytest

from minidl.cli import main


def one_line_error(capsys):
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("minidl: error: "), lines
    return lines[0]


@pytest.mark.parametrize("option, value, setting", [("--activation", "TanH", "tanh"), ("--dtype", "Float64", "float64"),
                                                    ("--init", "Kaiming", "kaiming")])
def test_choices_take_any_letter_case(tmp_path, capsys, monkeypatch, option, value, setting):
    from minidl.serialization import load_model

    monkeypatch.chdir(tmp_path)
    assert main(["train", "--dataset", "Digits", "--hidden", "8", "--epochs", "1", "-q", "--batch-size", "512",
                 "--optimizer", "Momentum", "--save", "m.npz", option, value]) == 0
    assert setting in load_model("m.npz").config.values()
    capsys.readouterr()
    assert main(["evaluate", "m.npz", "--split", "TRAIN"]) == 0
    assert "(train set, 1437 samples" in capsys.readouterr().out


def test_data_home_is_where_mnist_is_looked_for(tmp_path, capsys, monkeypatch):
    import sklearn.datasets

    from minidl.datasets import registry

    seen = []

    def tiny_mnist(**options):
        # minidl's MNIST loader asks scikit-learn for its data home, as this does.
        seen.append(sklearn.datasets.get_data_home())
        rng = np.random.default_rng(0)
        return ((rng.random((40, 784), dtype=np.float32), np.arange(40) % 10),
                (rng.random((20, 784), dtype=np.float32), np.arange(20) % 10))

    monkeypatch.setitem(registry._LOADERS, "mnist", tiny_mnist)
    monkeypatch.delenv("SCIKIT_LEARN_DATA", raising=False)
    monkeypatch.chdir(tmp_path)
    home = tmp_path / "my data"
    assert main(["train", "--dataset", "mnist", "--data-home", str(home), "--hidden", "8", "--epochs", "1", "-q",
                 "--save", "m.npz"]) == 0
    assert main(["evaluate", "m.npz", "--data-home", str(home)]) == 0
    assert seen == [str(home), str(home)]
    assert "SCIKIT_LEARN_DATA" not in os.environ  # set only while the data loads


def test_help_names_data_home_and_the_idx_file_names(capsys):
    with pytest.raises(SystemExit):
        main(["train", "--help"])
    text = "".join(capsys.readouterr().out.split())  # argparse wraps lines, at hyphens too
    assert "--data-homeDIRfolderwheremnistandfashion-mnistaredownloadedandcached" in text
    assert "SCIKIT_LEARN_DATA" in text
    assert "train-images-idx3-ubyte,train-labels-idx1-ubyte,t10k-images-idx3-ubyte,t10k-labels-idx1-ubyte" in text
