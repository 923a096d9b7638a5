"""Strict JSON: numpy values made plain, NaN and infinity written as null (one helper for every JSON file)."""

import json
import math

import numpy as np

from minidl.experiments import results
from minidl.files import json_ready, write_json
from minidl.training import History


def refuse(word):
    raise AssertionError(f"{word} is not JSON")


def test_json_ready_keeps_python_values():
    # Moved here from tests/experiments/test_results.py with the helper it tests.
    assert json_ready({"a": [1, "x", None, True]}) == {"a": [1, "x", None, True]}


def test_json_ready_turns_numpy_and_non_finite_values_into_plain_ones():
    converted = json_ready({1: np.float32(0.5), "rows": (np.arange(2), [-np.inf, math.nan])})
    assert converted == {"1": 0.5, "rows": [[0, 1], [None, None]]}
    assert type(converted["1"]) is float and type(converted["rows"][0][0]) is int


def test_experiments_and_histories_share_the_one_helper():
    assert results.write_json is write_json and results.json_ready is json_ready


def test_history_with_nan_and_inf_writes_strict_json_and_reads_nan_back(tmp_path):
    history = History()
    history.record_step(2.0)
    history.record_step(float("nan"))
    history.record_epoch(epoch=1, train_loss=1.5, val_loss=float("inf"), learning_rate=np.float32(0.5))
    path = tmp_path / "history.json"
    history.to_json(path)
    text = path.read_text()
    assert "NaN" not in text and "Infinity" not in text
    data = json.loads(text, parse_constant=refuse)  # as strict as JavaScript's JSON.parse
    assert data["step_loss"] == [2.0, None] and data["epochs"][0]["val_loss"] is None
    loaded = History.load(path)
    assert loaded.step_loss[0] == 2.0 and math.isnan(loaded.step_loss[1])
    assert math.isnan(loaded["val_loss"][0]) and loaded["train_loss"] == [1.5]
    assert loaded.best("train_loss")["epoch"] == 1
