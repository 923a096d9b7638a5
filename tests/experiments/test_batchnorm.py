"""Batch normalisation across initial weight scales: shapes, reproducibility, what it shows."""

import pytest

from minidl.experiments import compare_batchnorm


def test_batchnorm_rescues_tiny_initial_weights():
    result = compare_batchnorm(weight_scales=(0.01,), samples=300, epochs=5, batch_size=20, progress=False)
    without, with_batchnorm = result.train_accuracy[0, :, -1]
    assert without < 0.2  # the signal vanishes: chance level for 10 classes
    assert with_batchnorm > 0.5


def test_shapes_reproducibility_and_files(reproduced, read_saved):
    first = reproduced(compare_batchnorm, ["train_accuracy"], weight_scales=(1.0, 0.1), samples=200, epochs=2, seed=1,
                       progress=False)
    assert first.train_accuracy.shape == (2, 2, 2)
    lines, record = read_saved("batchnorm")
    assert lines[0] == "weight_scale,batchnorm,epoch,train_accuracy" and len(lines) == 1 + 2 * 2 * 2
    assert record["samples"] == 200 and len(record["final_train_accuracy"]) == 2
    assert len([axes for axes in first.plot().axes if axes.get_visible()]) == 2


def test_default_grid_is_the_books():
    from minidl.experiments.batchnorm import DEFAULT_WEIGHT_SCALES

    assert len(DEFAULT_WEIGHT_SCALES) == 16
    assert DEFAULT_WEIGHT_SCALES[0] == 1.0 and DEFAULT_WEIGHT_SCALES[-1] == pytest.approx(1e-4)


def test_bad_scales():
    with pytest.raises(ValueError, match="weight_scales must be positive"):
        compare_batchnorm(weight_scales=(0.1, -1.0), epochs=1, progress=False)
