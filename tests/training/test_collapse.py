"""A run that collapses to chance is reported; a healthy run, even on a plateau, is not."""

import warnings

import pytest

from minidl import MLP
from minidl.training import fit


def collapse_warnings(network, x, t, **settings):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit(network, x, t, verbose=0, **{"epochs": 10, **settings})
    return [str(warning.message) for warning in caught if "collapsed to chance" in str(warning.message)]


def test_a_learning_rate_that_kills_the_relus_is_named(digits):
    (x, t), _ = digits
    messages = collapse_warnings(MLP(64, [100], 10, seed=0), x, t, optimizer="sgd", optimizer_params={"lr": 5.0})
    assert len(messages) == 1  # once a run, not once an epoch
    assert "about ln(10) = 2.3" in messages[0] and "about 1/10" in messages[0]
    assert "likely causes: the learning rate (5; try a tenth of it)" in messages[0]
    assert "input scale" not in messages[0]  # the digits are in [0, 1]


def test_unscaled_inputs_are_named_beside_the_learning_rate(digits):
    (x, t), _ = digits
    messages = collapse_warnings(MLP(64, [100], 10, seed=0), x * 255, t, optimizer="sgd",
                                 optimizer_params={"lr": 0.1})
    assert len(messages) == 1
    assert "the learning rate (0.1; try a tenth of it), and the input scale: the inputs reach 255" in messages[0]


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "adam", "adadelta"])
@pytest.mark.parametrize("activation, options", [("sigmoid", {}), ("sigmoid", {"dropout": 0.5}),
                                                  ("relu", {}), ("tanh", {"batchnorm": True})])
def test_healthy_runs_do_not_warn_even_on_a_plateau(optimizer, activation, options, digits):
    # Sigmoid networks predict one class for every digit after their first epoch at a loss near ln(10),
    # but their scores still follow the inputs.
    (x, t), _ = digits
    network = MLP(64, [16], 10, activation=activation, seed=0, **options)
    assert collapse_warnings(network, x, t, optimizer=optimizer, epochs=3) == []


def test_a_network_that_never_left_chance_is_not_blamed_on_the_learning_rate(digits):
    # Tiny initial weights in a deep network: stuck at chance from the first step, never spiked.
    (x, t), _ = digits
    network = MLP(64, [32] * 5, 10, weight_init=0.01, seed=0)
    assert collapse_warnings(network, x, t, optimizer="sgd", epochs=3) == []
