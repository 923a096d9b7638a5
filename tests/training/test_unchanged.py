"""An epoch in which no weight changed is reported: the mark of an update that is not in place."""

import warnings

import pytest

from minidl import MLP
from minidl.optim import Optimizer
from minidl.training import fit


class Rebinding(Optimizer):
    """The classic mistake: a new array bound to the local name, the network's weights untouched."""

    def __init__(self, lr=0.1):
        super().__init__(lr)

    def update_one(self, param, grad, state, scratch):
        param = param - self.lr * grad  # noqa: F841  (the mistake under test)


class InPlace(Rebinding):
    def update_one(self, param, grad, state, scratch):
        param -= self.lr * grad


def test_an_optimizer_that_rebinds_its_parameter_is_told_to_update_in_place(digits):
    (x, t), _ = digits
    network = MLP(64, [16], 10, seed=0)
    before = network.state_dict()
    with pytest.warns(UserWarning, match="no weight changed: update params in place"):
        fit(network, x, t, optimizer=Rebinding(), epochs=1, verbose=0)
    assert all((network.params[name] == value).all() for name, value in before.items() if name in network.params)


def test_an_optimizer_that_updates_in_place_trains_without_the_warning(digits):
    (x, t), _ = digits
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        history = fit(MLP(64, [16], 10, seed=0), x, t, optimizer=InPlace(), epochs=2, verbose=0)
    assert history["train_loss"][1] < history["train_loss"][0]


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_a_learning_rate_below_float32_precision_is_named_not_the_update(optimizer, digits):
    (x, t), _ = digits
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit(MLP(64, [16], 10, seed=0), x, t, optimizer=optimizer, optimizer_params={"lr": 1e-300}, epochs=1,
            verbose=0)
    messages = [str(warning.message) for warning in caught]
    assert any("the learning rate 1e-300 is below float32 precision" in message for message in messages), messages
    assert not any("in place" in message for message in messages)
