"""History: recording, reading, and the CSV / JSON files."""

import csv
import json
import math

import numpy as np
import pytest

from minidl.training import History


def make_history():
    history = History()
    for loss in (2.0, 1.5, 1.2):
        history.record_step(loss)
    history.record_epoch(epoch=1, train_loss=1.1, val_accuracy=0.5, learning_rate=0.1)
    for loss in (0.9, 0.8):
        history.record_step(np.float32(loss))
    history.record_epoch(epoch=2, train_loss=0.7, val_accuracy=0.75, learning_rate=0.05)
    return history


def test_records_steps_epochs_and_step_counts():
    history = make_history()
    assert len(history) == 2
    assert history.steps_per_epoch == [3, 2]
    assert history["train_loss"] == [1.1, 0.7]
    assert history.epoch_of_step().tolist() == [1, 1, 1, 2, 2]
    assert all(type(loss) is float for loss in history.step_loss)


def test_best_uses_the_direction_of_the_metric():
    history = make_history()
    assert history.best("val_accuracy")["epoch"] == 2  # larger is better
    assert history.best("train_loss")["epoch"] == 2
    assert history.best("learning_rate", mode="max")["epoch"] == 1


def test_unknown_metric_names_the_known_ones():
    with pytest.raises(KeyError, match="train_loss"):
        make_history()["val_loss"]


def test_missing_values_read_as_nan():
    history = History()
    history.record_epoch(epoch=1, train_loss=1.0)
    history.record_epoch(epoch=2, train_loss=0.5, val_loss=0.6)
    assert math.isnan(history["val_loss"][0]) and history["val_loss"][1] == 0.6


def test_json_round_trip_is_exact(tmp_path):
    history = make_history()
    history.save(tmp_path / "history.json")
    loaded = History.load(tmp_path / "history.json")
    assert loaded.step_loss == history.step_loss
    assert loaded.epochs == history.epochs
    assert loaded.steps_per_epoch == history.steps_per_epoch
    assert json.loads((tmp_path / "history.json").read_text())["format"] == "minidl-history"


def test_csv_has_one_row_per_epoch(tmp_path):
    history = make_history()
    history.save(tmp_path / "history.csv")
    with open(tmp_path / "history.csv", newline="") as file:
        rows = list(csv.DictReader(file))
    assert [row["epoch"] for row in rows] == ["1", "2"]
    assert float(rows[1]["learning_rate"]) == 0.05
    assert list(rows[0]) == ["epoch", "train_loss", "val_accuracy", "learning_rate"]


def test_unknown_suffix_and_bad_files_are_refused(tmp_path):
    with pytest.raises(ValueError, match=r"\.csv.*\.json"):
        make_history().save(tmp_path / "history.txt")
    (tmp_path / "bad.json").write_text("{not json")
    with pytest.raises(ValueError, match="not valid JSON"):
        History.load(tmp_path / "bad.json")
    (tmp_path / "other.json").write_text('{"format": "something else"}')
    with pytest.raises(ValueError, match="not a minidl history"):
        History.load(tmp_path / "other.json")


def test_ipython_and_jupyter_show_the_epoch_table():
    from IPython.lib.pretty import pretty

    lines = pretty(make_history()).splitlines()
    assert lines[0] == "History: 2 epochs, 5 steps; best val_accuracy 0.7500 at epoch 2"
    assert lines[1].split() == ["epoch", "train_loss", "val_accuracy", "learning_rate"]
    assert lines[3].split() == ["1", "1.1000", "0.5000", "0.1"]
    html = make_history()._repr_html_()
    assert html.startswith("<table><caption") and "<td style='text-align: right'>0.7000</td>" in html
    assert pretty(History()) == "History(0 epochs, 0 steps)" and History()._repr_html_() is None


def test_a_long_history_shows_its_first_and_last_epochs():
    from IPython.lib.pretty import pretty

    history = History()
    for epoch in range(1, 51):
        history.record_step(1.0)
        history.record_epoch(epoch=epoch, train_loss=1 / epoch)
    rows = pretty(history).splitlines()[3:]
    assert [row.split()[0] for row in rows] == [*map(str, range(1, 11)), "...", *map(str, range(41, 51))]


def test_plot_draws_loss_and_accuracy_per_epoch():
    pytest.importorskip("matplotlib")
    history = make_history()
    history.record_step(0.6)
    history.record_epoch(epoch=3, train_loss=0.5, train_accuracy=0.9, val_accuracy=0.8, learning_rate=0.05)
    figure = history.plot()
    loss, accuracy = figure.axes
    training_loss = [line for line in loss.lines if line.get_label() == "training"][0]
    assert training_loss.get_xdata().tolist() == [1, 2, 3] and training_loss.get_ydata().tolist() == [1.1, 0.7, 0.5]
    steps = [line for line in loss.lines if line.get_label().startswith("each step")][0]
    # Step i of k in epoch e sits at e - 1 + i / k: the last step of an epoch at the epoch itself.
    assert steps.get_xdata().tolist() == pytest.approx([1 / 3, 2 / 3, 1, 1.5, 2, 3])
    assert [line.get_label() for line in accuracy.lines] == ["training", "validation"]
    assert figure._repr_png_()[:8] == b"\x89PNG\r\n\x1a\n"
    with pytest.raises(ValueError, match="no epoch to plot"):
        History().plot()


def test_a_history_reads_like_a_dict_of_metrics():
    history = make_history()
    names = ["epoch", "train_loss", "val_accuracy", "learning_rate"]
    assert "val_accuracy" in history and "val_loss" not in history and 0 not in history
    assert list(history) == names and [name for name in history] == names and history.keys() == names
    assert history.history == {"epoch": [1, 2], "train_loss": [1.1, 0.7], "val_accuracy": [0.5, 0.75],
                               "learning_rate": [0.1, 0.05]}
    assert len(history) == 2  # still the number of epochs, as documented
