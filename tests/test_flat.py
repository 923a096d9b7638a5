"""FlatArrays: named views of one flat buffer, their checks, and how they copy.

Pinned here: the values are views of ``flat`` in layout order; bad layouts
and buffers are refused with a message naming the problem; ``empty_like`` and
``zeros_like`` give the same layout over a new buffer; an entry can be
changed in place but never replaced, added or removed (the error shows the
in-place way); deep copies get their own buffer (and an MLP's layers follow
its parameters into a deep copy or a pickle round trip), shallow copies
share it.
"""

import copy
import pickle

import numpy as np
import pytest

from minidl import MLP, optim
from minidl.flat import FlatArrays

LAYOUT = [("W", (2, 3)), ("b", (3,)), ("s", (1, 1))]
SIZE = 2 * 3 + 3 + 1


def numbered(dtype=np.float64):
    """A FlatArrays whose buffer holds 0, 1, 2, ...: every number tells where it sits."""
    arrays = FlatArrays(LAYOUT, dtype)
    arrays.flat[...] = np.arange(SIZE)
    return arrays


# ================================================================ layout and views
def test_values_are_views_of_flat_in_layout_order_with_their_shapes():
    arrays = numbered()
    assert list(arrays) == ["W", "b", "s"]
    assert arrays.layout == (("W", (2, 3)), ("b", (3,)), ("s", (1, 1)))
    assert arrays.flat.shape == (SIZE,) and arrays.flat.dtype == np.float64 and arrays.flat.flags.c_contiguous
    np.testing.assert_array_equal(arrays["W"], np.arange(6).reshape(2, 3))
    np.testing.assert_array_equal(arrays["b"], [6, 7, 8])
    np.testing.assert_array_equal(arrays["s"], [[9]])
    for value in arrays.values():
        assert np.shares_memory(value, arrays.flat)


def test_a_new_buffer_is_zeros_of_the_dtype():
    arrays = FlatArrays(LAYOUT, np.float32)
    assert arrays.flat.dtype == np.float32 and all(value.dtype == np.float32 for value in arrays.values())
    assert not arrays.flat.any()


def test_writing_through_a_view_shows_in_flat_and_back():
    arrays = FlatArrays(LAYOUT)
    arrays["b"][1] = 5.0
    arrays["W"] += 1.0  # in place, as optimizers update
    assert arrays.flat.tolist() == [1.0] * 6 + [0.0, 5.0, 0.0, 0.0]
    arrays.flat[-1] = -2.0
    assert arrays["s"][0, 0] == -2.0


def test_a_given_buffer_is_used_not_copied():
    buffer = np.arange(SIZE, dtype=np.float32)
    arrays = FlatArrays(LAYOUT, np.float32, flat=buffer)
    assert arrays.flat is buffer
    buffer[6] = 100.0
    assert arrays["b"][0] == 100.0


def test_names_must_be_distinct():
    with pytest.raises(ValueError, match=r"distinct names; got \['W', 'b', 'W'\]"):
        FlatArrays([("W", (2,)), ("b", (1,)), ("W", (3,))])


@pytest.mark.parametrize(
    ("flat", "words"),
    [
        (np.zeros(SIZE + 1), r"of 10 numbers .*shape \(11,\)"),
        (np.zeros((2, SIZE // 2)), r"1-D .*shape \(2, 5\)"),
        (np.zeros(SIZE, dtype=np.float32), r"float64 array .*got float32"),
        (np.zeros(2 * SIZE)[::2], "contiguous"),
        ([0.0] * SIZE, "got list"),
    ],
    ids=["size", "2-D", "dtype", "non-contiguous", "not an array"],
)
def test_a_bad_buffer_is_refused_naming_the_problem(flat, words):
    with pytest.raises(ValueError, match=words):
        FlatArrays(LAYOUT, np.float64, flat=flat)


@pytest.mark.parametrize("method", ["empty_like", "zeros_like"])
def test_empty_like_and_zeros_like_give_the_layout_over_a_new_buffer(method):
    arrays = numbered(np.float32)
    twin = getattr(arrays, method)()
    assert isinstance(twin, FlatArrays)
    assert twin.layout == arrays.layout and list(twin) == list(arrays)
    assert twin.flat.dtype == np.float32 and twin.flat.shape == arrays.flat.shape
    assert not np.shares_memory(twin.flat, arrays.flat)
    assert all(twin[name].shape == arrays[name].shape and np.shares_memory(twin[name], twin.flat) for name in arrays)
    twin.flat[...] = 7.0
    np.testing.assert_array_equal(arrays.flat, np.arange(SIZE))
    if method == "zeros_like":
        assert not arrays.zeros_like().flat.any()


# ================================================================ in place only
def test_in_place_updates_and_storing_the_same_array_back_are_allowed():
    arrays = numbered()
    view = arrays["W"]
    arrays["W"] -= 0.5  # __isub__ returns the view itself, stored back under the same name
    arrays["b"] = arrays["b"]
    arrays.update(s=arrays["s"])
    arrays |= {"b": arrays["b"]}
    assert arrays.setdefault("W") is view
    assert arrays["W"] is view and arrays.flat[0] == -0.5


REPLACING = {
    "assign": lambda arrays: arrays.__setitem__("W", arrays["W"] * 1.0),
    "assign-a-copy": lambda arrays: arrays.__setitem__("b", arrays["b"].copy()),
    "update": lambda arrays: arrays.update(W=np.zeros((2, 3))),
    "or-assign": lambda arrays: arrays.__ior__({"b": np.zeros(3)}),
}
CHANGING_NAMES = {
    "add": lambda arrays: arrays.__setitem__("extra", np.zeros(2)),
    "setdefault": lambda arrays: arrays.setdefault("extra", np.zeros(2)),
    "del": lambda arrays: arrays.__delitem__("s"),
    "pop": lambda arrays: arrays.pop("s"),
    "popitem": lambda arrays: arrays.popitem(),
    "clear": lambda arrays: arrays.clear(),
}


@pytest.mark.parametrize("change", list(REPLACING.values()), ids=list(REPLACING))
def test_replacing_an_array_is_refused_with_the_in_place_way(change):
    arrays = numbered()
    views = dict(arrays)
    with pytest.raises(TypeError, match=r"cannot replace params\['(W|b)'\]: .* never be trained; update it in "
                                        r"place instead: params\['(W|b)'\] -= step"):
        change(arrays)
    assert all(arrays[name] is view for name, view in views.items())
    np.testing.assert_array_equal(arrays.flat, np.arange(SIZE))


@pytest.mark.parametrize("change", list(CHANGING_NAMES.values()), ids=list(CHANGING_NAMES))
def test_adding_or_removing_a_name_is_refused(change):
    arrays = numbered()
    views = dict(arrays)
    with pytest.raises(TypeError, match=r"cannot (add|remove) '\w+': .* keeps the names of its layout \(W, b, s\)"):
        change(arrays)
    assert list(arrays) == ["W", "b", "s"] and all(arrays[name] is view for name, view in views.items())


def test_a_network_refuses_new_weights_with_the_in_place_way():
    net = MLP(6, [5], 3, seed=0)
    with pytest.raises(TypeError, match=r"params\['W1'\]\[\.\.\.\] = values"):
        net.params["W1"] = np.zeros((6, 5), np.float32)
    assert net.layers["Affine1"].W is net.params["W1"]


# ================================================================ copies
def test_deepcopy_has_its_own_buffer_and_the_same_numbers():
    arrays = numbered(np.float32)
    twin = copy.deepcopy(arrays)
    assert isinstance(twin, FlatArrays) and twin.layout == arrays.layout
    assert not np.shares_memory(twin.flat, arrays.flat)
    assert all(np.shares_memory(value, twin.flat) for value in twin.values())
    np.testing.assert_array_equal(twin.flat, arrays.flat)
    twin["W"][...] = -1.0
    np.testing.assert_array_equal(arrays.flat, np.arange(SIZE))


COPIERS = {
    "deepcopy": copy.deepcopy,
    "pickle": lambda net: pickle.loads(pickle.dumps(net)),
    # The layers met first, before the network and its params: the order must not matter.
    "deepcopy-layers-first": lambda net: copy.deepcopy((net.layers, net))[1],
}


@pytest.mark.parametrize("copier", list(COPIERS))
@pytest.mark.parametrize("batchnorm", [False, True])
def test_a_copied_mlp_keeps_its_layers_linked_to_its_own_params(batchnorm, copier):
    net = MLP(6, [5, 4], 3, batchnorm=batchnorm, seed=0, dtype=np.float64)
    before = {name: value.copy() for name, value in net.params.items()}
    twin = COPIERS[copier](net)
    assert isinstance(twin.params, FlatArrays)
    assert not np.shares_memory(twin.params.flat, net.params.flat)
    assert twin.layers["Affine1"].W is twin.params["W1"]
    assert twin.layers["Affine3"].b is twin.params["b3"]
    assert np.shares_memory(twin.layers["Affine1"].W, twin.params.flat)
    if batchnorm:
        assert twin.layers["BatchNorm2"].gamma is twin.params["gamma2"]
        assert twin.layers["BatchNorm1"].beta is twin.params["beta1"]
    x = np.random.default_rng(1).standard_normal((4, 6))
    scores = twin.predict(x)
    twin.params.flat *= 2.0  # through the buffer: the twin's layers must see it
    assert not np.allclose(twin.predict(x), scores)
    np.testing.assert_array_equal(net.predict(x), scores)
    for name, value in net.params.items():
        np.testing.assert_array_equal(value, before[name])
    assert net.layers["Affine1"].W is net.params["W1"] and np.shares_memory(net.params["W1"], net.params.flat)


def test_copy_copy_shares_the_buffer():
    arrays = numbered()
    twin = copy.copy(arrays)
    assert isinstance(twin, FlatArrays) and twin.layout == arrays.layout
    assert twin.flat is arrays.flat
    twin["b"][0] = 100.0
    assert arrays["b"][0] == 100.0
    with pytest.raises(TypeError, match="cannot replace"):
        twin["W"] = np.zeros((2, 3))


def test_copy_copy_holds_the_very_same_arrays_as_a_plain_dict_copy_does():
    arrays = numbered()
    twin = copy.copy(arrays)
    assert all(twin[name] is arrays[name] for name in arrays)


def test_a_bound_optimizer_accepts_a_shallow_copy_of_its_networks_params():
    net = MLP(6, [5], 3, seed=0, dtype=np.float64)
    x, t = np.random.default_rng(0).standard_normal((8, 6)), np.arange(8) % 3
    optimizer = optim.Momentum()
    optimizer.update(net.params, net.loss_and_gradient(x, t)[1])
    before = net.params.flat.copy()
    optimizer.update(copy.copy(net.params), net.loss_and_gradient(x, t)[1])
    assert not np.array_equal(net.params.flat, before)


def test_pickle_brings_the_views_back_as_views_of_the_buffer():
    arrays = numbered()
    twin = pickle.loads(pickle.dumps(arrays))
    assert isinstance(twin, FlatArrays) and all(np.shares_memory(value, twin.flat) for value in twin.values())
    twin["W"][0, 0] = -5.0
    assert twin.flat[0] == -5.0 and arrays.flat[0] != -5.0


def test_only_floating_point_dtypes_are_accepted():
    with pytest.raises(ValueError, match="floating-point numbers; got dtype int64"):
        FlatArrays(LAYOUT, np.int64)
