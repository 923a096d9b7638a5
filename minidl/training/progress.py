"""How training reports its progress: a tqdm bar, one line per epoch, or nothing.

``verbose=1`` (the default) draws a tqdm bar over the steps of each epoch
when the output is a terminal, showing the running loss of the epoch and the
last measured accuracy. When the output is *not* a terminal (a CI log, a
file, a pipe), a bar would fill the log with carriage returns, so it falls
back to the ``verbose=2`` behaviour: one plain line per epoch. ``verbose=0``
prints nothing.

Everything goes to standard error, like tqdm's own output, so that standard
output stays free for results (the CLI prints the test accuracy there).
"""

from __future__ import annotations

import os
import sys

from tqdm import tqdm

# Refresh the postfix about this many times per epoch: formatting it at every
# step would cost more than a small network's step itself.
POSTFIX_UPDATES_PER_EPOCH = 50
# tqdm's default without the rate and the time left, so the metrics fit an 80-column terminal.
BAR_FORMAT = "{desc}: {percentage:3.0f}%|{bar}| {n_fmt}/{total_fmt} [{elapsed}{postfix}]"


class Progress:
    """Reports the progress of one training run.

    Parameters
    ----------
    verbose : {0, 1, 2}
        0: silent. 1: a tqdm bar per epoch on a terminal, else one line per
        epoch. 2: one line per epoch.
    total_epochs : int
        Shown as ``epoch 3/10``.
    stream : file, optional
        Where to write; standard error by default (looked up at call time,
        so test frameworks that capture it see the output).
    """

    def __init__(self, verbose, total_epochs, stream=None):
        if verbose not in (0, 1, 2):
            raise ValueError(f"verbose must be 0 (silent), 1 (progress bar) or 2 (one line per epoch), got {verbose!r}")
        self.stream = stream if stream is not None else sys.stderr
        self.verbose = verbose
        self.total_epochs = total_epochs
        self.use_bar = verbose == 1 and is_terminal(self.stream)
        self.last_accuracy = None
        self._bar = None

    def start_epoch(self, epoch, steps):
        """Open the bar of ``epoch`` (1-based), which will take ``steps`` steps."""
        self._loss_sum = 0.0
        self._steps_done = 0
        self._pending = 0
        self._every = max(1, steps // POSTFIX_UPDATES_PER_EPOCH)
        if self.use_bar:
            self._bar = tqdm(
                total=steps, desc=f"epoch {epoch}/{self.total_epochs}", unit="step",
                file=self.stream, leave=True, dynamic_ncols=True, mininterval=0.2, bar_format=BAR_FORMAT,
            )

    def step(self, loss):
        """Account for one finished step with mini-batch ``loss`` (cheap)."""
        self._loss_sum += loss
        self._steps_done += 1
        self._pending += 1
        if self._pending >= self._every and self._bar is not None:
            self._bar.set_postfix_str(self._postfix(), refresh=False)
            self._bar.update(self._pending)
            self._pending = 0

    def _postfix(self):
        text = f"loss={self._loss_sum / max(self._steps_done, 1):.4f}"
        if self.last_accuracy is not None:
            text += f", acc={self.last_accuracy:.4f}"
        return text

    def end_epoch(self, epoch, metrics):
        """Close the epoch: final postfix on the bar, or one summary line."""
        self.last_accuracy = metrics.get("val_accuracy", metrics.get("train_accuracy"))
        if self._bar is not None:
            self._bar.update(self._pending)
            self._bar.set_postfix_str(_short_summary(metrics), refresh=False)
            self._bar.close()
            self._bar = None
        elif self.verbose:
            self.write(f"epoch {epoch}/{self.total_epochs}: {_summary(metrics, with_time=True)}")

    def abort(self):
        """Close an open bar after an error, so the error message starts on its own line."""
        if self._bar is not None:
            self._bar.close()
            self._bar = None

    def write(self, message):
        """Print a message without breaking an open bar."""
        if not self.verbose:
            return
        if self._bar is not None:
            tqdm.write(message, file=self.stream)
        else:
            print(message, file=self.stream, flush=True)


def _summary(metrics, with_time):
    parts = []
    for name in ("train_loss", "train_accuracy", "val_loss", "val_accuracy"):
        if name in metrics:
            parts.append(f"{name} {metrics[name]:.4f}")
    if "learning_rate" in metrics:
        parts.append(f"lr {metrics['learning_rate']:.3g}")
    if with_time and "seconds" in metrics:
        parts.append(f"{metrics['seconds']:.2f} s")
    return ", ".join(parts)


def _short_summary(metrics):
    """The end-of-epoch postfix of a bar: short enough for an 80-column terminal."""
    names = {"train_loss": "loss", "train_accuracy": "acc", "val_loss": "val_loss", "val_accuracy": "val_acc"}
    return ", ".join(f"{short}={metrics[name]:.4f}" for name, short in names.items() if name in metrics)


def is_terminal(stream):
    """True for a terminal wide enough to draw a bar (some pseudo-terminals report 0 columns)."""
    if not getattr(stream, "isatty", lambda: False)():
        return False
    try:
        return os.get_terminal_size(stream.fileno()).columns > 0
    except (AttributeError, OSError, ValueError):
        return True  # a terminal-like object without a file descriptor (tests); trust isatty
