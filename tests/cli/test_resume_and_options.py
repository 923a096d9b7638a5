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


@pytest.fixture
def checkpoint(train_checkpoint):
    """A two-epoch digits run saved as run.npz in the current folder (tmp_path)."""
    return train_checkpoint(["--dataset", "digits", "--hidden", "8", "--batch-size", "256", "--epochs", "2", "-q"],
                            "run.npz")


@pytest.mark.parametrize("options, named", [
    (["--lr", "0.5"], "--lr 0.5 (saved: 0.001)"),
    (["--optimizer", "SGD", "--hidden", "100,100"], "--hidden 100,100 (saved: 8), --optimizer sgd (saved: adam)"),
    (["--dataset", "fashion-mnist"], "--dataset fashion-mnist (saved: digits)"),
    (["--activation", "Tanh", "--seed", "3", "--batchnorm", "--optimizer-param", "beta1=0.5"],
     "--seed 3 (saved: 0), --activation tanh (saved: relu), --batchnorm True (saved: False), "
     "--optimizer-param beta1=0.5 (saved: 0.9)"),
])
def test_resume_refuses_options_that_ask_for_other_settings_naming_them(checkpoint, capsys, options, named):
    assert main(["train", "--resume", checkpoint, "--epochs", "3", *options]) == 1
    message = one_line_error(capsys)
    assert f"settings, so {named} would be ignored: drop " in message, message
    assert ("--epochs, --early-stopping, --checkpoint, --save, --history, --data-home, --threads and --verbose apply"
            in message)


@pytest.fixture
def sgd_checkpoint(train_checkpoint):
    """A two-epoch digits run whose settings all differ from the defaults, saved as sgd.npz."""
    return train_checkpoint(["--dataset", "digits", "--hidden", "8", "--batch-size", "256", "--epochs", "2", "-q",
                             "--optimizer", "sgd", "--seed", "3", "--activation", "tanh", "--dtype", "float64",
                             "--weight-decay", "0.01", "--validation-fraction", "0.2"], "sgd.npz")


@pytest.mark.parametrize("option, value, named", [
    ("--optimizer", "adam", "--optimizer adam (saved: sgd)"),
    ("--seed", "0", "--seed 0 (saved: 3)"),
    ("--activation", "relu", "--activation relu (saved: tanh)"),
    ("--dtype", "float32", "--dtype float32 (saved: float64)"),
    ("--weight-decay", "0", "--weight-decay 0.0 (saved: 0.01)"),
    ("--validation-fraction", "0", "--validation-fraction 0.0 (saved: 0.2)"),
    ("--dataset", "mnist", "--dataset mnist (saved: digits)"),
])
def test_resume_refuses_an_option_typed_with_its_default_value(sgd_checkpoint, capsys, option, value, named):
    # The value is the option's default, but the user typed it: the saved run would silently ignore it.
    assert main(["train", "--resume", sgd_checkpoint, "--epochs", "3", option, value]) == 1
    assert f"settings, so {named} would be ignored: drop it" in one_line_error(capsys)


def test_a_finished_run_refuses_ignored_options_first(checkpoint, capsys):
    # One round of errors: the option that would be ignored, not "pass --epochs" and then the option.
    assert main(["train", "--resume", checkpoint, "--lr", "0.5"]) == 1
    assert "--lr 0.5 (saved: 0.001) would be ignored" in one_line_error(capsys)


def test_resume_accepts_the_same_command_again_with_resume_added(checkpoint, capsys):
    assert main(["train", "--dataset", "Digits", "--hidden", "8", "--batch-size", "256", "--epochs", "3", "-q",
                 "--optimizer", "adam", "--lr", "0.001", "--resume", checkpoint]) == 0
    assert "after 3 epochs (1 in this run)" in capsys.readouterr().out


def test_resume_accepts_a_cosine_run_again_with_its_total_epochs_from_the_run(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    command = ["train", "--dataset", "digits", "--hidden", "8", "--batch-size", "512", "-q",
               "--schedule", "cosine", "--schedule-param", "min_lr=0.0001", "--checkpoint", "run.npz"]
    assert main([*command, "--epochs", "2"]) == 0
    assert main([*command, "--epochs", "3", "--resume", "run.npz"]) == 0, capsys.readouterr().err
    assert "after 3 epochs (1 in this run)" in capsys.readouterr().out


def test_a_resumed_run_says_where_it_resumed_and_counts_its_epochs(checkpoint, capsys):
    assert main(["train", "--resume", checkpoint, "--epochs", "4", "-q"]) == 0
    output = capsys.readouterr().out
    assert output.splitlines()[0] == "resumed from run.npz after epoch 2"
    assert re.search(r"test accuracy .* after 4 epochs \(2 in this run\), trained in", output), output


def test_resuming_a_run_past_its_new_total_names_both_counts(checkpoint, capsys):
    assert main(["train", "--resume", checkpoint, "--epochs", "2"]) == 1
    assert one_line_error(capsys) == ("minidl: error: checkpoint 'run.npz' has trained 2 epochs, and --epochs 2 asks "
                                      "for no more; pass --epochs N with N > 2 (the new total) to train longer")
    assert main(["train", "--resume", checkpoint]) == 1
    assert "checkpoint 'run.npz' already finished its 2 epochs; pass --epochs N with N > 2" in one_line_error(capsys)


def test_the_header_fits_80_columns(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["train", "--dataset", "digits", "--hidden", "8,8,8,8,8,8,8,8,8,8,8,8", "--epochs", "1", "-q",
                 "--batch-size", "512", "--optimizer", "adamw"]) == 0
    header = capsys.readouterr().out.split("test accuracy")[0].splitlines()
    assert header[0] == "digits: 1437 training, 360 test samples"
    assert header[1].startswith("network 64 -> 8 -> 8") and "AdamW(lr=0.001" in " ".join(header)
    assert all(len(line) <= 80 for line in header), header


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


def test_optimizers_name_shows_its_rule_and_defaults(capsys):
    assert main(["optimizers", "Momentum"]) == 0
    text = capsys.readouterr().out
    assert text.startswith("momentum (minidl.optim.sgd.Momentum)")
    assert "defaults: lr=0.01, momentum=0.9" in text
    rule, notes = text.split("update rule (minidl.optim.reference.momentum):\n")[1].split("\nnotes:\n")
    assert "def momentum(param, grad, state, lr=0.01, momentum=0.9):" in rule  # the rule in plain numpy
    assert "book's code" in notes and "v ← μ v - η g, W ← W + v" in notes  # its Notes, without reST or LaTeX
    assert not re.search(r"\\[a-z]|:math:|\.\. math::|``", text), text
    for name in ("adam", "adamw", "adadelta"):  # their hyperparameters quote ``lr`` and :class:`Adam`
        assert main(["optimizers", name]) == 0
        assert not re.search(r"\\[a-z]|:[a-z]+:`|``", capsys.readouterr().out)
    assert main(["optimizers", "adamm"]) == 1
    assert one_line_error(capsys).startswith("minidl: error: unknown optimizer 'adamm'; known optimizers: adadelta")


@pytest.mark.parametrize("name", ["history.csv", "history.json"])
def test_evaluating_a_history_says_it_is_not_a_model_and_what_to_pass(tmp_path, capsys, name):
    (tmp_path / name).write_text("epoch,train_loss\n1,0.5\n")
    assert main(["evaluate", str(tmp_path / name)]) == 1
    message = one_line_error(capsys)
    assert "such as a history written by --history, not a model; pass the .npz file written by" in message
    assert "delete" not in message and "corrupt" not in message


def test_resuming_past_the_end_of_a_cosine_schedule_says_what_a_resume_allows(tmp_path, capsys, monkeypatch):
    # The schedule reaches lr 0 at its total_epochs (3 here, from --epochs); --resume cannot change it.
    monkeypatch.chdir(tmp_path)
    assert main(["train", "--dataset", "digits", "--hidden", "8", "--batch-size", "256", "--epochs", "3", "-q",
                 "--schedule", "cosine", "--checkpoint", "run.npz"]) == 0
    capsys.readouterr()
    before = (tmp_path / "run.npz").read_bytes()
    assert main(["train", "--resume", "run.npz", "--epochs", "5", "-q"]) == 1
    message = one_line_error(capsys)
    assert "keeps its learning-rate schedule CosineDecay(total_epochs=3" in message
    assert message.endswith("--resume cannot change it; train a new run with --epochs 5 (a cosine schedule then "
                            "spans them)")
    assert (tmp_path / "run.npz").read_bytes() == before


def test_early_stopping_on_a_resume_without_a_validation_split_says_to_start_anew(checkpoint, capsys):
    # "add --validation-fraction 0.1" would be refused next: the split is the checkpoint's.
    assert main(["train", "--resume", checkpoint, "--epochs", "4", "--early-stopping", "3"]) == 1
    assert one_line_error(capsys).endswith("trained without a validation split, which --resume cannot add; start a "
                                           "new run with --validation-fraction 0.1 --early-stopping 3")
