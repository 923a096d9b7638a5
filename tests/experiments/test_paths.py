"""Optimizer paths on f(x, y) = x**2/20 + y**2, checked against hand-derived sequences."""

import json

import numpy as np
import pytest

from minidl.experiments import optimizer_paths, save_numbers
from minidl.experiments.paths import DEFAULT_OPTIMIZERS, bowl, bowl_gradient


def test_bowl_and_its_gradient():
    assert bowl(-7.0, 2.0) == pytest.approx(49 / 20 + 4)
    assert bowl_gradient(-7.0, 2.0) == pytest.approx((-0.7, 4.0))


def test_sgd_path_is_the_geometric_sequence_derived_by_hand():
    # x <- x - lr * x / 10 and y <- y - lr * 2y: each coordinate is multiplied
    # by a constant, (1 - lr/10) and (1 - 2 lr), at every step.
    result = optimizer_paths(["sgd"], steps=30)
    steps = np.arange(31)
    expected = np.stack([-7.0 * (1 - 0.095) ** steps, 2.0 * (1 - 1.9) ** steps], axis=1)
    np.testing.assert_allclose(result.positions["sgd"], expected, rtol=1e-12)


def test_momentum_first_two_steps_by_hand():
    result = optimizer_paths(["momentum"], hyperparameters={"momentum": {"lr": 0.1}}, steps=2)
    # v1 = -0.1 * (-0.7, 4) = (0.07, -0.4); p1 = (-6.93, 1.6)
    # v2 = 0.9 v1 - 0.1 * (-0.693, 3.2) = (0.1323, -0.68); p2 = (-6.7977, 0.92)
    np.testing.assert_allclose(result.positions["momentum"], [[-7, 2], [-6.93, 1.6], [-6.7977, 0.92]], rtol=1e-12)


def test_defaults_run_seven_optimizers_and_all_get_closer_to_the_minimum():
    result = optimizer_paths()
    assert result.names == list(DEFAULT_OPTIMIZERS) and len(result.names) == 7
    for name in result.names:
        assert result.positions[name].shape == (31, 2)
        assert result.values(name)[-1] < bowl(-7.0, 2.0) / 10
    assert result.labels["sgd"] == "SGD (lr=0.95)"
    assert result.hyperparameters["adam"]["lr"] == 0.3


def test_hyperparameters_override_the_defaults():
    result = optimizer_paths(["adam"], hyperparameters={"adam": {"lr": 0.01}}, steps=3)
    assert result.hyperparameters["adam"]["lr"] == 0.01
    # Adam's first step moves each coordinate by about lr, against the gradient's sign.
    np.testing.assert_allclose(result.positions["adam"][1], [-7.0 + 0.01, 2.0 - 0.01], atol=1e-6)


def test_bad_names_are_reported():
    with pytest.raises(ValueError, match="unknown optimizer 'nope'"):
        optimizer_paths(["sgd", "nope"])
    with pytest.raises(ValueError, match="not in this run"):
        optimizer_paths(["sgd"], hyperparameters={"adam": {"lr": 0.1}})
    with pytest.raises(ValueError, match="listed twice"):
        optimizer_paths(["sgd", "SGD"])
    with pytest.raises(ValueError, match=r"^optimizers must be a sequence of names .*; got 'adam'; for one, write a "
                                         r"tuple of one: \('adam',\)$"):
        optimizer_paths("adam")  # not the names 'a', 'd', 'a', 'm'


def test_files_written(tmp_path):
    result = optimizer_paths(["sgd", "adagrad"], steps=5)
    csv_path, json_path = save_numbers(result, tmp_path, "paths")
    lines = csv_path.read_text().splitlines()
    assert lines[0] == "optimizer,step,x,y,f" and len(lines) == 1 + 2 * 6
    record = json.loads(json_path.read_text())
    assert record["optimizers"]["sgd"]["final_point"] == result.positions["sgd"][-1].tolist()


def test_plot_has_one_panel_per_optimizer():
    figure = optimizer_paths(["sgd", "momentum", "adam"], steps=3).plot()
    titles = [axes.get_title() for axes in figure.axes if axes.get_visible()]
    assert titles == ["SGD (lr=0.95)", "Momentum (lr=0.1)", "Adam (lr=0.3)"]
