"""Random search: log-uniform draws, a ranked table, reproducible."""

import numpy as np
import pytest

from minidl.experiments import random_search
from minidl.experiments.search import SearchResult, log_uniform


def test_log_uniform_stays_in_range_and_spreads_over_decades():
    rng = np.random.default_rng(0)
    draws = np.array([log_uniform(rng, 1e-6, 1e-2) for _ in range(2000)])
    assert draws.min() >= 1e-6 and draws.max() <= 1e-2
    decades = np.histogram(np.log10(draws), bins=[-6, -5, -4, -3, -2])[0]
    assert decades.min() > 400  # about 500 in each decade


def test_search_ranks_by_final_validation_accuracy(reproduced, read_saved):
    result = reproduced(random_search, ["validation_accuracy", "learning_rates"], trials=4, epochs=3, samples=200, seed=1,
                        progress=False)
    assert ((result.learning_rates >= 1e-4) & (result.learning_rates <= 1e-1)).all()
    ranked = result.ranked()
    assert [row["rank"] for row in ranked] == [1, 2, 3, 4]
    scores = [row["validation_accuracy"] for row in ranked]
    assert scores == sorted(scores, reverse=True)
    assert result.validation_accuracy.shape == (4, 3)
    lines, record = read_saved("search")
    assert lines[0] == "rank,trial,learning_rate,weight_decay,validation_accuracy,train_accuracy"
    assert len(lines) == 5
    assert record["train_samples"] == 160 and record["validation_samples"] == 40
    assert len(record["curves"]) == 4
    assert len([axes for axes in result.plot(top=2).axes if axes.get_visible()]) >= 3


def test_a_diverged_trial_ranks_last():
    nan = np.nan
    result = SearchResult("digits", np.array([0.1, 0.2, 0.3]), np.array([1e-6] * 3),
                          np.array([[0.5], [nan], [0.9]]), np.array([[0.4], [nan], [0.8]]), {"epochs": 1})
    assert [row["trial"] for row in result.ranked()] == [2, 0, 1]


@pytest.mark.parametrize("bounds", [(0.1, 0.01), (0, 1), ("a", 1), (1,)])
def test_bad_ranges(bounds):
    with pytest.raises(ValueError, match="learning_rate_range"):
        random_search(learning_rate_range=bounds)  # refused before any data is loaded


@pytest.mark.parametrize("option, text, message", [
    ("--lr-range", "1,0", "--lr-range HIGH must be a finite number in [1.0, inf) (at least LOW); got 0.0"),
    ("--weight-decay-range", "0,1", "--weight-decay-range LOW must be a finite number in (0.0, inf) (a log-uniform "
                                    "draw starts above 0); got 0.0"),
])
def test_on_the_command_line_a_bad_range_is_told_with_its_option(option, text, message, tmp_path, capsys):
    from minidl.cli import main

    assert main(["experiment", "search", option, text, "--out", str(tmp_path), "--no-plot", "--quiet"]) == 1
    assert capsys.readouterr().err == f"minidl: error: {message}\n"
    assert list(tmp_path.iterdir()) == []


def test_help_shows_the_default_ranges_as_one_would_type_them(capsys):
    from minidl.cli import main
    from minidl.cli.experiments import number_range

    with pytest.raises(SystemExit):
        main(["experiment", "search", "--help"])
    help_text = " ".join(capsys.readouterr().out.split())
    assert "this range (default: 1e-4,0.1)" in help_text and "this range (default: 1e-8,1e-4)" in help_text
    assert number_range("1e-4,0.1") == (1e-4, 1e-1) and number_range("1e-8,1e-4") == (1e-8, 1e-4)
