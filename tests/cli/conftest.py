"""Helpers for the command-line tests."""

import subprocess
import sys

import pytest

from minidl.cli import main


@pytest.fixture
def run_minidl(tmp_path):
    """Run ``python -m minidl.cli ARGS`` in a fresh process inside ``tmp_path``; returns CompletedProcess."""

    def run(*args):
        return subprocess.run([sys.executable, "-m", "minidl.cli", *args], cwd=tmp_path,
                              capture_output=True, text=True, timeout=120)

    return run


@pytest.fixture
def train_checkpoint(tmp_path, capsys, monkeypatch):
    """``train(options, name)``: ``minidl train OPTIONS --checkpoint NAME`` in tmp_path, made the current folder.

    Returns ``name``, the checkpoint written; what the run printed is dropped.
    """
    monkeypatch.chdir(tmp_path)

    def train(options, name):
        assert main(["train", *options, "--checkpoint", name]) == 0
        capsys.readouterr()
        return name

    return train


@pytest.fixture
def resumed_and_straight(tmp_path, capsys, monkeypatch):
    """``run(options, stop, epochs, *resume_options)``: a resumed run and an uninterrupted one, in tmp_path.

    ``minidl train OPTIONS`` is stopped after ``stop`` epochs (checkpoint
    run.npz) and resumed to ``epochs``; the same run is then made straight
    to ``epochs`` (saved as straight.npz). Returns what the stopped and
    resumed runs printed, and what the straight one printed.
    """
    monkeypatch.chdir(tmp_path)

    def run(options, stop, epochs, *resume_options):
        assert main(["train", *options, "--epochs", str(stop), "--checkpoint", "run.npz"]) == 0
        assert main(["train", "--resume", "run.npz", "--epochs", str(epochs), *resume_options, "-q"]) == 0
        resumed_output = capsys.readouterr().out
        assert main(["train", *options, "--epochs", str(epochs), "--save", "straight.npz"]) == 0
        return resumed_output, capsys.readouterr().out

    return run
