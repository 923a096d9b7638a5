"""The ``minidl experiment NAME`` commands: files written, errors on one line, help with examples."""

import json
import sys

import pytest

from minidl.cli import main
from minidl.cli.experiments import EXAMPLES, per_optimizer

TINY = {
    "paths": ["--steps", "3", "--optimizers", "sgd,adam"],
    "compare": ["--iterations", "4", "--seeds", "2", "--optimizers", "sgd,adam", "--set", "adam.lr=0.01"],
    "init": ["--iterations", "3", "--inits", "0.01,he"],
    "activations": ["--samples", "20", "--units", "10", "--layers", "2"],
    "batchnorm": ["--scales", "2", "--epochs", "1", "--samples", "100"],
    "overfit": ["--epochs", "1", "--samples", "50"],
    "search": ["--trials", "2", "--epochs", "1", "--samples", "100", "--top", "1"],
    "filters": ["--epochs", "1", "--samples", "100", "--filters", "3", "--hidden-size", "4"],
}
STEMS = {"activations": "activations-sigmoid"}


@pytest.mark.parametrize("name", sorted(TINY))
def test_each_experiment_writes_png_csv_and_json(name, tmp_path, capsys):
    assert main(["experiment", name, "--out", str(tmp_path), *TINY[name]]) == 0
    stem = STEMS.get(name, name)
    assert (tmp_path / f"{stem}.png").read_bytes()[:4] == b"\x89PNG"
    assert (tmp_path / f"{stem}.csv").read_text(encoding="utf-8").count("\n") > 1
    assert json.loads((tmp_path / f"{stem}.json").read_text(encoding="utf-8"))["experiment"] in (name, "activations")
    assert f"{stem}.png" in capsys.readouterr().out


def test_same_seed_same_files(tmp_path):
    for folder in ("first", "again"):
        main(["experiment", "compare", "--out", str(tmp_path / folder), "--seed", "4", "--no-plot", "--quiet",
              *TINY["compare"]])
    assert (tmp_path / "first" / "compare.csv").read_bytes() == (tmp_path / "again" / "compare.csv").read_bytes()
    record = json.loads((tmp_path / "first" / "compare.json").read_text())
    assert record["seeds"] == [4, 5] and record["optimizers"]["adam"]["hyperparameters"]["lr"] == 0.01


def test_no_plot_and_name_and_quiet(tmp_path, capsys):
    assert main(["experiment", "paths", "--out", str(tmp_path), "--no-plot", "--name", "bowl", "--quiet"]) == 0
    assert sorted(path.name for path in tmp_path.iterdir()) == ["bowl.csv", "bowl.json"]
    assert capsys.readouterr().out == ""


def test_missing_matplotlib_is_one_clear_line(tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    assert main(["experiment", "paths", "--out", str(tmp_path)]) == 1
    error = capsys.readouterr().err
    assert 'pip install "matplotlib>=3.6" (minidl\'s [plot] extra)' in error and "--no-plot" in error and error.count("\n") == 1
    assert not list(tmp_path.iterdir())  # failed before computing anything


@pytest.mark.parametrize("options, message", [
    (["compare", "--set", "adma.lr=0.1"], "not in this run"),
    (["compare", "--set", "lr=0.1"], "OPTIMIZER.NAME=VALUE"),
    (["compare", "--optimizers", "sgd,nope"], "unknown optimizer 'nope'"),
    (["compare", "--dataset", "nope"], "unknown dataset 'nope'"),
    (["overfit", "--samples", "100000"], "training samples"),
    (["search", "--samples", "5"], "5 samples are too few for a random search"),
    (["filters", "--filter-size", "12"], "minidl: error: --filter-size 12 with --pad 2 leaves too little of the 8x8 "
     "images for the 2x2 pooling; use a smaller --filter-size or a larger --pad"),
])
def test_user_errors_exit_1_with_a_message(options, message, tmp_path, capsys):
    assert main(["experiment", *options, "--out", str(tmp_path), "--quiet"]) == 1
    assert message in capsys.readouterr().err


def test_a_negative_seed_is_refused_as_every_malformed_number_option_is(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["experiment", "compare", "--seed", "-1", "--out", str(tmp_path), "--quiet"])
    assert exit_info.value.code == 2
    assert "minidl experiment compare: error: argument --seed: expected a whole number >= 0, got '-1'" in (
        capsys.readouterr().err)


@pytest.mark.parametrize("size", ["0", "1"])
def test_filter_size_has_one_minimum_on_the_command_line(size, tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["experiment", "filters", "--filter-size", size, "--out", str(tmp_path), "--quiet"])
    assert exit_info.value.code == 2
    assert "argument --filter-size: expected a whole number >= 2" in capsys.readouterr().err


def test_filters_takes_train_s_option_names_and_the_old_one(tmp_path):
    for flag in ("--filters", "--filter-num"):  # --filters as minidl train --model cnn; --filter-num still works
        out = tmp_path / flag.strip("-")
        assert main(["experiment", "filters", "--out", str(out), "--no-plot", "--quiet", "--epochs", "1",
                     "--samples", "50", flag, "2", "--hidden-size", "4"]) == 0
        assert json.loads((out / "filters.json").read_text())["conv_param"]["filter_num"] == 2


def test_set_given_twice_is_refused():
    with pytest.raises(ValueError, match="given twice"):
        per_optimizer([("adam.lr", 0.1), ("Adam.lr", 0.2)])
    assert per_optimizer([("adam.lr", 0.1), ("sgd.lr", 0.2)]) == {"adam": {"lr": 0.1}, "sgd": {"lr": 0.2}}


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_help_shows_examples(name, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["experiment", name, "--help"])
    assert exit_info.value.code == 0
    output = capsys.readouterr().out
    assert "examples:" in output and EXAMPLES[name][0] in output


@pytest.mark.parametrize("terminal", [False, True], ids=["log", "terminal"])
def test_progress_is_one_line_a_run_in_a_log_and_a_bar_in_a_terminal(terminal, tmp_path, capsys, monkeypatch):
    import minidl.experiments.common

    monkeypatch.setattr(minidl.experiments.common, "is_terminal", lambda stream: terminal)
    assert main(["experiment", "compare", "--out", str(tmp_path), "--no-plot", *TINY["compare"]]) == 0
    errors = capsys.readouterr().err
    if terminal:
        assert "\r" in errors  # tqdm redraws its bar in place
    else:
        # No carriage returns to fill a CI log with frames: one plain line per finished run, as the trainer does.
        assert "\r" not in errors
        assert errors.splitlines() == [f"compare optimizers: {done}/4 runs done" for done in range(1, 5)]


def test_a_failed_experiment_creates_no_output_folder(tmp_path, capsys):
    out = tmp_path / "new" / "results"
    assert main(["experiment", "search", "--samples", "5", "--out", str(out)]) == 1
    assert "use more samples, e.g. 100 or more" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []  # checked before the run, created only to write the results
    (tmp_path / "afile").write_text("")
    assert main(["experiment", "paths", "--out", str(tmp_path / "afile" / "sub"), "--no-plot"]) == 1
    assert "afile' is a file, not a folder; choose another --out" in capsys.readouterr().err
