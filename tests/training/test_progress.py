"""The progress report: a bar that fits 80 columns on a terminal, with the epoch's own running metrics."""

import fcntl
import io
import os
import pty
import re
import struct
import termios
import time
import types

import numpy as np
import pytest

from minidl import MLP
from minidl.training import Trainer
from minidl.training.progress import Progress


class Terminal(io.StringIO):
    """A terminal without a size: tqdm draws a bar 10 characters wide."""

    def isatty(self):
        return True


def last_layer(correct, count):
    """What SoftmaxWithLoss keeps after a forward pass, for ``count`` samples of which ``correct`` are right."""
    labels = np.zeros(count, dtype=np.int64)
    probabilities = np.tile([0.1, 0.9], (count, 1))  # predicts class 1 ...
    probabilities[:correct] = [0.9, 0.1]  # ... except for the first `correct` samples
    return types.SimpleNamespace(labels=labels, probabilities=probabilities)


def frames(text):
    """Every state a terminal showed: the text between carriage returns and newlines."""
    return [frame for line in text.split("\n") for frame in line.split("\r") if frame.strip()]


def test_on_an_80_column_terminal_every_line_fits_and_shows_the_running_loss_and_accuracy():
    controller, terminal_side = pty.openpty()
    fcntl.ioctl(terminal_side, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    stream = os.fdopen(terminal_side, "w")
    reporter = Progress(1, 100, stream=stream)  # three-digit epoch numbers: the widest description
    metrics = {"train_loss": 0.25, "train_accuracy": 0.9375, "val_loss": 0.3125, "val_accuracy": 0.875}
    for epoch in (99, 100):
        reporter.start_epoch(epoch, 1000)
        for step in range(1, 1001):
            if step == 500:
                time.sleep(0.25)  # past tqdm's 0.2 s between redraws: the bar shows the running values
            reporter.step(1.5, last_layer(correct=3, count=4))
        reporter.end_epoch(epoch, dict(metrics, epoch=epoch))
    reporter.close()
    stream.close()
    output = b""
    while True:
        try:
            chunk = os.read(controller, 65536)
        except OSError:  # the other side is closed: all was read
            break
        if not chunk:
            break
        output += chunk
    os.close(controller)
    shown = frames(output.decode())
    assert shown and all(len(frame) <= 80 for frame in shown), [frame for frame in shown if len(frame) > 80]
    running = [frame for frame in shown if "left" in frame and "acc" in frame]
    assert running, shown
    assert re.search(r"epoch 100/100 \|.+\| +\d+/1000 \[\d\d:\d\d left, +[\d.]+step/s, loss 1\.5000 acc 0\.7500\]",
                     running[-1]), running[-1]
    summaries = [frame for frame in shown if "val_acc" in frame]
    assert [summary.split(" [")[0] for summary in summaries] == ["epoch 99/100", "epoch 100/100"]
    assert summaries[-1].rstrip().endswith("loss 0.2500 acc 0.9375 val_loss 0.3125 val_acc 0.8750")


def test_the_accuracy_shown_is_this_epochs_running_accuracy_from_the_first_epoch_on():
    stream = Terminal()
    reporter = Progress(1, 2, stream=stream)
    reporter.start_epoch(1, 2)
    reporter.step(2.0, last_layer(correct=1, count=4))
    reporter.step(1.0, last_layer(correct=4, count=4))  # 5 of 8 right so far
    assert reporter._running_metrics() == "loss 1.5000 acc 0.6250"
    reporter.end_epoch(1, {"train_loss": 0.5, "train_accuracy": 0.75, "val_accuracy": 0.5})
    reporter.start_epoch(2, 1)
    reporter.step(1.0, last_layer(correct=0, count=4))
    # Epoch 2 starts afresh: neither epoch 1's running value, nor any validation accuracy.
    assert reporter._running_metrics() == "loss 1.0000 acc 0.0000"
    reporter.end_epoch(2, {"train_loss": 0.5, "train_accuracy": 0.75})
    assert "epoch 1/2 [00:00] loss 0.5000 acc 0.7500 val_acc 0.5000" in stream.getvalue()


def test_the_trainer_shows_the_running_accuracy_of_its_batches(digits, monkeypatch):
    class Slow(MLP):
        def _loss_and_gradient(self, x, t):  # what the Trainer calls at each step
            time.sleep(0.01)  # 50 steps take 0.5 s: tqdm redraws the bar during the epoch
            return super()._loss_and_gradient(x, t)

    (x, t), _ = digits
    stream = Terminal()
    monkeypatch.setattr("sys.stderr", stream)
    Trainer(Slow(64, [32], 10, seed=0), epochs=1, batch_size=8, verbose=1).fit(x[:400], t[:400])
    running = [float(value) for value in re.findall(r"left, .*? acc (\d\.\d{4})\]", stream.getvalue())]
    assert running and all(0.0 < value < 1.0 for value in running)


def test_verbose_true_and_false_are_levels_1_and_0_as_keras_users_write_them(monkeypatch):
    x, t = np.random.default_rng(0).random((40, 8)), np.arange(40) % 3
    said = []  # a list, not a dict: True == 1 and False == 0 would share a key
    for verbose in (1, True, 0, False, np.bool_(True)):
        stream = io.StringIO()  # not a terminal: level 1 writes one line per epoch
        monkeypatch.setattr("sys.stderr", stream)
        Trainer(MLP(8, [4], 3, seed=0), epochs=2, batch_size=10, verbose=verbose).fit(x, t)
        said.append(re.sub(r"\d+\.\d+ s", "- s", stream.getvalue()))  # the time an epoch took varies
    one, true, zero, false, numpy_true = said
    assert true == one == numpy_true and one.count("\n") == 2 and one.startswith("epoch 1/2: train_loss")
    assert false == zero == ""
    assert Progress(True, 2).verbose == 1 and type(Progress(True, 2).verbose) is int


def test_a_level_of_output_other_than_0_1_2_is_refused_in_the_one_wording():
    message = r"^verbose must be a whole number in \[0, 2\] \(0 silent, 1 a progress bar, 2 one line per epoch\); got "
    for verbose, got in ((3, "3"), (-1, "-1"), (1.0, "1.0 of type float"), ("1", "'1' of type str")):
        with pytest.raises(ValueError, match=message + re.escape(got) + "$"):
            Progress(verbose, 2)
