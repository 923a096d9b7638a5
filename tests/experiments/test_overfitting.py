"""Overfitting with and without weight decay and dropout."""

import json

import numpy as np

from minidl.experiments import overfitting


def test_shapes_reproducibility_and_files(tmp_path):
    first = overfitting(samples=100, epochs=3, seed=2, progress=False, out=tmp_path)
    again = overfitting(samples=100, epochs=3, seed=2, progress=False)
    assert first.train_accuracy.shape == first.test_accuracy.shape == (3, 3)
    np.testing.assert_array_equal(first.train_accuracy, again.train_accuracy)
    np.testing.assert_array_equal(first.test_accuracy, again.test_accuracy)
    assert ((first.train_accuracy >= 0) & (first.train_accuracy <= 1)).all()
    assert [configuration["name"] for configuration in first.configurations] == [
        "no regularisation", "weight decay λ=0.1", "dropout 0.2"]
    lines = (tmp_path / "overfit.csv").read_text(encoding="utf-8").splitlines()
    assert lines[0] == "configuration,epoch,train_accuracy,test_accuracy" and len(lines) == 1 + 3 * 3
    record = json.loads((tmp_path / "overfit.json").read_text(encoding="utf-8"))
    assert record["samples"] == 100 and record["test_samples"] == 360
    assert record["configurations"][1]["weight_decay"] == 0.1


def test_few_samples_are_learnt_by_heart_and_regularisation_holds_training_back():
    result = overfitting(samples=100, epochs=60, batch_size=20, progress=False)
    plain_train, plain_test = result.train_accuracy[0, -1], result.test_accuracy[0, -1]
    assert plain_train >= 0.98  # 100 samples learnt (almost) by heart
    assert plain_train - plain_test > 0.1  # ... and much worse on unseen data
    # Weight decay and dropout both stop the network from memorising as fast.
    assert result.train_accuracy[1, -1] < plain_train
    assert result.train_accuracy[2, -1] < plain_train
    assert len([axes for axes in result.plot().axes if axes.get_visible()]) == 3
