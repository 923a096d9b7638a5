"""The optimizers' flat path: one update over all parameters laid flat, bit for bit the per-parameter one.

When ``params`` is a FlatArrays (as ``MLP.params`` is) and the optimizer
is ``elementwise``, ``update_one`` runs once over the whole buffers, at every
step. Pinned here, against the per-parameter path (the same networks fed
plain dicts): every built-in optimizer gives bit-identical parameters and
state; a rule that is not element-wise goes parameter by parameter;
gradients in another form (a plain dict, another dtype) are copied into one
buffer; hooks change the caller's gradients in place, and one that replaces
a gradient is refused; ``state_dict`` resumes exactly, across the two paths
too; the per-parameter state arrays are views of the flat state; subnormal
state is flushed on the flat path; a NaN gradient is named and changes
nothing.
"""

import copy

import numpy as np
import pytest

from minidl import MLP, optim
from minidl.files import load_npz, save_npz
from minidl.flat import FlatArrays
from minidl.optim.subnormals import FLUSH_EVERY

NAMES = sorted(optim.available())
BUILTIN = ["adadelta", "adagrad", "adam", "adamw", "momentum", "nesterov", "rmsprop", "sgd"]
NETWORKS = {
    "float64": {"dtype": np.float64},
    "float32": {"dtype": np.float32},
    "batchnorm": {"dtype": np.float64, "batchnorm": True},
}
STEPS = 20


def network(**options):
    return MLP(6, [5, 4], 3, seed=0, **options)


def batch(step, dtype=np.float64):
    """A different random batch at every step (the same at a step for every run)."""
    rng = np.random.default_rng(1000 + step)
    return rng.standard_normal((10, 6)).astype(dtype), rng.integers(0, 3, 10)


def record_calls(optimizer):
    """Make ``optimizer`` note the shape of the parameter of every ``update_one`` call in the list returned."""
    shapes, update_one = [], optimizer.update_one

    def recording(param, grad, state, scratch):
        shapes.append(param.shape)
        update_one(param, grad, state, scratch)

    optimizer.update_one = recording
    return shapes


def train(net, optimizer, flat, steps=range(STEPS)):
    """``len(steps)`` updates on ``net``: fed its FlatArrays if ``flat``, else plain dicts of the same arrays."""
    for step in steps:
        _, grads = net.loss_and_gradient(*batch(step, net.dtype))
        if flat:
            optimizer.update(net.params, grads)
        else:
            optimizer.update(dict(net.params), dict(grads))
    return net


def assert_same_bits(first, second):
    """Two dicts of arrays (or an optimizer's two state_dicts) hold the very same bits."""
    assert list(first) == list(second)
    for name in first:
        assert first[name].dtype == second[name].dtype, name
        assert first[name].tobytes() == second[name].tobytes(), name


def per_parameter_calls(net):
    return [value.shape for value in net.params.values()]


# ================================================================ the two paths agree
def test_every_builtin_optimizer_is_elementwise_and_the_default_is_not():
    assert NAMES == BUILTIN
    assert all(optim.get(name).elementwise is True for name in NAMES)
    assert optim.Optimizer.elementwise is False


@pytest.mark.parametrize("options", NETWORKS.values(), ids=NETWORKS.keys())
@pytest.mark.parametrize("name", NAMES)
def test_flat_path_gives_bit_identical_parameters_and_state(name, options):
    flat_net, plain_net = network(**options), network(**options)
    initial = flat_net.state_dict()
    flat_optimizer, plain_optimizer = optim.get(name), optim.get(name)
    flat_calls, plain_calls = record_calls(flat_optimizer), record_calls(plain_optimizer)
    train(flat_net, flat_optimizer, flat=True)
    train(plain_net, plain_optimizer, flat=False)

    assert flat_optimizer._workspace.laid_flat is True and plain_optimizer._workspace.laid_flat is False
    assert flat_calls == [flat_net.params.flat.shape] * STEPS
    assert plain_calls == per_parameter_calls(plain_net) * STEPS
    assert flat_net.params.flat.dtype == options["dtype"]
    assert_same_bits(flat_net.state_dict(), plain_net.state_dict())
    assert_same_bits(flat_optimizer.state_dict(), plain_optimizer.state_dict())
    # The runs went somewhere: matching would prove nothing otherwise.
    assert not np.array_equal(flat_net.params["W1"], initial["W1"])
    assert all(array.any() for key, array in flat_optimizer.state_dict().items() if key.startswith("state/"))


def test_plain_dict_params_take_the_per_parameter_path_even_with_flat_grads():
    net = network(dtype=np.float64)
    optimizer = optim.Adam()
    calls = record_calls(optimizer)
    _, grads = net.loss_and_gradient(*batch(0))
    optimizer.update(dict(net.params), grads)
    assert optimizer._workspace.laid_flat is False
    assert calls == per_parameter_calls(net)


class NormalizedSGD(optim.Optimizer):
    """``W <- W - lr g / |g|``: the norm is over each array, so the rule is not element-wise."""

    def __init__(self, lr=0.1):
        super().__init__(lr)

    def update_one(self, param, grad, state, scratch):
        param -= self.lr * grad / np.sqrt(np.sum(grad * grad))


class FlatNormalizedSGD(NormalizedSGD):
    """The same rule, wrongly declared element-wise: the norm is then over all the gradients."""

    elementwise = True


def normalized_step(before, grads, arrays):
    """One NormalizedSGD step by hand, the norm taken over each of ``arrays`` (groups of names)."""
    expected = {}
    for names in arrays:
        norm = np.sqrt(sum(np.sum(grads[name] * grads[name]) for name in names))
        expected.update({name: before[name] - 0.1 * grads[name] / norm for name in names})
    return expected


@pytest.mark.parametrize("rule", [NormalizedSGD, FlatNormalizedSGD])
def test_the_elementwise_flag_alone_decides_per_parameter_or_once_over_the_flat_buffers(rule):
    net = network(dtype=np.float64)
    before = net.state_dict()
    _, grads = net.loss_and_gradient(*batch(0))
    optimizer = rule()
    optimizer.update(net.params, grads)
    assert optimizer._workspace.laid_flat is rule.elementwise
    per_array = normalized_step(before, grads, [[name] for name in grads])
    all_at_once = normalized_step(before, grads, [list(grads)])
    expected, other = (all_at_once, per_array) if rule.elementwise else (per_array, all_at_once)
    for name, value in net.params.items():
        np.testing.assert_allclose(value, expected[name], rtol=1e-14, atol=1e-15)
    assert not np.allclose(net.params["b3"], other["b3"], rtol=1e-6)


# ================================================================ gradients in other forms, hooks
def test_gradients_in_a_plain_dict_or_another_dtype_are_copied_into_one_buffer():
    flat_net, plain_net = network(dtype=np.float64), network(dtype=np.float64)
    flat_optimizer, plain_optimizer = optim.RMSprop(), optim.RMSprop()
    calls = record_calls(flat_optimizer)
    for step in range(6):
        grads = FlatArrays(flat_net.params.layout, np.float32 if step % 2 else np.float64)
        grads.flat[...] = np.sin(np.arange(grads.flat.size) + step)
        given = dict(grads) if step % 3 == 0 else grads  # plain dicts, and float32 FlatArrays
        flat_optimizer.update(flat_net.params, given)
        plain_optimizer.update(dict(plain_net.params), {name: value.astype(np.float64) for name, value in grads.items()})
    assert calls == [flat_net.params.flat.shape] * 6
    assert_same_bits(flat_net.state_dict(), plain_net.state_dict())
    assert_same_bits(flat_optimizer.state_dict(), plain_optimizer.state_dict())


def test_a_laid_flat_optimizer_given_a_plain_dict_of_its_arrays_still_updates_them_at_once():
    net, reference_net = network(), network()
    optimizer, reference = optim.Adam(), optim.Adam()
    calls = record_calls(optimizer)
    train(net, optimizer, flat=True, steps=range(2))
    train(net, optimizer, flat=False, steps=range(2, 4))  # dict(net.params): the same arrays
    train(reference_net, reference, flat=True, steps=range(4))
    assert calls == [net.params.flat.shape] * 4
    assert_same_bits(net.state_dict(), reference_net.state_dict())


def test_hooks_change_the_callers_gradients_in_place():
    net = network(dtype=np.float64)
    optimizer = optim.SGD(lr=0.1).add_hook(optim.WeightDecay(0.5))
    _, grads = net.loss_and_gradient(*batch(0))
    raw, before = grads.flat.copy(), net.params.flat.copy()
    optimizer.update(net.params, grads)
    np.testing.assert_allclose(grads.flat, raw + 0.5 * before, rtol=1e-15)  # the processed gradients
    np.testing.assert_allclose(net.params.flat, before - 0.1 * grads.flat, rtol=1e-15)


def test_a_hook_that_replaces_a_gradient_is_refused_and_changes_nothing():
    def replacing(params, grads):
        grads["W1"] = grads["W1"] * 2.0

    net = network(dtype=np.float64)
    optimizer = optim.Adam().add_hook(replacing)
    _, grads = net.loss_and_gradient(*batch(0))
    before = net.params.flat.copy()
    with pytest.raises(TypeError, match=r"cannot replace params\['W1'\].*in place"):
        optimizer.update(net.params, grads)
    np.testing.assert_array_equal(net.params.flat, before)
    assert optimizer.step_count == 0


@pytest.mark.parametrize("name", ["adam", "adadelta"])
def test_a_deep_copy_of_a_bound_optimizer_keeps_its_state_linked_to_its_own_buffers(name):
    net, reference_net = network(), network()
    optimizer, reference = optim.get(name), optim.get(name)
    train(net, optimizer, flat=True, steps=range(3))
    train(reference_net, reference, flat=True, steps=range(3))
    twin = copy.deepcopy(optimizer)
    train(net, twin, flat=True, steps=range(3, 6))  # the copy still updates the same network
    train(reference_net, reference, flat=True, steps=range(3, 6))
    assert_same_bits(twin.state_dict(), reference.state_dict())
    for slots, twin_slots in zip(optimizer.state.values(), twin.state.values()):
        for slot, array in twin_slots.items():
            assert np.shares_memory(array, twin._workspace.flat_state[slot])
            assert not np.shares_memory(array, slots[slot])


def test_an_optimizer_deep_copied_with_its_network_still_updates_the_network_it_is_bound_to():
    net, optimizer = network(), optim.Adam()
    train(net, optimizer, flat=True, steps=range(2))
    net_copy, optimizer_copy = copy.deepcopy((net, optimizer))
    before, copy_before = net.params.flat.copy(), net_copy.params.flat.copy()
    train(net, optimizer_copy, flat=True, steps=range(2, 3))  # bound, like the original, to net's arrays
    assert not np.array_equal(net.params.flat, before)
    np.testing.assert_array_equal(net_copy.params.flat, copy_before)
    with pytest.raises(ValueError, match="another network"):
        train(net_copy, optimizer_copy, flat=True, steps=range(3, 4))


# ================================================================ saving and resuming
@pytest.mark.parametrize(
    ("first_flat", "then_flat"),
    [(True, True), (False, True), (True, False)],
    ids=["flat-to-flat", "plain-to-flat", "flat-to-plain"],
)
@pytest.mark.parametrize("name", NAMES)
def test_state_dict_resumes_bit_identically_across_the_two_paths(name, first_flat, then_flat, tmp_path):
    uninterrupted = train(network(dtype=np.float32), optim.get(name), flat=True)

    net, first = network(dtype=np.float32), optim.get(name)
    train(net, first, flat=first_flat, steps=range(STEPS // 2))
    save_npz(tmp_path / "optimizer.npz", first.state_dict())
    saved, _ = load_npz(tmp_path / "optimizer.npz", what="optimizer state")
    resumed = optim.get(name)
    resumed.load_state_dict(saved)
    train(net, resumed, flat=then_flat, steps=range(STEPS // 2, STEPS))

    assert resumed._workspace.laid_flat is then_flat
    assert resumed.step_count == STEPS
    assert_same_bits(net.state_dict(), uninterrupted.state_dict())


def test_resuming_continues_the_uninterrupted_state_too():
    uninterrupted_net, uninterrupted = network(dtype=np.float64), optim.Adam()
    train(uninterrupted_net, uninterrupted, flat=True)
    net, first = network(dtype=np.float64), optim.Adam()
    train(net, first, flat=False, steps=range(STEPS // 2))
    resumed = optim.Adam()
    resumed.load_state_dict(first.state_dict())
    train(net, resumed, flat=True, steps=range(STEPS // 2, STEPS))
    assert resumed._workspace.laid_flat is True
    assert_same_bits(resumed.state_dict(), uninterrupted.state_dict())


# ================================================================ the state arrays
def offset(array):
    return array.__array_interface__["data"][0]


@pytest.mark.parametrize("name", ["momentum", "adam", "adadelta"])
def test_state_arrays_are_views_of_the_flat_state_in_the_parameters_places(name):
    net, optimizer = network(dtype=np.float32, batchnorm=True), optim.get(name)
    train(net, optimizer, flat=True, steps=range(1))
    held = {(param, slot): array for param, slots in optimizer.state.items() for slot, array in slots.items()}
    snapshot = optimizer.state_dict()
    flat_state = optimizer._workspace.flat_state
    assert set(flat_state) == set(optimizer.slots)
    params = net.params
    for (param, slot), array in held.items():
        buffer = flat_state[slot]
        assert buffer.shape == params.flat.shape and buffer.dtype == np.float32
        assert array.shape == params[param].shape and np.shares_memory(array, buffer)
        # At the parameter's own place in the buffer, as W1 is in params.flat.
        assert offset(array) - offset(buffer) == offset(params[param]) - offset(params.flat)

    train(net, optimizer, flat=True, steps=range(1, 3))
    for (param, slot), array in held.items():
        assert optimizer.state[param][slot] is array  # the same views, updated in place
        assert not np.array_equal(array, snapshot[f"state/{param}/{slot}"])
    assert_same_bits(
        {key: value for key, value in optimizer.state_dict().items() if key.startswith("state/")},
        {f"state/{param}/{slot}": array for (param, slot), array in held.items()},
    )


def test_a_subnormal_in_the_flat_state_is_zeroed_at_the_next_multiple_of_flush_every():
    # As in test_subnormals.py, with beta1 = 0.5 and zero gradients the first
    # moment halves exactly every step: m = 2**-n after step n (normal in float32
    # for n <= 126). Subnormals put into it at step 16 must be gone at step 32,
    # and not before: the rule alone would keep them (halved) for several more steps.
    assert FLUSH_EVERY == 16  # the step numbers below are chosen for it
    tiny = np.finfo(np.float32).tiny
    params = FlatArrays([("W", (2, 3)), ("b", (3,))], np.float32)
    params.flat[...] = 1.0
    optimizer = optim.Adam(beta1=0.5)
    ones, zeros = params.zeros_like(), params.zeros_like()
    ones.flat[...] = 1.0
    optimizer.update(params, ones)
    while optimizer.step_count < 16:
        optimizer.update(params, zeros)
    assert optimizer._workspace.laid_flat is True
    moment = optimizer.state["W"]["first_moment"]
    moment[0, 1] = tiny * 2.0**-3
    optimizer.state["b"]["first_moment"][2] = -tiny / 2
    second = optimizer.state["b"]["second_moment"]
    second[0] = tiny / 4
    while optimizer.step_count < 31:
        optimizer.update(params, zeros)
    assert moment[0, 1] == np.float32(tiny * 2.0**-18)  # still there, just halved
    optimizer.update(params, zeros)
    assert optimizer.step_count == 32
    first = optimizer._workspace.flat_state["first_moment"]
    assert first[1] == 0.0 and first[8] == 0.0 and second[0] == 0.0
    kept = np.delete(first, [1, 8])
    assert kept.tobytes() == np.full(kept.size, 2.0**-32, dtype=np.float32).tobytes()
    assert np.all(second[1:] >= tiny)  # 0.001 * 0.999**31: normal, and kept


# ================================================================ state: declared, in place
class LazyMomentum(optim.Optimizer):
    """Momentum with its velocity made on first use, DeZero's way, but no ``slots`` declared."""

    def __init__(self, lr=0.1, store="setitem"):
        super().__init__(lr)
        self.store = store

    def update_one(self, param, grad, state, scratch):
        if self.store == "setdefault":
            velocity = state.setdefault("velocity", np.zeros_like(param))
        else:
            if "velocity" not in state:
                state["velocity"] = np.zeros_like(param)
            velocity = state["velocity"]
        velocity *= 0.9
        velocity += grad
        param -= self.lr * velocity


@pytest.mark.parametrize("elementwise", [False, True], ids=["per-parameter", "flat"])
@pytest.mark.parametrize("store", ["setitem", "setdefault"])
def test_state_not_declared_in_slots_fails_when_stored_saying_to_declare_it(store, elementwise):
    rule = type("LazyMomentum", (LazyMomentum,), {"elementwise": elementwise})
    net, optimizer = network(), rule(store=store)
    with pytest.raises(TypeError, match=r"LazyMomentum.update_one stored state 'velocity', which LazyMomentum does "
                                        r"not declare: add slots = \('velocity',\) to the class"):
        train(net, optimizer, flat=True, steps=range(1))
    declared = type("Momentum2", (rule,), {"slots": ("velocity",)})()
    train(net, declared, flat=True, steps=range(2))  # declared, the same code works and is saved
    assert set(declared.state_dict()) >= {"state/W1/velocity", "state/b3/velocity"}


@pytest.mark.parametrize("elementwise", [False, True], ids=["per-parameter", "flat"])
def test_replacing_a_declared_state_array_is_refused_with_the_in_place_way(elementwise):
    class RebindingMomentum(optim.Optimizer):
        slots = ("velocity",)

        def update_one(self, param, grad, state, scratch):
            state["velocity"] = 0.9 * state["velocity"] + grad
            param -= self.lr * state["velocity"]

    RebindingMomentum.elementwise = elementwise
    with pytest.raises(TypeError, match=r"cannot replace state\['velocity'\]: RebindingMomentum keeps the state "
                                        r"arrays it created .* state\['velocity'\] \*= decay"):
        train(network(), RebindingMomentum(), flat=True, steps=range(1))


# ================================================================ bad gradients
@pytest.mark.parametrize("name", NAMES)
def test_a_nan_in_one_flat_gradient_is_named_and_changes_nothing(name):
    net, optimizer = network(dtype=np.float32), optim.get(name)
    train(net, optimizer, flat=True, steps=range(2))
    before, state_before = net.state_dict(), optimizer.state_dict()
    _, grads = net.loss_and_gradient(*batch(2, np.float32))
    grads["b2"][1] = np.nan
    with pytest.raises(ValueError, match=r"grads \['b2'\] contain NaN or infinity; no parameter was changed"):
        optimizer.update(net.params, grads)
    grads["W1"][0, 0] = -np.inf
    with pytest.raises(ValueError, match=r"grads \['W1', 'b2'\] contain NaN or infinity"):
        optimizer.update(net.params, grads)
    assert_same_bits(net.state_dict(), before)
    assert_same_bits(optimizer.state_dict(), state_before)
    assert optimizer.step_count == 2
