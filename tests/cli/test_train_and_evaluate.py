"""End to end on the digits, in fresh processes: train, save, evaluate, resume."""

import csv
import json
import re

import numpy as np
import pytest

from minidl.cli import main
from minidl.serialization import load_checkpoint, load_model


def test_train_saves_model_history_checkpoint_then_evaluate_agrees(run_minidl, tmp_path):
    trained = run_minidl("train", "--dataset", "digits", "--hidden", "32", "--epochs", "3", "--batch-size", "64",
                         "--validation-fraction", "0.1", "--save", "model.npz", "--history", "history.json",
                         "--checkpoint", "run.npz")
    assert trained.returncode == 0, trained.stderr
    reported = re.search(r"test accuracy (\d+\.\d+) % \((\d+)/360\) after 3 epochs", trained.stdout)
    assert reported, trained.stdout
    # Not a terminal: one progress line per epoch on stderr, no carriage returns.
    assert len(re.findall(r"^epoch \d/3: train_loss .* val_accuracy", trained.stderr, re.M)) == 3
    assert "\r" not in trained.stderr

    history = json.loads((tmp_path / "history.json").read_text())
    assert [row["epoch"] for row in history["epochs"]] == [1, 2, 3]
    assert len(history["step_loss"]) == 3 * 21  # 1293 training samples after the split, batches of 64
    assert load_model(tmp_path / "model.npz").hidden_sizes == [32]
    assert load_checkpoint(tmp_path / "run.npz")["trainer"]["epoch"] == 3

    evaluated = run_minidl("evaluate", "model.npz")
    assert evaluated.returncode == 0, evaluated.stderr
    assert f"accuracy {reported.group(1)} % ({reported.group(2)}/360)" in evaluated.stdout
    matrix_lines = evaluated.stdout.split("true \\ predicted\n")[1].splitlines()[1:]
    matrix = np.array([[int(count) for count in line.split()[1:]] for line in matrix_lines])
    assert matrix.shape == (10, 10) and matrix.sum() == 360 and np.trace(matrix) == int(reported.group(2))
    assert re.search(r"^\s+0\s+36\s+\d+\.\d\d %$", evaluated.stdout, re.M)  # per-class table


def test_resume_continues_to_the_new_total(resumed_and_straight):
    common = ["--dataset", "digits", "--hidden", "16", "--batch-size", "128", "--verbose", "0"]
    resumed_output, straight = resumed_and_straight(common, 2, 4, "--checkpoint", "run.npz")
    accuracy = re.compile(r"test accuracy .* after 4 epochs")
    assert accuracy.search(resumed_output).group() == accuracy.search(straight).group()
    resumed, uninterrupted = load_model("run.npz"), load_model("straight.npz")
    assert all(np.array_equal(resumed.params[name], uninterrupted.params[name]) for name in resumed.params)


def test_optimizer_params_and_schedule_reach_the_trainer(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code = main(["train", "--dataset", "digits", "--hidden", "8", "--epochs", "3", "--batch-size", "256", "-q",
                 "--optimizer", "momentum", "--lr", "0.05", "--optimizer-param", "momentum=0.8",
                 "--schedule", "step", "--schedule-param", "step_size=1", "--schedule-param", "gamma=0.5",
                 "--history", "history.csv"])
    assert code == 0
    assert "Momentum(lr=0.05, momentum=0.8)" in capsys.readouterr().out
    with open(tmp_path / "history.csv", newline="") as table:
        rates = [float(row["learning_rate"]) for row in csv.DictReader(table)]
    assert rates == [0.05, 0.025, 0.0125]


def test_cosine_on_the_command_line_runs_over_the_epochs_of_the_run(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code = main(["train", "--dataset", "digits", "--hidden", "8", "--epochs", "3", "--batch-size", "512", "-q",
                 "--lr", "0.01", "--schedule", "cosine", "--checkpoint", "run.npz", "--history", "history.csv"])
    assert code == 0, capsys.readouterr().err
    with open(tmp_path / "history.csv", newline="") as table:
        rates = [float(row["learning_rate"]) for row in csv.DictReader(table)]
    assert rates == pytest.approx([0.01, 0.0075, 0.0025])  # 0.01 (1 + cos(pi e / 3)) / 2, e = 0, 1, 2
    assert load_checkpoint("run.npz")["trainer"]["schedule"] == {"name": "cosine", "params": {"total_epochs": 3}}


@pytest.mark.parametrize("dataset, epochs", [("digits", 40), ("mnist", 20)])
def test_cosine_total_epochs_defaults_to_the_data_sets_epochs(dataset, epochs):
    from minidl.cli import build_parser, train

    args = build_parser().parse_args(["train", "--dataset", dataset, "--schedule", "cosine"])
    args.optimizer = "adam"
    assert train._hyperparameters(args)[1] == {"total_epochs": epochs}


def test_help_says_where_cosine_total_epochs_comes_from(capsys):
    with pytest.raises(SystemExit):
        main(["train", "--help"])
    assert "cosine's total_epochs defaults to the run's --epochs" in " ".join(capsys.readouterr().out.split())


def write_idx_files(folder, side):
    """The four IDX files of a 4-image data set of ``side`` x ``side`` images in 3 classes."""
    folder.mkdir(parents=True)
    images = bytes([0, 0, 8, 3, 0, 0, 0, 4, 0, 0, 0, side, 0, 0, 0, side]) + bytes(4 * side * side)
    labels = bytes([0, 0, 8, 1, 0, 0, 0, 4, 0, 1, 2, 1])
    for name, content in [("train-images-idx3-ubyte", images), ("train-labels-idx1-ubyte", labels),
                          ("t10k-images-idx3-ubyte", images), ("t10k-labels-idx1-ubyte", labels)]:
        (folder / name).write_bytes(content)


def test_evaluate_finds_a_relative_idx_folder_beside_the_model_first(tmp_path, capsys, monkeypatch):
    from minidl import MLP, save_model

    write_idx_files(tmp_path / "project" / "idx", side=3)  # what the model learned from
    write_idx_files(tmp_path / "idx", side=2)  # another folder of the same name, here
    save_model(MLP(9, [4], 3, seed=0), tmp_path / "project" / "model.npz", metadata={"dataset": "idx:idx"})
    monkeypatch.chdir(tmp_path)
    assert main(["evaluate", "project/model.npz"]) == 0
    assert "on idx:project/idx (test set, 4 samples)" in capsys.readouterr().out
    monkeypatch.chdir(tmp_path / "project")
    assert main(["evaluate", "model.npz"]) == 0  # from the folder it was trained in: as before
    assert "on idx:idx (test set, 4 samples)" in capsys.readouterr().out


def test_optimizers_lists_the_registry_with_defaults(capsys):
    from minidl import optim

    assert main(["optimizers"]) == 0
    output = capsys.readouterr().out
    for name in optim.available():
        assert re.search(rf"^{name}\s", output, re.M), name
    assert re.search(r"^adam\s+lr=0\.001, beta1=0\.9, beta2=0\.999", output, re.M)


def test_every_command_has_help_with_examples(capsys):
    import argparse

    from minidl.cli import build_parser

    subparsers = next(action for action in build_parser()._actions if isinstance(action, argparse._SubParsersAction))
    assert {"train", "evaluate", "optimizers"} <= set(subparsers.choices)
    for command in subparsers.choices:
        with pytest.raises(SystemExit) as exit:
            main([command, "--help"])
        assert exit.value.code == 0
        assert "examples:" in capsys.readouterr().out, command


def test_ctrl_c_then_resume_keeps_checkpointing_and_early_stopping(tmp_path, capsys, monkeypatch):
    import minidl.training

    monkeypatch.chdir(tmp_path)
    # A high learning rate overfits soon: uninterrupted, early stopping ends epoch 14 and restores epoch 11.
    command = ["train", "--dataset", "digits", "--hidden", "16", "--batch-size", "128", "--epochs", "30", "-q",
               "--validation-fraction", "0.2", "--lr", "0.05", "--early-stopping", "2"]
    assert main([*command, "--save", "straight.npz", "--history", "straight.json"]) == 0
    straight = capsys.readouterr().out
    assert "after 14 epochs (stopped early; best epoch 11 restored)" in straight

    original_run_epoch = minidl.training.Trainer._run_epoch

    def ctrl_c_in_epoch_13(trainer, *args):
        if trainer.epoch == 12:  # epoch 11 is the best so far, epoch 12 used up one epoch of patience
            raise KeyboardInterrupt
        original_run_epoch(trainer, *args)

    with monkeypatch.context() as patch:
        patch.setattr(minidl.training.Trainer, "_run_epoch", ctrl_c_in_epoch_13)
        assert main([*command, "--checkpoint", "run.npz"]) == 130
    assert "continue with --resume run.npz" in capsys.readouterr().err
    assert load_checkpoint(tmp_path / "run.npz")["trainer"]["epoch"] == 12

    # Only --resume: the checkpoint and the early stopping (with its state) come back by themselves.
    assert main(["train", "--resume", "run.npz", "-q", "--save", "resumed.npz", "--history", "resumed.json"]) == 0
    resumed = capsys.readouterr().out
    assert "after 14 epochs (2 in this run; stopped early; best epoch 11 restored)" in resumed
    assert "checkpoint run.npz holds epoch 14, the last trained (to resume from); the best, epoch 11, is in " \
           "resumed.npz" in resumed
    assert load_checkpoint(tmp_path / "run.npz")["trainer"]["epoch"] == 14  # the checkpoint went on
    accuracy = re.compile(r"test accuracy .* after")
    assert accuracy.search(resumed).group() == accuracy.search(straight).group()
    one, other = load_model("straight.npz"), load_model("resumed.npz")
    assert all(np.array_equal(one.params[name], other.params[name]) for name in one.params)
    histories = [json.loads((tmp_path / name).read_text()) for name in ("straight.json", "resumed.json")]
    for history in histories:
        for row in history["epochs"]:
            del row["seconds"]
    assert histories[0] == histories[1]

    # The checkpoint can be evaluated like a model: it records its data set (the last epoch's weights).
    assert main(["evaluate", "run.npz", "--split", "train"]) == 0
    assert "on digits (train set, 1437 samples, including the 20 % held out for validation during training)" \
           in capsys.readouterr().out


def test_every_option_with_a_default_explains_itself_and_shows_the_default(capsys):
    import argparse

    from minidl.cli import build_parser

    def parsers(parser, name):
        yield name, parser
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for command, subparser in action.choices.items():
                    yield from parsers(subparser, f"{name} {command}")

    # argparse prints neither the help nor the default of an option without help text.
    for name, parser in parsers(build_parser(), "minidl"):
        for action in parser._actions:
            has_default = action.default not in (None, False, [], argparse.SUPPRESS)
            if action.option_strings and has_default:
                assert action.help, f"{name} {action.option_strings[0]} has no help, so its default is hidden"
    with pytest.raises(SystemExit):
        main(["experiment", "compare", "--help"])
    assert re.search(r"--batch-size BATCH_SIZE\s+samples per mini-batch update \(default: 128\)",
                     capsys.readouterr().out)


def test_python_dash_m_minidl_is_the_minidl_command(tmp_path):
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "-m", "minidl", "--version"], cwd=tmp_path,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("minidl ")
