"""Overfitting with and without weight decay and dropout."""

import json

import numpy as np

from minidl.experiments import overfitting


def test_shapes_reproducibility_and_files(tmp_path, reproduced):
    first = reproduced(overfitting, ["train_accuracy_per_seed", "test_accuracy_per_seed"], samples=100, epochs=3,
                       seeds=2, seed=2, progress=False)
    assert first.seeds == [2, 3]
    assert first.train_accuracy_per_seed.shape == first.test_accuracy_per_seed.shape == (3, 2, 3)
    # The curves without "per seed" are the means over the random seeds.
    assert first.train_accuracy.shape == (3, 3)
    np.testing.assert_array_equal(first.test_accuracy, first.test_accuracy_per_seed.mean(axis=1))
    assert ((first.train_accuracy_per_seed >= 0) & (first.train_accuracy_per_seed <= 1)).all()
    assert [configuration["name"] for configuration in first.configurations] == [
        "no regularisation", "weight decay λ=0.001", "dropout 0.2"]
    lines = (tmp_path / "overfit.csv").read_text(encoding="utf-8").splitlines()
    assert lines[0] == "configuration,seed,epoch,train_accuracy,test_accuracy" and len(lines) == 1 + 3 * 2 * 3
    assert lines[4].startswith("no regularisation,3,1,")
    record = json.loads((tmp_path / "overfit.json").read_text(encoding="utf-8"))
    assert record["samples"] == 100 and record["test_samples"] == 360 and record["seeds"] == [2, 3]
    weight_decay = record["configurations"][1]
    assert weight_decay["weight_decay"] == 0.001
    assert [run["seed"] for run in weight_decay["per_seed"]] == [2, 3]
    assert weight_decay["final_gap"] == np.mean([run["final_gap"] for run in weight_decay["per_seed"]])
    assert weight_decay["per_seed"][1]["final_test_accuracy"] == first.test_accuracy_per_seed[1, 1, -1]


def test_few_samples_are_learnt_by_heart_and_strong_regularisation_holds_training_back():
    result = overfitting(samples=100, epochs=60, batch_size=20, weight_decay=0.1, dropout=0.5, progress=False)
    plain_train, plain_test = result.train_accuracy[0, -1], result.test_accuracy[0, -1]
    assert plain_train >= 0.98  # 100 samples learnt (almost) by heart
    assert plain_train - plain_test > 0.05  # ... and worse on unseen data
    # Weight decay and dropout both stop the network from memorising as fast.
    assert result.train_accuracy[1, -1] < plain_train
    assert result.train_accuracy[2, -1] < plain_train
    figure = result.plot()
    assert len([axes for axes in figure.axes if axes.get_visible()]) == 3
    axes = figure.axes[0]
    assert [line.get_label() for line in axes.get_lines()] == ["train", "test", "test, no regularisation"]
    # The axis starts 10 points below the lowest final test accuracy, rounded down to a tenth.
    assert axes.get_ylim()[0] == max(0.0, np.floor((result.test_accuracy[:, -1].min() - 0.1) * 10) / 10)
