"""Activation histograms, checked against a direct numpy computation and the book's findings."""

import json

import numpy as np
import pytest

from minidl.experiments import activation_histograms, save_numbers


def test_first_layer_matches_a_direct_computation():
    result = activation_histograms("sigmoid", (0.5,), layers=2, units=20, samples=50, bins=10, seed=4)
    rng = np.random.default_rng(4)
    x = rng.standard_normal((50, 20))
    first = 1 / (1 + np.exp(-(x @ rng.normal(0.0, 0.5, size=(20, 20)))))
    second = 1 / (1 + np.exp(-(first @ rng.normal(0.0, 0.5, size=(20, 20)))))
    expected = [np.histogram(values, bins=np.linspace(0, 1, 11))[0] for values in (first, second)]
    np.testing.assert_array_equal(result.counts[0], expected)
    np.testing.assert_allclose(result.standard_deviations[0], [first.std(), second.std()], rtol=1e-6)


def test_every_activation_is_counted_once():
    result = activation_histograms("relu", (0.01, "xavier", "he"), samples=200)
    total = 200 * 100
    zeros = np.rint(result.zero_fractions * total).astype(int)
    np.testing.assert_array_equal(result.counts.sum(axis=2) + result.outside + zeros, total)
    assert result.counts.shape == (3, 5, 30) and result.bin_edges.shape == (31,)


def test_the_book_findings():
    sigmoid = activation_histograms("sigmoid", (1.0, 0.01, "xavier"))
    saturated = (sigmoid.counts[0, :, 0] + sigmoid.counts[0, :, -1]) / sigmoid.counts[0].sum(axis=1)
    assert (saturated > 0.4).all()  # std 1: piled up at 0 and 1
    assert (sigmoid.standard_deviations[1] < 0.03).all()  # std 0.01: all near 0.5
    relu = activation_histograms("relu", (0.01, "he"))
    assert relu.standard_deviations[0, -1] < 1e-4 * relu.standard_deviations[0, 0]  # vanishes
    he = relu.standard_deviations[1]
    assert he.max() / he.min() < 1.5  # He keeps the spread
    assert relu.zero_fractions == pytest.approx(0.5, abs=0.06)


def test_reproducible_and_files(tmp_path):
    first = activation_histograms("tanh", (1.0, "xavier"), samples=100, seed=2)
    again = activation_histograms("tanh", (1.0, "xavier"), samples=100, seed=2)
    np.testing.assert_array_equal(first.counts, again.counts)
    csv_path, json_path = save_numbers(first, tmp_path, "activations-tanh")
    assert len(csv_path.read_text().splitlines()) == 1 + 2 * 5 * 30
    assert json.loads(json_path.read_text())["histogram_range"] == [-1.0, 1.0]
    figure = first.plot()
    assert len([axes for axes in figure.axes if axes.get_visible()]) == 2 * 5


def test_bad_activation():
    with pytest.raises(ValueError, match="unknown activation 'softplus'"):
        activation_histograms("softplus")


@pytest.mark.parametrize("initialisations, got", [("xavier", "'xavier'; for one, write a tuple of one: ('xavier',)"),
                                                  (0.01, "0.01")])
def test_one_initialisation_alone_is_refused_not_read_letter_by_letter(initialisations, got):
    with pytest.raises(ValueError) as error:
        activation_histograms(initialisations=initialisations)
    assert str(error.value) == f'initialisations must be a sequence of initialisations such as ("he", 0.01); got {got}'


def test_help_of_inits_gives_the_defaults_of_each_activation(capsys):
    from minidl.cli import main

    with pytest.raises(SystemExit):
        main(["experiment", "activations", "--help"])
    assert ("--inits INITS initialisations, comma-separated: he, xavier, he_uniform, xavier_uniform or a standard "
            "deviation such as 0.01 (default: 1,0.01,xavier for sigmoid and tanh, 0.01,xavier,he for relu) --layers"
            ) in " ".join(capsys.readouterr().out.split())
