"""Optimizers by name: get, register, available."""

import numpy as np
import pytest

from minidl import optim
from minidl.optim import registry


@pytest.fixture
def clean_registry(monkeypatch):
    """Let a test register classes without leaking them into other tests."""
    monkeypatch.setattr(registry, "_REGISTRY", dict(registry._REGISTRY))


def test_builtin_names():
    assert list(optim.available()) == ["adadelta", "adagrad", "adam", "adamw", "momentum", "nesterov", "rmsprop", "sgd"]
    assert optim.available()["adam"] is optim.Adam


@pytest.mark.parametrize("name", ["adam", "Adam", "ADAM"])
def test_get_is_case_insensitive_and_passes_hyperparameters(name):
    optimizer = optim.get(name, lr=0.01, beta2=0.99)
    assert isinstance(optimizer, optim.Adam)
    assert optimizer.hyperparameters == {"lr": 0.01, "beta1": 0.9, "beta2": 0.99, "eps": 1e-8}


def test_get_returns_an_instance_unchanged():
    optimizer = optim.RMSprop()
    assert optim.get(optimizer) is optimizer
    with pytest.raises(ValueError, match="ignored"):
        optim.get(optimizer, lr=0.1)


def test_unknown_name_lists_the_known_ones():
    with pytest.raises(ValueError, match="unknown optimizer 'adamax'.*adadelta, adagrad, adam, adamw"):
        optim.get("adamax")
    with pytest.raises(TypeError):
        optim.get(3)


def test_unknown_hyperparameter_names_the_valid_ones():
    message = r"no hyperparameter \['betas'\]; valid ones: \['lr', 'beta1', 'beta2', 'eps'\]"
    with pytest.raises(ValueError, match=message):
        optim.get("adam", betas=(0.9, 0.99))


def test_bad_value_through_get_is_a_value_error():
    with pytest.raises(ValueError, match="momentum"):
        optim.get("momentum", momentum=1.0)


def test_register_plain_and_named(clean_registry):
    @optim.register
    class SignSGD(optim.Optimizer):
        def __init__(self, lr=0.01):
            super().__init__(lr)

        def update_one(self, param, grad, state, scratch):
            np.sign(grad, out=scratch[0])
            scratch[0] *= self.lr
            param -= scratch[0]

    @optim.register("my-momentum")
    class MyMomentum(optim.Momentum):
        pass

    assert optim.available()["signsgd"] is SignSGD
    assert optim.available()["my-momentum"] is MyMomentum
    optimizer = optim.get("SignSGD", lr=0.5)
    params = {"w": np.array([1.0, 1.0])}
    optimizer.update(params, {"w": np.array([3.0, -0.1])})
    assert params["w"].tolist() == [0.5, 1.5]
    assert repr(optimizer) == "SignSGD(lr=0.5)"
    state = optimizer.state_dict()
    optim.get("signsgd").load_state_dict(state)


def test_register_refuses_non_optimizers_and_taken_names(clean_registry):
    with pytest.raises(TypeError, match="subclasses of minidl.optim.Optimizer"):
        optim.register(dict)
    with pytest.raises(ValueError, match="already taken"):

        @optim.register("adam")
        class NotAdam(optim.Optimizer):
            pass


def test_registering_the_same_class_again_replaces_it(clean_registry):
    def define():
        class Redefined(optim.SGD):
            pass

        return optim.register(Redefined)

    first, second = define(), define()  # as when a notebook cell runs twice
    assert first is not second and optim.available()["redefined"] is second


def test_registered_names_do_not_leak_between_tests():
    assert "signsgd" not in optim.available()


def test_a_subclass_that_writes_only_update_one_works_by_name_and_trains(clean_registry):
    import minidl

    @optim.register("halfstep")
    class HalfStep(optim.Optimizer):
        def update_one(self, param, grad, state, scratch):
            param -= 0.5 * self.lr * grad

    optimizer = optim.get("halfstep")
    assert repr(optimizer) == "HalfStep(lr=0.01)" and optimizer.hyperparameters == {"lr": 0.01}
    params = {"w": np.array([1.0, 2.0])}
    optimizer.update(params, {"w": np.array([1.0, -1.0])})
    assert params["w"].tolist() == [0.995, 2.005]
    optim.get("halfstep", lr=0.1).load_state_dict(optimizer.state_dict())
    x, t = np.random.default_rng(0).random((40, 4)), np.arange(40) % 2
    history = minidl.fit(minidl.MLP(4, [3], 2, seed=0), x, t, optimizer="halfstep", epochs=2, verbose=0)
    assert history["learning_rate"] == [0.01, 0.01]
