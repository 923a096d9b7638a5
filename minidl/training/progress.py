"""How training reports its progress: a bar, one line per epoch, or nothing.

``verbose=1`` (the default) shows a progress bar where one can be drawn:

- on a terminal, a tqdm bar over the steps of each epoch, with the epoch's
  running loss and accuracy, the rate and the time left; when the epoch
  ends, the bar turns into that epoch's summary line (the Keras habit);
- in a Jupyter notebook (JupyterLab, VS Code, Colab: any IPython kernel),
  one bar for the whole run, redrawn at every epoch: tqdm's notebook widget
  when ipywidgets is installed, else one line of text redrawn in place. A
  notebook keeps every line written to standard error, so a line per epoch
  would pile up into a red block; the per-epoch numbers are in the
  returned :class:`~minidl.training.History` (display it for a table);
- anywhere else (a CI log, a file, a pipe), a redrawn bar would fill the log
  with carriage returns, so it falls back to the ``verbose=2`` behaviour:
  one plain line per epoch.

``verbose=0`` prints nothing.

Everything goes to standard error, like tqdm's own output, so that standard
output stays free for results (the CLI prints the test accuracy there).
"""

from __future__ import annotations

import os
import sys

import numpy as np
from tqdm import tqdm

from minidl.settings import Integer, check

# Refresh the postfix about this many times per epoch: formatting it at every
# step would cost more than a small network's step itself.
POSTFIX_UPDATES_PER_EPOCH = 50
# During an epoch: progress, time left, rate, then the running metrics (the
# postfix). Without tqdm's percentage and elapsed time, so that the metrics
# fit an 80-column terminal with room for the bar.
RUNNING_FORMAT = "{desc} |{bar}| {n_fmt}/{total_fmt} [{remaining} left, {rate_fmt}{postfix}]"
# When the epoch ends: the summary line, written into the description.
SUMMARY_FORMAT = "{desc}"
# The width of the text bar in a notebook, whose output has no terminal width.
NOTEBOOK_COLUMNS = 80
# How much training says; verbose=True and False, as Keras users write them, are 1 and 0.
VERBOSE = Integer(0, 2, switch=True, note="0 silent, 1 a progress bar, 2 one line per epoch")


class Progress:
    """Reports the progress of one training run.

    Parameters
    ----------
    verbose : {0, 1, 2} or bool
        0: silent. 1: a progress bar on a terminal or in a notebook, else one
        line per epoch. 2: one line per epoch. ``False`` and ``True`` are 0 and 1.
    total_epochs : int
        Shown as ``epoch 3/10``.
    stream : file, optional
        Where to write; standard error by default (looked up at call time,
        so test frameworks that capture it see the output).
    """

    def __init__(self, verbose, total_epochs, stream=None):
        verbose = check(verbose, VERBOSE, "verbose")
        self.stream = stream if stream is not None else sys.stderr
        self.verbose = verbose
        self.total_epochs = total_epochs
        self.in_notebook = verbose == 1 and in_notebook(self.stream)
        self.use_bar = verbose == 1 and (self.in_notebook or is_terminal(self.stream))
        self.last_accuracy = None
        self._bar = None
        self._widget = False

    def start_epoch(self, epoch, steps):
        """Open the bar of ``epoch`` (1-based), which will take ``steps`` steps."""
        self._loss_sum = 0.0
        self._steps_done = 0
        self._correct = 0
        self._seen = 0
        self._pending = 0
        self._every = max(1, steps // POSTFIX_UPDATES_PER_EPOCH)
        if not self.use_bar:
            return
        description = f"epoch {epoch}/{self.total_epochs}"
        if self._bar is None:
            self._bar = self._new_bar(steps, description)
        else:  # a notebook's one bar, redrawn for the next epoch
            self._bar.bar_format = RUNNING_FORMAT
            self._bar.set_description_str(description, refresh=False)
            self._bar.set_postfix_str("", refresh=False)
            self._bar.reset(total=steps)

    def _new_bar(self, steps, description):
        options = {"total": steps, "desc": description, "unit": "step", "leave": True, "mininterval": 0.2,
                   "bar_format": RUNNING_FORMAT}
        if not self.in_notebook:
            return tqdm(file=self.stream, dynamic_ncols=True, **options)
        widget = notebook_widget_bar()
        self._widget = widget is not None
        if self._widget:
            return widget(**options)
        return tqdm(file=self.stream, ncols=NOTEBOOK_COLUMNS, **options)

    def step(self, loss, last_layer=None):
        """Account for one finished step with mini-batch ``loss`` (cheap).

        ``last_layer`` is the network's :class:`~minidl.losses.SoftmaxWithLoss`
        after the step's forward pass: its ``probabilities`` and ``labels``
        give the running training accuracy of the epoch at no extra forward
        pass. Like the running loss it is measured in training mode (dropout
        on) while the weights move, so it differs a little from the
        ``train_accuracy`` measured after the epoch.
        """
        self._loss_sum += loss
        self._steps_done += 1
        if self._bar is None:
            return
        labels = getattr(last_layer, "labels", None)
        probabilities = getattr(last_layer, "probabilities", None)
        if labels is not None and probabilities is not None:
            self._correct += int(np.count_nonzero(probabilities.argmax(axis=1) == labels))
            self._seen += len(labels)
        self._pending += 1
        if self._pending >= self._every:
            self._bar.set_postfix_str(self._running_metrics(), refresh=False)
            self._bar.update(self._pending)
            self._pending = 0

    def _running_metrics(self):
        text = f"loss {self._loss_sum / max(self._steps_done, 1):.4f}"
        if self._seen:
            text += f" acc {self._correct / self._seen:.4f}"
        return text

    def end_epoch(self, epoch, metrics):
        """Close the epoch: the bar shows the epoch's summary, or one summary line is printed."""
        self.last_accuracy = metrics.get("val_accuracy", metrics.get("train_accuracy"))
        if self._bar is not None:
            self._bar.update(self._pending)
            elapsed = tqdm.format_interval(self._bar.format_dict["elapsed"])
            self._bar.bar_format = SUMMARY_FORMAT
            self._bar.set_description_str(f"epoch {epoch}/{self.total_epochs} [{elapsed}] {_short_summary(metrics)}",
                                          refresh=False)
            if self.in_notebook:
                self._bar.refresh()  # stays open: the next epoch redraws it
            else:
                self.close()  # leaves the summary line behind
        elif self.verbose:
            self.write(f"epoch {epoch}/{self.total_epochs}: {_summary(metrics, with_time=True)}")

    def close(self):
        """Close an open bar: at the end of training, or after an error so the message starts on its own line."""
        if self._bar is not None:
            self._bar.close()
            self._bar = None

    abort = close

    def write(self, message):
        """Print a message without breaking an open bar."""
        if not self.verbose:
            return
        if self._bar is not None and not self._widget:
            tqdm.write(message, file=self.stream)  # clears the text bar, prints, draws it again
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
    """The metrics on an epoch's summary line: short enough for an 80-column terminal."""
    names = {"train_loss": "loss", "train_accuracy": "acc", "val_loss": "val_loss", "val_accuracy": "val_acc"}
    return " ".join(f"{short} {metrics[name]:.4f}" for name, short in names.items() if name in metrics)


def is_terminal(stream):
    """True for a terminal wide enough to draw a bar (some pseudo-terminals report 0 columns)."""
    if not getattr(stream, "isatty", lambda: False)():
        return False
    try:
        return os.get_terminal_size(stream.fileno()).columns > 0
    except (AttributeError, OSError, ValueError):
        return True  # a terminal-like object without a file descriptor (tests); trust isatty


def in_notebook(stream):
    """True when ``stream`` is the output of a Jupyter kernel (ipykernel's ``OutStream``).

    That is what ``sys.stderr`` is in a notebook, in JupyterLab, VS Code or
    Colab alike; a file opened in a notebook cell is not.
    """
    return type(stream).__module__.startswith("ipykernel.")


def notebook_widget_bar():
    """tqdm's notebook widget bar (a class) if ipywidgets can be imported, else None.

    Decided here rather than by ``tqdm.auto``, which falls back to the text
    bar too but first warns (``TqdmWarning: IProgress not found``).
    """
    try:
        import ipywidgets  # noqa: F401  (the widget bar is made of ipywidgets)
        from tqdm.notebook import IProgress
        from tqdm.notebook import tqdm as widget_bar
    except ImportError:
        return None
    return widget_bar if IProgress is not None else None
