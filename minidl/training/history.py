"""What happened during training: per-step losses and per-epoch metrics.

A :class:`History` is the lab notebook of one training run. The trainer
writes into it; you read it to draw learning curves, to compare optimizers,
or to find the epoch where validation accuracy peaked.
"""

from __future__ import annotations

import csv
import io
import json
import math
from pathlib import Path

import numpy as np

from minidl.files import atomic_write, write_json

FORMAT_NAME = "minidl-history"
FORMAT_VERSION = 1


class History:
    """Losses and metrics recorded while a network trains.

    Attributes
    ----------
    step_loss : list of float
        The mini-batch loss of every optimisation step, in order, exactly as
        returned by ``network.loss_and_gradient`` (training mode: dropout on,
        batch statistics in batch normalisation). Noisy by nature: one batch
        is a small sample of the data.
    epochs : list of dict
        One dict per completed epoch, e.g. ``{"epoch": 1, "train_loss": 0.31,
        "train_accuracy": 0.91, "val_loss": 0.33, "val_accuracy": 0.90,
        "learning_rate": 0.001, "seconds": 1.8}``. Epochs count from 1.
        Validation keys are present only when validation data was given;
        ``seconds`` is the time of the epoch's training steps (the
        measurements after it are not counted).
    steps_per_epoch : list of int
        How many steps each epoch took, so ``step_loss`` can be cut back
        into epochs (see :meth:`epoch_of_step`).

    Examples
    --------
    >>> history = History()
    >>> history.record_step(2.30)
    >>> history.record_epoch(epoch=1, train_loss=1.9, learning_rate=0.01)
    >>> history["train_loss"]
    [1.9]
    """

    def __init__(self):
        self.step_loss = []
        self.epochs = []
        self.steps_per_epoch = []
        self._steps_at_last_epoch = 0

    # ================================================================ recording
    def record_step(self, loss):
        """Append the loss of one optimisation step."""
        self.step_loss.append(float(loss))

    def record_epoch(self, **metrics):
        """Append the metrics of one finished epoch (keyword arguments).

        The number of steps recorded since the previous epoch is stored in
        :attr:`steps_per_epoch`.
        """
        row = {name: _plain(value) for name, value in metrics.items()}
        self.epochs.append(row)
        self.steps_per_epoch.append(len(self.step_loss) - self._steps_at_last_epoch)
        self._steps_at_last_epoch = len(self.step_loss)

    # ================================================================= reading
    @property
    def metric_names(self):
        """Every metric name seen in any epoch, in first-seen order."""
        names = {}
        for row in self.epochs:
            names.update(dict.fromkeys(row))
        return list(names)

    def __getitem__(self, name):
        """The list of one metric over epochs (``nan`` where an epoch lacks it).

        Raises
        ------
        KeyError
            If no epoch recorded ``name``; the message lists the known names.
        """
        if name not in self.metric_names:
            raise KeyError(f"no metric {name!r} in this history; known metrics: {self.metric_names}")
        return [row.get(name, math.nan) for row in self.epochs]

    def __contains__(self, name):
        """Whether some epoch recorded the metric ``name``: ``"val_loss" in history``."""
        return name in self.metric_names

    def __iter__(self):
        """The metric names, as a dict iterates over its keys: ``for name in history``."""
        return iter(self.metric_names)

    def keys(self):
        """The metric names (what ``list(history)`` gives)."""
        return self.metric_names

    @property
    def history(self):
        """Metric name -> list over epochs, as a plain dict (Keras' ``history.history``)."""
        return {name: self[name] for name in self.metric_names}

    def __len__(self):
        """The number of completed epochs."""
        return len(self.epochs)

    def best(self, metric, mode="auto"):
        """The epoch row where ``metric`` was best.

        ``mode="auto"`` means larger is better for names containing
        "accuracy" and smaller is better otherwise (losses).
        """
        values = np.array(self[metric], dtype=float)
        if np.all(np.isnan(values)):
            raise ValueError(f"metric {metric!r} has no recorded values; train for an epoch first")
        larger_is_better = _larger_is_better(metric, mode)
        index = int(np.nanargmax(values) if larger_is_better else np.nanargmin(values))
        return dict(self.epochs[index])

    def epoch_of_step(self):
        """The (1-based) epoch of every entry of :attr:`step_loss`, as an int array."""
        return np.repeat(np.arange(1, len(self.steps_per_epoch) + 1), self.steps_per_epoch)

    def __repr__(self):
        if not self.epochs:
            return f"History(0 epochs, {len(self.step_loss)} steps)"
        last = ", ".join(f"{name}={_short(value)}" for name, value in self.epochs[-1].items())
        return f"History({len(self.epochs)} epochs, {len(self.step_loss)} steps; last: {last})"

    # ============================================================ showing it
    def plot(self, show_steps=True):
        """Loss and accuracy curves per epoch, training and validation: a matplotlib Figure.

        In a notebook the returned figure displays as a picture; elsewhere
        save it with ``history.plot().savefig("curves.png")``. See
        :func:`minidl.training.curves.plot_history` (needs matplotlib).
        """
        from minidl.training.curves import plot_history

        return plot_history(self, show_steps=show_steps)

    def _table(self, max_rows=20):
        """The epoch table as ``(title, header, rows)`` of text cells: at most ``max_rows`` epochs shown."""
        names = self.metric_names
        rows = [[_cell(name, row.get(name)) for name in names] for row in self.epochs]
        if len(rows) > max_rows:
            rows = rows[:max_rows // 2] + [["..."] * len(names)] + rows[-(max_rows // 2):]
        title = f"History: {len(self.epochs)} epochs, {len(self.step_loss)} steps"
        watched = "val_accuracy" if "val_accuracy" in names else "train_accuracy"
        if watched in names and not all(math.isnan(value) for value in self[watched]):
            best = self.best(watched)
            title += f"; best {watched} {best[watched]:.4f} at epoch {best.get('epoch', '?')}"
        return title, names, rows

    def _repr_pretty_(self, printer, cycle):
        """IPython's display: the epoch table as text."""
        from minidl.tables import text_table

        if not self.epochs:
            printer.text(repr(self))
            return
        title, header, rows = self._table()
        printer.text(text_table(header, rows, title=title))

    def _repr_html_(self):
        """Jupyter's display: the epoch table as HTML."""
        from minidl.tables import html_table

        if not self.epochs:
            return None
        title, header, rows = self._table()
        return html_table(header, rows, title=title)

    # =========================================================== dict and files
    def to_dict(self):
        """A JSON-ready dict holding everything (used by :meth:`to_json` and checkpoints)."""
        return {
            "format": FORMAT_NAME,
            "version": FORMAT_VERSION,
            "epochs": [dict(row) for row in self.epochs],
            "steps_per_epoch": list(self.steps_per_epoch),
            "step_loss": list(self.step_loss),
        }

    @classmethod
    def from_dict(cls, data):
        """Rebuild a history from :meth:`to_dict` output."""
        if not isinstance(data, dict) or data.get("format") != FORMAT_NAME:
            raise ValueError(
                "not a minidl history: expected a dict with format "
                f"{FORMAT_NAME!r}, got {type(data).__name__} "
                f"with format {data.get('format') if isinstance(data, dict) else None!r}"
            )
        history = cls()
        # null is how to_json writes NaN and infinity; nan is the closest number to give back.
        history.epochs = [{name: math.nan if value is None else value for name, value in dict(row).items()}
                          for row in data["epochs"]]
        history.steps_per_epoch = [int(count) for count in data["steps_per_epoch"]]
        history.step_loss = [math.nan if loss is None else float(loss) for loss in data["step_loss"]]
        if sum(history.steps_per_epoch) > len(history.step_loss):
            raise ValueError(
                f"history is inconsistent: steps_per_epoch sums to {sum(history.steps_per_epoch)} "
                f"but only {len(history.step_loss)} step losses are stored"
            )
        history._steps_at_last_epoch = sum(history.steps_per_epoch)
        return history

    def to_json(self, path):
        """Write everything (steps and epochs) as JSON, atomically.

        The file is strict JSON, readable by any JSON reader: a NaN or
        infinite value (a diverged loss) is written as ``null``, and
        :meth:`load` reads ``null`` back as ``nan``.
        """
        write_json(path, self.to_dict(), indent=1, kind="history")

    def to_csv(self, path):
        """Write the per-epoch table as CSV, one row per epoch, atomically.

        CSV is a table, so it holds the epoch metrics only; the per-step
        losses are in the JSON form (:meth:`to_json`). Missing values are
        left empty.
        """
        text = io.StringIO()
        writer = csv.DictWriter(text, fieldnames=self.metric_names, restval="", lineterminator="\n")
        writer.writeheader()
        writer.writerows(self.epochs)
        with atomic_write(path, "w", kind="history") as file:
            file.write(text.getvalue())

    def save(self, path):
        """Write as CSV or JSON, chosen by the suffix of ``path`` (``.csv`` or ``.json``)."""
        suffix = Path(path).suffix.lower()
        if suffix == ".csv":
            self.to_csv(path)
        elif suffix == ".json":
            self.to_json(path)
        else:
            raise ValueError(
                f"cannot tell the history format from {str(path)!r}: "
                "use a file name ending in .csv (epoch table) or .json (everything)"
            )

    @classmethod
    def load(cls, path):
        """Read a history written by :meth:`to_json` (CSV drops the step losses, so only JSON loads)."""
        path = Path(path)
        if path.suffix.lower() != ".json":
            raise ValueError(f"can only load a history from .json (the CSV lacks step losses), got {str(path)!r}")
        if not path.is_file():
            raise FileNotFoundError(f"history {str(path)!r} does not exist")
        try:
            data = json.loads(path.read_text())
        except json.JSONDecodeError as exc:
            raise ValueError(f"history {str(path)!r} is not valid JSON ({exc})") from exc
        return cls.from_dict(data)


def _plain(value):
    """Turn numpy scalars into Python numbers so rows stay JSON-ready."""
    return value.item() if isinstance(value, np.generic) else value


def _cell(name, value):
    """One table cell: "" when missing, the epoch as a whole number, the rate in 3 digits, times in 0.01 s."""
    if value is None:
        return ""
    if not isinstance(value, float):
        return str(value)
    if name == "learning_rate":
        return f"{value:.3g}"
    return f"{value:.2f}" if name == "seconds" else f"{value:.4f}"


def _short(value):
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def _larger_is_better(metric, mode):
    if mode == "auto":
        return "accuracy" in metric
    if mode in ("max", "min"):
        return mode == "max"
    raise ValueError(f"mode must be 'auto', 'min' or 'max', got {mode!r}")
