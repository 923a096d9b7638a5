"""Comparing initialisations: std 0.01 leaves a ReLU net stuck at ln(10), He learns."""

import numpy as np
import pytest

from minidl.experiments import compare_initialisations
from minidl.experiments.initialisation import initialisation_label


def test_small_weights_stay_stuck_while_he_learns():
    result = compare_initialisations(iterations=150, progress=False)
    assert result.initialisations == [0.01, "xavier", "he"]
    assert result.optimizer == "SGD (lr=0.01)"
    final = dict(zip(result.initialisations, result.final_losses[:, 0]))
    # std 0.01: outputs ~0, softmax uniform, loss ln(10) and no gradient to speak of.
    assert final[0.01] == pytest.approx(np.log(10), abs=1e-3)
    assert final["he"] < final["xavier"] < final[0.01]


def test_shapes_reproducibility_and_files(reproduced, read_saved):
    first = reproduced(compare_initialisations, ["losses"], initialisations=("he", 0.05), iterations=12, seeds=2, seed=3,
                       progress=False)
    assert first.losses.shape == (2, 2, 12)
    lines, record = read_saved("init")
    assert lines[0] == "weight_init,seed,iteration,loss" and len(lines) == 1 + 2 * 2 * 12
    assert set(record["initialisations"]) == {"he", "0.05"} and record["seeds"] == [3, 4]


def test_optimizer_params_and_labels():
    result = compare_initialisations(initialisations=("he",), optimizer="momentum", optimizer_params={"lr": 0.05},
                                     iterations=2, progress=False)
    assert result.optimizer == "Momentum (lr=0.05)"
    assert [initialisation_label(value) for value in (0.01, "xavier", "he")] == ["std=0.01", "Xavier", "He"]
    axes = result.plot().axes[0]
    assert [line.get_label() for line in axes.get_lines()] == ["He"]
    # Smoothed by default, on a linear axis: the curves' heights over the whole run are the lesson.
    assert "moving average of 20" in axes.get_title() and axes.get_yscale() == "linear"


def test_bad_initialisation_is_reported():
    with pytest.raises(ValueError, match="unknown weight_init 'glorot'"):
        compare_initialisations(initialisations=("glorot",), iterations=2, progress=False)
    with pytest.raises(ValueError, match=r"^initialisations must be a sequence of initialisations such as "
                                         r'\("he", 0.01\); got \'he\'; for one, write a tuple of one: \(\'he\',\)$'):
        compare_initialisations(initialisations="he")  # not the initialisations 'h' and 'e'
    with pytest.raises(ValueError, match=r"^hidden_sizes\[0\] must be a whole number >= 1; got 0$"):
        compare_initialisations(hidden_sizes=0)


def test_help_of_inits_gives_this_experiment_s_own_default(capsys):
    from minidl.cli import main

    with pytest.raises(SystemExit):
        main(["experiment", "init", "--help"])
    help_text = " ".join(capsys.readouterr().out.split())
    assert ("--inits INITS initialisations, comma-separated: he, xavier, he_uniform, xavier_uniform or a standard "
            "deviation such as 0.01 (default: 0.01,xavier,he) --optimizer") in help_text
    assert "sigmoid and tanh" not in help_text  # the activations experiment's defaults are not this one's


def test_he_with_sgd_is_exactly_the_sgd_run_of_the_optimizer_comparison():
    # Same network, seed, batches and optimizer in both experiments: the
    # curves must agree bit for bit, which checks both set-ups at once.
    from minidl.experiments import compare_optimizers

    initialisation = compare_initialisations(initialisations=("he",), iterations=15, seeds=2, progress=False)
    comparison = compare_optimizers(optimizers=("sgd",), iterations=15, seeds=2, progress=False)
    np.testing.assert_array_equal(initialisation.losses, comparison.losses)
