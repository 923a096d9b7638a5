"""The Optimizer base class: in-place updates, checks, binding, state_dict and resume."""

import json

import numpy as np
import pytest

from minidl import optim
from minidl.files import load_npz, save_npz

ALL = sorted(optim.available().items())
BUILTIN = ["sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adadelta", "adam", "adamw"]


def make_params(dtype=np.float64, seed=0):
    rng = np.random.default_rng(seed)
    return {"W1": rng.standard_normal((5, 4)).astype(dtype), "b1": rng.standard_normal(4).astype(dtype)}


def gradient(params):
    """A fixed non-linear gradient field, so trajectories depend on every step."""
    return {name: np.sin(3.0 * value) + 0.1 * value for name, value in params.items()}


def copy(params):
    return {name: value.copy() for name, value in params.items()}


@pytest.mark.parametrize("name", BUILTIN)
def test_update_changes_the_same_arrays_in_place(name):
    params = make_params()
    layer_view = params["W1"]  # a layer holds a reference to the same array
    before = copy(params)
    optim.get(name).update(params, gradient(params))
    assert params["W1"] is layer_view
    assert not np.array_equal(layer_view, before["W1"])


@pytest.mark.parametrize("name", BUILTIN)
def test_float32_parameters_and_state_stay_float32(name):
    params = make_params(np.float32)
    optimizer = optim.get(name).add_hook(optim.WeightDecay(0.01)).add_hook(optim.ClipGradNorm(1.0))
    for _ in range(3):
        optimizer.update(params, gradient(params))
    assert all(value.dtype == np.float32 for value in params.values())
    assert all(array.dtype == np.float32 for slots in optimizer.state.values() for array in slots.values())


def test_state_is_created_lazily_with_zeros_of_each_parameter_shape():
    params = make_params()
    optimizer = optim.Adam()
    assert optimizer.state == {} and optimizer.step_count == 0
    optimizer.update(params, {name: np.zeros_like(value) for name, value in params.items()})
    assert optimizer.step_count == 1
    assert set(optimizer.state) == {"W1", "b1"}
    assert optimizer.state["W1"]["first_moment"].shape == (5, 4)
    assert not optimizer.state["W1"]["second_moment"].any()


@pytest.mark.parametrize(
    ("change", "error", "words"),
    [
        (lambda g: g.pop("b1"), ValueError, "missing from grads: ['b1']"),
        (lambda g: g.update(extra=np.zeros(2)), ValueError, "not in params: ['extra']"),
        (lambda g: g.update(b1=np.zeros(5)), ValueError, "shape (5,)"),
        (lambda g: g["b1"].__setitem__(3, np.nan), ValueError, "NaN or infinity"),
        (lambda g: g["b1"].__setitem__(0, -np.inf), ValueError, "no parameter was changed"),
        (lambda g: g.update(b1=np.arange(4)), TypeError, "floating-point"),
    ],
)
@pytest.mark.parametrize("name", BUILTIN)
def test_bad_grads_raise_and_leave_params_and_state_untouched(name, change, error, words):
    params = make_params()
    optimizer = optim.get(name)
    optimizer.update(params, gradient(params))
    before, state_before = copy(params), optimizer.state_dict()
    grads = gradient(params)
    change(grads)  # W1 comes first and is fine: it must not be updated either
    with pytest.raises(error, match=None) as raised:
        optimizer.update(params, grads)
    assert words in str(raised.value)
    assert all(np.array_equal(params[key], before[key]) for key in params)
    state_after = optimizer.state_dict()
    assert all(np.array_equal(state_after[key], state_before[key]) for key in state_before)


def test_non_float_or_read_only_parameters_are_refused():
    with pytest.raises(TypeError, match="floating-point numpy array"):
        optim.SGD().update({"W": np.arange(3)}, {"W": np.ones(3)})
    frozen = np.ones(3)
    frozen.flags.writeable = False
    with pytest.raises(ValueError, match="read-only"):
        optim.SGD().update({"W": frozen}, {"W": np.ones(3)})
    with pytest.raises(TypeError, match="dict"):
        optim.SGD().update([np.ones(3)], [np.ones(3)])


def test_numpy_scalars_are_accepted_as_gradients_of_0d_parameters():
    params = {"x": np.array(-7.0)}
    optim.SGD(lr=0.5).update(params, {"x": params["x"] / 10})  # x / 10 is a numpy scalar
    assert params["x"] == -7.0 + 0.35


def test_one_optimizer_refuses_a_second_network_until_reset():
    first, second = make_params(seed=1), make_params(seed=2)
    optimizer = optim.Momentum()
    optimizer.update(first, gradient(first))
    untouched = copy(second)
    with pytest.raises(ValueError, match="already updates another network's parameters"):
        optimizer.update(second, gradient(second))
    assert all(np.array_equal(second[key], untouched[key]) for key in second)
    optimizer.reset()
    assert optimizer.state == {} and optimizer.step_count == 0
    optimizer.update(second, gradient(second))
    assert not np.array_equal(second["W1"], untouched["W1"])


def test_the_same_network_with_one_more_parameter_is_refused():
    params = make_params()
    optimizer = optim.SGD()
    optimizer.update(params, gradient(params))
    params["W2"] = np.ones((4, 2))
    with pytest.raises(ValueError, match="another network"):
        optimizer.update(params, gradient(params))


@pytest.mark.parametrize("name", BUILTIN)
def test_state_dict_is_flat_arrays_with_step_and_hyperparameters(name):
    params = make_params()
    optimizer = optim.get(name)
    for _ in range(2):
        optimizer.update(params, gradient(params))
    state = optimizer.state_dict()
    assert all(isinstance(key, str) and isinstance(value, np.ndarray) for key, value in state.items())
    assert state["step"].shape == () and int(state["step"]) == 2
    assert str(state["optimizer"]) == type(optimizer).__name__
    assert float(state["hyperparameter/lr"]) == optimizer.lr
    slot_keys = {key for key in state if key.startswith("state/")}
    assert slot_keys == {f"state/{p}/{slot}" for p in params for slot in type(optimizer).slots}


@pytest.mark.parametrize("name", BUILTIN)
def test_stop_save_restore_continue_is_bit_identical(name, tmp_path):
    def new_optimizer():
        # Non-default hyperparameters and hooks, to show they come back too.
        optimizer = optim.get(name, lr=0.02)
        return optimizer.add_hook(optim.ClipGradNorm(2.0)).add_hook(optim.WeightDecay(0.01))

    never_stopped, optimizer = make_params(), new_optimizer()
    for step in range(20):
        optimizer.lr = 0.02 / (1 + 0.1 * step)  # a schedule, so lr is part of the story
        optimizer.update(never_stopped, gradient(never_stopped))

    params, optimizer = make_params(), new_optimizer()
    for step in range(8):
        optimizer.lr = 0.02 / (1 + 0.1 * step)
        optimizer.update(params, gradient(params))
    save_npz(tmp_path / "params.npz", params)
    save_npz(tmp_path / "optimizer.npz", optimizer.state_dict())
    del params, optimizer

    params, _ = load_npz(tmp_path / "params.npz")  # new arrays, as after loading a model
    optimizer = new_optimizer()
    optimizer.load_state_dict(load_npz(tmp_path / "optimizer.npz")[0])
    assert optimizer.step_count == 8 and optimizer.lr == 0.02 / (1 + 0.1 * 7)
    for step in range(8, 20):
        optimizer.lr = 0.02 / (1 + 0.1 * step)
        optimizer.update(params, gradient(params))
    assert all(np.array_equal(params[key], never_stopped[key]) for key in params)


def test_state_dict_is_a_snapshot_not_a_view():
    params = make_params()
    optimizer = optim.Momentum()
    optimizer.update(params, gradient(params))
    state = optimizer.state_dict()
    saved = state["state/W1/velocity"].copy()
    optimizer.update(params, gradient(params))
    assert np.array_equal(state["state/W1/velocity"], saved)


def test_load_state_dict_restores_hyperparameters_and_checks_the_network():
    params = make_params()
    trained = optim.Adam(lr=0.005, beta1=0.8)
    trained.update(params, gradient(params))
    fresh = optim.Adam()
    fresh.load_state_dict(trained.state_dict())
    assert fresh.hyperparameters == trained.hyperparameters
    with pytest.raises(ValueError, match="shape"):
        fresh.update({"W1": np.ones((4, 5)), "b1": np.ones(4)}, {"W1": np.ones((4, 5)), "b1": np.ones(4)})
    with pytest.raises(ValueError, match="parameters"):
        fresh.update({"W1": np.ones((5, 4))}, {"W1": np.ones((5, 4))})


@pytest.mark.parametrize(
    ("edit", "words"),
    [
        (lambda s: s.update(optimizer=np.array("SGD")), "saved by SGD"),
        (lambda s: s.pop("step"), "missing"),
        (lambda s: s.update(step=np.array(-1)), "step"),
        (lambda s: s.update({"state/W1/velocity": np.zeros(3)}), "unexpected key"),
        (lambda s: s.pop("state/W1/second_moment"), "lacks some of the slots"),
        (lambda s: s.pop("hyperparameter/beta2"), "needs the hyperparameters"),
        (lambda s: s.update({"hyperparameter/beta1": np.array(1.5)}), "beta1"),
    ],
)
def test_load_state_dict_rejects_broken_states(edit, words):
    params = make_params()
    optimizer = optim.Adam()
    optimizer.update(params, gradient(params))
    state = optimizer.state_dict()
    edit(state)
    with pytest.raises(ValueError) as raised:
        optim.Adam().load_state_dict(state)
    assert words in str(raised.value)


@pytest.mark.parametrize(("name", "cls"), ALL)
def test_hyperparameters_are_json_and_rebuild_the_optimizer(name, cls):
    optimizer = cls()
    hyperparameters = optimizer.hyperparameters
    assert json.loads(json.dumps(hyperparameters)) == hyperparameters
    assert type(optimizer)(**hyperparameters).hyperparameters == hyperparameters
    arguments = ", ".join(f"{key}={value!r}" for key, value in hyperparameters.items())
    assert repr(optimizer) == f"{cls.__name__}({arguments})"


def test_repr_mentions_hooks():
    optimizer = optim.Adam(lr=0.01).add_hook(optim.WeightDecay(0.001))
    assert repr(optimizer) == "Adam(lr=0.01, beta1=0.9, beta2=0.999, eps=1e-08) with hooks [WeightDecay(rate=0.001)]"


def test_the_seeds_defaults():
    assert optim.SGD().hyperparameters == {"lr": 0.01}
    assert optim.Momentum().hyperparameters == {"lr": 0.01, "momentum": 0.9}
    assert optim.Nesterov().hyperparameters == {"lr": 0.01, "momentum": 0.9}
    assert optim.AdaGrad().hyperparameters == {"lr": 0.01, "eps": 1e-7}
    assert optim.RMSprop().hyperparameters == {"lr": 0.01, "decay_rate": 0.99, "eps": 1e-7}
    assert optim.AdaDelta().hyperparameters == {"lr": 1.0, "rho": 0.95, "eps": 1e-6}
    assert optim.Adam().hyperparameters == {"lr": 0.001, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8}
    assert optim.AdamW().hyperparameters == {
        "lr": 0.001, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8, "weight_decay": 0.01
    }


@pytest.mark.parametrize(
    ("cls", "settings"),
    [
        (optim.SGD, {"lr": 0.0}),
        (optim.SGD, {"lr": -0.1}),
        (optim.SGD, {"lr": float("nan")}),
        (optim.SGD, {"lr": float("inf")}),
        (optim.Momentum, {"momentum": 1.0}),
        (optim.Momentum, {"momentum": -0.1}),
        (optim.Nesterov, {"momentum": float("nan")}),
        (optim.AdaGrad, {"eps": 0.0}),
        (optim.RMSprop, {"decay_rate": 1.0}),
        (optim.RMSprop, {"eps": -1e-7}),
        (optim.AdaDelta, {"rho": 1.2}),
        (optim.Adam, {"beta1": 1.0}),
        (optim.Adam, {"beta2": -0.5}),
        (optim.Adam, {"eps": float("nan")}),
        (optim.AdamW, {"weight_decay": -0.01}),
    ],
)
def test_bad_hyperparameters_raise_value_error_naming_them(cls, settings):
    with pytest.raises(ValueError, match=next(iter(settings))):
        cls(**settings)


def test_lr_is_checked_when_reassigned_and_takes_effect():
    optimizer = optim.SGD(lr=0.1)
    with pytest.raises(ValueError, match="lr"):
        optimizer.lr = 0.0
    with pytest.raises(TypeError, match="lr"):
        optimizer.lr = "0.1"
    optimizer.lr = 0.5
    params = {"w": np.array([1.0])}
    optimizer.update(params, {"w": np.array([1.0])})
    assert params["w"][0] == 0.5


def test_add_hook_refuses_non_callables():
    with pytest.raises(TypeError, match="callable"):
        optim.SGD().add_hook(0.01)


def test_a_subclass_writes_only_its_rule():
    class HalfStep(optim.Optimizer):
        def update_one(self, param, grad, state, scratch):
            np.multiply(grad, self.lr / 2, out=scratch[0])
            param -= scratch[0]

    params = {"w": np.array([1.0, 2.0])}
    HalfStep(lr=1.0).update(params, {"w": np.array([1.0, -1.0])})
    assert params["w"].tolist() == [0.5, 2.5]
    with pytest.raises(NotImplementedError):
        optim.Optimizer(lr=0.1).update(params, {"w": np.ones(2)})
