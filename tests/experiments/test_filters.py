"""The first-layer filters of SimpleConvNet: the neighbour correlation, reproducibility, files, 28x28 images."""

import struct

import numpy as np
import pytest

from minidl import SimpleConvNet
from minidl.experiments import convolution_filters
from minidl.experiments.filters import neighbour_correlation

TINY = {"filter_num": 4, "filter_size": 3, "pad": 1, "hidden_size": 8, "epochs": 2, "samples": 200, "progress": False}


def test_neighbour_correlation_of_smooth_checkerboard_and_flat_filters():
    rows, columns = np.indices((4, 4))
    smooth = (rows + columns).astype(float)
    checkerboard = (-1.0) ** (rows + columns)
    filters = np.stack([smooth, checkerboard, np.ones((4, 4))])[:, None]
    with np.errstate(invalid="ignore"):
        correlation = neighbour_correlation(filters)
    # A ramp: every weight differs from its neighbour by 1, pairs of (x, x + 1).
    first = np.concatenate([smooth[:, :-1].ravel(), smooth[:-1, :].ravel()]) - smooth.mean()
    second = np.concatenate([smooth[:, 1:].ravel(), smooth[1:, :].ravel()]) - smooth.mean()
    expected = first @ second / np.sqrt((first @ first) * (second @ second))
    assert correlation[0] == pytest.approx(expected, rel=1e-12) and correlation[0] > 0.75
    assert correlation[1] == pytest.approx(-1.0, rel=1e-12)
    assert np.isnan(correlation[2])


def test_noise_has_a_neighbour_correlation_near_zero():
    noise = np.random.default_rng(0).standard_normal((2000, 1, 5, 5))
    assert abs(neighbour_correlation(noise).mean()) < 0.06


def test_neighbour_correlation_needs_images_of_filters():
    with pytest.raises(ValueError, match=r"shape \(filters, channels, height, width\)"):
        neighbour_correlation(np.zeros((3, 5, 5)))


def test_the_initial_filters_are_the_networks_and_training_smooths_them():
    result = convolution_filters(**{**TINY, "epochs": 4, "samples": None})
    network = SimpleConvNet(input_dim=(1, 8, 8), conv_param={"filter_num": 4, "filter_size": 3, "pad": 1},
                            hidden_size=8, weight_init=0.01, seed=0)
    np.testing.assert_array_equal(result.initial_filters, network.params["W1"].astype(np.float64))
    assert result.trained_filters.shape == (4, 1, 3, 3)
    initial, trained = (neighbour_correlation(result.filters(stage)) for stage in ("initial", "trained"))
    assert trained.mean() > initial.mean() + 0.2 and result.relative_change() > 2
    assert result.test_accuracy[-1] > 0.15  # above chance (0.1); 8 hidden units learn slowly from std 0.01


def test_same_seed_same_numbers_and_the_files(reproduced, read_saved):
    first = reproduced(convolution_filters, ["trained_filters", "test_accuracy"], **TINY)
    lines, record = read_saved("filters")
    assert lines[0] == "stage,filter,channel,row,column,weight" and len(lines) == 1 + 2 * 4 * 3 * 3
    assert lines[1].startswith("initial,0,0,0,0,") and lines[-1].startswith("trained,3,0,2,2,")
    assert record["experiment"] == "filters" and record["samples"] == 200 and record["input_dim"] == [1, 8, 8]
    assert len(record["filters"]["trained"]["neighbour_correlation"]) == 4
    assert record["filters"]["trained"]["mean_neighbour_correlation"] == pytest.approx(
        neighbour_correlation(first.trained_filters).mean())
    figure = first.plot(columns=2)
    assert sum(axes.get_visible() and bool(axes.images) for axes in figure.axes) == 2 * 4


def test_another_seed_other_filters():
    assert not np.array_equal(convolution_filters(**TINY).initial_filters,
                              convolution_filters(**TINY, seed=1).initial_filters)


def idx_file(path, array):
    header = struct.pack(">BBBB", 0, 0, 0x08, array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
    path.write_bytes(header + array.astype(np.uint8).tobytes())


def test_28x28_images_give_the_books_network(tmp_path):
    rng = np.random.default_rng(0)
    for prefix, count in (("train", 60), ("t10k", 20)):
        idx_file(tmp_path / f"{prefix}-images-idx3-ubyte", rng.integers(0, 256, size=(count, 28, 28)))
        idx_file(tmp_path / f"{prefix}-labels-idx1-ubyte", np.arange(count) % 10)
    result = convolution_filters(f"idx:{tmp_path}", filter_num=3, pad=0, hidden_size=4, epochs=1, progress=False)
    assert result.trained_filters.shape == (3, 1, 5, 5)
    assert result.settings["input_dim"] == [1, 28, 28] and result.settings["samples"] == 60


def test_filters_too_large_for_the_images_are_refused_before_training():
    with pytest.raises(ValueError, match="too little for 2x2 pooling"):
        convolution_filters(filter_size=9, pad=0, progress=False)
