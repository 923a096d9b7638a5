"""CSV and JSON writing: exact round trips, strict JSON, clear errors."""

import csv
import json

import numpy as np
import pytest

from minidl.environment import environment
from minidl.experiments.results import prepare_folder, save_numbers, write_csv, write_json
from minidl.threads import thread_counts_used


def test_csv_round_trips_floats_exactly(tmp_path):
    values = [0.1, 1 / 3, np.float32(2.5), np.float64(1e-12)]
    write_csv(tmp_path / "table.csv", ["name", "value"], [(f"v{index}", value) for index, value in enumerate(values)])
    with open(tmp_path / "table.csv", newline="") as file:
        rows = list(csv.reader(file))
    assert rows[0] == ["name", "value"]
    assert [float(row[1]) for row in rows[1:]] == [float(value) for value in values]


def test_csv_refuses_a_row_of_the_wrong_length(tmp_path):
    with pytest.raises(ValueError, match="has 1 values but the header"):
        write_csv(tmp_path / "table.csv", ["a", "b"], [(1,)])
    assert not (tmp_path / "table.csv").exists()  # atomic: nothing half-written


def test_json_turns_numpy_and_non_finite_values_into_strict_json(tmp_path):
    write_json(tmp_path / "record.json", {"array": np.array([1.0, np.nan]), "count": np.int64(3),
                                          "pair": (np.float32(0.5), np.inf)})
    text = (tmp_path / "record.json").read_text()
    assert json.loads(text) == {"array": [1.0, None], "count": 3, "pair": [0.5, None]}
    assert "NaN" not in text and "Infinity" not in text


def test_prepare_folder_creates_parents_and_refuses_a_file(tmp_path):
    folder = prepare_folder(tmp_path / "a" / "b")
    assert folder.is_dir()
    (tmp_path / "file").write_text("")
    with pytest.raises(ValueError, match="is a file, not a folder"):
        prepare_folder(tmp_path / "file")


def test_save_numbers_writes_table_and_record(tmp_path):
    class Result:
        def table(self):
            return ["x", "y"], [(1, 2.0), (2, 4.0)]

        def record(self):
            return {"experiment": "toy"}

    csv_path, json_path = save_numbers(Result(), tmp_path / "out", "toy")
    assert csv_path.read_text() == "x,y\n1,2.0\n2,4.0\n"
    record = json.loads(json_path.read_text())
    assert record == {"experiment": "toy", "environment": environment(thread_counts_used() or None)}
    assert record["environment"]["numpy"] == np.__version__ and record["environment"]["blas"]["architecture"]
