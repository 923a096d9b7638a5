"""Comparing optimizers: fair (same weights, same batches), reproducible, and the book's ranking."""

import numpy as np
import pytest

from minidl.experiments import compare_optimizers
from minidl.plotting import smooth


def test_adaptive_and_momentum_beat_plain_sgd_on_digits():
    # The criterion: 3 seeds, 300 iterations, every optimizer at the
    # book's default hyperparameters.
    result = compare_optimizers("digits", ("sgd", "momentum", "adagrad", "adam"), iterations=300, seeds=3,
                                progress=False)
    assert result.labels["sgd"] == "SGD (lr=0.01)"
    final = result.mean_final_loss()
    for name in ("momentum", "adagrad", "adam"):
        assert final[name] < final["sgd"], final


def test_every_optimizer_starts_from_the_same_weights_and_sees_the_same_batches():
    # Momentum with momentum=0 performs exactly SGD's update, so its curve is
    # bit-identical to SGD's only if weights and batches are identical too.
    result = compare_optimizers(optimizers=("sgd", "momentum"), hyperparameters={"momentum": {"momentum": 0.0}},
                                iterations=25, seeds=2, progress=False)
    np.testing.assert_array_equal(result.losses[0], result.losses[1])
    assert not np.array_equal(result.losses[0, 0], result.losses[0, 1])  # seeds differ


def test_shapes_and_same_seed_same_numbers():
    first = compare_optimizers(optimizers=("sgd", "adam"), iterations=20, seeds=2, seed=5, progress=False)
    again = compare_optimizers(optimizers=("sgd", "adam"), iterations=20, seeds=2, seed=5, progress=False)
    assert first.losses.shape == (2, 2, 20) and first.final_losses.shape == (2, 2)
    assert first.seeds == [5, 6]
    np.testing.assert_array_equal(first.losses, again.losses)
    np.testing.assert_array_equal(first.final_losses, again.final_losses)
    other = compare_optimizers(optimizers=("sgd", "adam"), iterations=20, seeds=1, seed=7, progress=False)
    assert not np.array_equal(first.losses[:, 0], other.losses[:, 0])


def test_first_loss_is_near_log_of_ten_classes():
    # He-initialised ReLU nets start near uniform predictions: loss ~ ln(10) = 2.30.
    result = compare_optimizers(optimizers=("sgd",), iterations=1, progress=False)
    assert result.losses[0, 0, 0] == pytest.approx(np.log(10), abs=0.3)


def test_a_diverging_optimizer_leaves_nan_after_divergence():
    result = compare_optimizers(optimizers=("sgd",), hyperparameters={"sgd": {"lr": 1e4}}, iterations=40,
                                progress=False)
    curve = result.losses[0, 0]
    assert np.isnan(curve[-1]) and np.isfinite(curve[0])
    assert np.isnan(curve[np.argmax(np.isnan(curve)):]).all()  # once NaN, NaN to the end


def test_out_writes_csv_and_json(tmp_path, read_saved):
    result = compare_optimizers(optimizers=("sgd", "adam"), iterations=10, seeds=2, progress=False, out=tmp_path)
    lines, record = read_saved("compare")
    assert lines[0] == "optimizer,seed,iteration,loss" and len(lines) == 1 + 2 * 2 * 10
    assert lines[1].startswith("sgd,0,1,")
    assert float(lines[1].split(",")[3]) == result.losses[0, 0, 0]
    assert record["seeds"] == [0, 1]
    assert record["optimizers"]["adam"]["hyperparameters"]["lr"] == 0.001
    assert record["network"]["sizes"] == [64, 100, 100, 100, 100, 10]


def test_plot_draws_a_line_and_band_per_optimizer():
    result = compare_optimizers(optimizers=("sgd", "adam"), iterations=10, seeds=2, progress=False)
    figure = result.plot(smoothing=3)
    axes = figure.axes[0]
    assert [line.get_label() for line in axes.get_lines()] == ["SGD (lr=0.01)", "Adam (lr=0.001)"]
    assert len(axes.collections) == 2  # the two bands of one standard deviation


def test_plot_smooths_by_default_on_a_log_axis_where_the_fast_optimizers_stay_apart():
    result = compare_optimizers(optimizers=("sgd", "adam"), iterations=30, seeds=1, progress=False)
    axes = result.plot().axes[0]
    assert axes.get_yscale() == "log" and "moving average of 20" in axes.get_title()
    np.testing.assert_allclose(axes.get_lines()[1].get_ydata(), smooth(result.losses[1, 0], 20))
    linear = result.plot(smoothing=1, log_scale=False).axes[0]
    assert linear.get_yscale() == "linear" and linear.get_ylim()[0] == 0
    np.testing.assert_array_equal(linear.get_lines()[1].get_ydata(), result.losses[1, 0])


@pytest.mark.parametrize("options, message", [
    ({"optimizers": ()}, "no optimizer given"),
    ({"iterations": 0}, "iterations must be"),
    ({"seeds": 0}, "seeds must be"),
    ({"optimizers": ("sgd",), "hyperparameters": {"sgd": {"learning_rate": 0.1}}}, "no hyperparameter"),
    ({"optimizers": "adam"}, r"""^optimizers must be a sequence of names such as \("sgd", "adam"\); got 'adam'; for """
                             r"""one, write a tuple of one: \('adam',\)$"""),
    ({"hidden_sizes": (100, 0)}, r"^hidden_sizes\[1\] must be a whole number >= 1; got 0$"),
    ({"hidden_sizes": "100"}, r"^hidden_sizes must be a list of positive integers such as \[100, 100\]; got '100'$"),
])
def test_bad_arguments(options, message):
    with pytest.raises(ValueError, match=message):
        compare_optimizers(**{"iterations": 2, "progress": False, **options})


def test_one_width_is_one_hidden_layer_as_for_an_mlp():
    result = compare_optimizers(optimizers=("sgd",), hidden_sizes=np.int64(8), iterations=2, progress=False)
    assert result.network["sizes"] == [64, 8, 10]
