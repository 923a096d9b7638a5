"""The offline examples run from another folder and print what they promise; the MNIST one on a tiny IDX set."""

import re
import signal
import struct
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from minidl.serialization import load_checkpoint

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


@pytest.mark.parametrize("script, expected", [
    ("train_digits.py", "test accuracy 9"),
    ("save_and_load.py", "same predictions after loading: True"),
    ("resume.py", "give identical weights: True"),
    ("custom_optimizer.py", " signum: final training loss"),
    ("custom_layer.py", "same predictions after loading: True"),
])
def test_example_runs_from_any_folder(script, expected, tmp_path):
    result = subprocess.run([sys.executable, str(EXAMPLES / script)], cwd=tmp_path,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert expected in result.stdout
    assert list(tmp_path.iterdir()) == []  # nothing left behind


def test_the_custom_optimizer_as_a_plugin_registers_signum_without_training(capsys, monkeypatch):
    from minidl.cli import main
    from minidl.optim import registry

    monkeypatch.setattr(registry, "_REGISTRY", dict(registry._REGISTRY))  # "signum" stays in this test
    trained = []
    monkeypatch.setattr("minidl.fit", lambda *args, **kwargs: trained.append(args))
    assert main(["--plugin", str(EXAMPLES / "custom_optimizer.py"), "optimizers"]) == 0
    output = capsys.readouterr().out
    assert "signum" in output and "final training loss" not in output and trained == []


def idx_file(path, array):
    """An uncompressed IDX file: magic (zero, zero, uint8 type code, dimensions), big-endian sizes, the bytes."""
    header = struct.pack(">BBBB", 0, 0, 0x08, array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
    path.write_bytes(header + array.astype(np.uint8).tobytes())


def test_train_mnist_stops_on_ctrl_c_in_one_line_and_resumes_when_run_again(tmp_path):
    rng = np.random.default_rng(0)
    data = tmp_path / "tiny-mnist"
    data.mkdir()
    for prefix, count in (("train", 240), ("t10k", 40)):
        labels = np.arange(count) % 10
        # Each class lights its own band of rows, so the network has something to learn.
        images = rng.integers(0, 60, size=(count, 28, 28))
        images[np.arange(count), labels * 2 + 4] = 255
        idx_file(data / f"{prefix}-images-idx3-ubyte", images)
        idx_file(data / f"{prefix}-labels-idx1-ubyte", labels)
    work = tmp_path / "work"
    work.mkdir()
    checkpoint = work / "idx-tiny-mnist-checkpoint.npz"  # each data set its own files
    script = [sys.executable, str(EXAMPLES / "train_mnist.py"), "--dataset", f"idx:{data}"]

    endless = subprocess.Popen([*script, "--epochs", "100000"], cwd=work, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while not checkpoint.exists() and endless.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)  # until the first epoch is saved
    endless.send_signal(signal.SIGINT)  # what Ctrl-C sends
    _, errors = endless.communicate(timeout=120)
    assert endless.returncode == 130, errors
    last_line = errors.strip().splitlines()[-1]
    assert "Traceback" not in errors
    assert last_line == ("interrupted; idx-tiny-mnist-checkpoint.npz keeps the last epoch saved: "
                         "run this script again to go on")
    saved_epoch = load_checkpoint(checkpoint)["trainer"]["epoch"]

    again = subprocess.run([*script, "--epochs", str(saved_epoch + 1)], cwd=work, capture_output=True, text=True,
                           timeout=120)
    assert again.returncode == 0, again.stderr
    assert f"resumed from idx-tiny-mnist-checkpoint.npz after epoch {saved_epoch} of {saved_epoch + 1}" in again.stdout
    assert "test accuracy" in again.stdout
    assert load_checkpoint(checkpoint)["trainer"]["epoch"] == saved_epoch + 1
    assert sorted(path.name for path in work.iterdir()) == [
        "idx-tiny-mnist-checkpoint.npz", "idx-tiny-mnist-history.csv", "idx-tiny-mnist.npz"]


def test_train_mnist_on_the_digits_trains_with_files_of_their_own(tmp_path):
    result = subprocess.run([sys.executable, str(EXAMPLES / "train_mnist.py"), "--dataset", "digits", "--epochs", "1"],
                            cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert re.search(r"^test accuracy \d+\.\d\d%; model saved to digits\.npz$", result.stdout, re.M), result.stdout
    assert sorted(path.name for path in tmp_path.iterdir()) == ["digits-checkpoint.npz", "digits-history.csv",
                                                               "digits.npz"]
