"""``--threads N``: one option with one meaning on train, evaluate and experiment."""

import pytest

from minidl.cli import build_parser, main

COMMANDS = {
    "train": ["train", "--dataset", "digits"],
    "evaluate": ["evaluate", "model.npz"],
    "experiment": ["experiment", "compare"],
}
TINY_TRAINING = ["train", "--dataset", "digits", "--hidden", "8", "--batch-size", "500", "-q",
                 "--checkpoint", "run.npz"]


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_computing_command_takes_threads(command):
    parser = build_parser()
    assert parser.parse_args(COMMANDS[command]).threads is None  # minidl decides
    assert parser.parse_args([*COMMANDS[command], "--threads", "2"]).threads == 2


def test_a_resume_on_another_count_warns_in_one_line(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main([*TINY_TRAINING, "--epochs", "1", "--threads", "1"]) == 0
    assert "trained in" in capsys.readouterr().out
    assert main([*TINY_TRAINING, "--resume", "run.npz", "--epochs", "2", "--threads", "2"]) == 0
    captured = capsys.readouterr()
    assert captured.err == (
        "minidl: warning: the first 1 epoch(s) of this run were trained on 1 BLAS thread(s), the next on 2: the "
        "results may differ in the last bits from a run on one count throughout (bit-identity needs the same "
        "count: threads=1, or --threads 1)\n")
    assert " s on 2 BLAS threads" in captured.out
