"""Saving and loading models and checkpoint trees: exact round trips, atomic writes, clear errors."""

import json
import os
from pathlib import Path

import numpy as np
import pytest

import minidl.files
import minidl.serialization
from minidl import MLP, Sequential
from minidl.archive import open_archive
from minidl.layers import Affine, Dropout, Tanh
from minidl.serialization import (
    load_checkpoint,
    load_model,
    read_model_metadata,
    save_checkpoint,
    save_model,
)


def trained_network(dtype="float32"):
    network = MLP(6, [5, 4], 3, dropout=0.2, batchnorm=True, weight_decay=1e-3, dtype=dtype, seed=0)
    rng = np.random.default_rng(1)
    for _ in range(3):  # training-mode passes move the batch-norm running statistics
        x, t = rng.normal(size=(8, 6)), rng.integers(0, 3, size=8)
        _, grads = network.loss_and_gradient(x, t)
        for name, grad in grads.items():
            network.params[name] -= 0.1 * grad
    return network


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_model_round_trip_is_exact(tmp_path, dtype):
    network = trained_network(dtype)
    save_model(network, tmp_path / "model.npz", metadata={"dataset": "toy"})
    loaded = load_model(tmp_path / "model.npz")
    assert loaded.config == network.config
    saved_state, loaded_state = network.state_dict(), loaded.state_dict()
    assert saved_state.keys() == loaded_state.keys() and "running_mean1" in saved_state
    for name in saved_state:
        assert loaded_state[name].dtype == np.dtype(dtype)
        assert np.array_equal(saved_state[name], loaded_state[name]), name
    x = np.random.default_rng(2).normal(size=(10, 6))
    assert np.array_equal(network.predict(x), loaded.predict(x))
    assert read_model_metadata(tmp_path / "model.npz") == {"dataset": "toy"}


def test_file_name_is_kept_exactly(tmp_path):
    save_model(trained_network(), tmp_path / "model.weights")
    assert [path.name for path in tmp_path.iterdir()] == ["model.weights"]


def test_checkpoint_tree_round_trip_keeps_types(tmp_path):
    tree = {
        "numbers": {"int": 3, "float": 0.1 + 0.2, "none": None, "flag": True, "text": "adam"},
        "scalar32": np.float32(1.5),
        "arrays": [np.arange(3), {"matrix": np.eye(2, dtype=np.float32)}],
        "slash/key": np.zeros(1),
        "big": 2**100,
    }
    save_checkpoint(tmp_path / "tree.npz", tree)
    loaded = load_checkpoint(tmp_path / "tree.npz")
    assert loaded["numbers"] == tree["numbers"]
    assert type(loaded["scalar32"]) is np.float32 and loaded["scalar32"] == 1.5
    assert np.array_equal(loaded["arrays"][0], np.arange(3))
    assert loaded["arrays"][1]["matrix"].dtype == np.float32
    assert np.array_equal(loaded["slash/key"], np.zeros(1))
    assert loaded["big"] == 2**100


def test_unsavable_values_are_refused(tmp_path):
    with pytest.raises(TypeError, match="at 'layer/function'"):
        save_checkpoint(tmp_path / "tree.npz", {"layer": {"function": print}})
    with pytest.raises(TypeError, match="keys must be strings"):
        save_checkpoint(tmp_path / "tree.npz", {1: np.zeros(1)})


def test_interrupted_save_leaves_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "model.npz"
    save_model(trained_network(), path)
    before = path.read_bytes()

    def interrupted_savez(file, arrays):
        file.write(b"half")
        raise KeyboardInterrupt

    monkeypatch.setattr(minidl.files, "write_npz", interrupted_savez)
    with pytest.raises(KeyboardInterrupt):
        save_model(MLP(6, [2], 3), path)
    assert path.read_bytes() == before
    assert [entry.name for entry in tmp_path.iterdir()] == ["model.npz"]


def test_corrupt_and_foreign_files_give_clear_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="model .*missing.npz.* does not exist"):
        load_model(tmp_path / "missing.npz")
    good = tmp_path / "model.npz"
    save_model(trained_network(), good)
    (tmp_path / "truncated.npz").write_bytes(good.read_bytes()[:-100])
    with pytest.raises(ValueError, match="truncated.npz.* is corrupt"):
        load_model(tmp_path / "truncated.npz")
    np.savez(tmp_path / "plain.npz", W1=np.zeros(2))
    with pytest.raises(ValueError, match="an .npz file without minidl metadata"):
        load_model(tmp_path / "plain.npz")
    np.savez(tmp_path / "pickled.npz", W1=np.array([{"a": 1}], dtype=object))
    with pytest.raises(ValueError, match="corrupt"):
        load_model(tmp_path / "pickled.npz")


def test_newer_format_and_broken_content_are_refused(tmp_path):
    minidl.files.save_npz(tmp_path / "future.npz", {}, meta={"format": "minidl-model", "version": 99, "tree": {}})
    with pytest.raises(ValueError, match="version 99.*upgrade minidl"):
        load_model(tmp_path / "future.npz")
    config = trained_network().config
    tree = {"config": {**config, "hidden_sizes": [7]}, "state": {"W1": {"__array__": "state/W1", "scalar": False}}}
    minidl.files.save_npz(tmp_path / "mismatch.npz", {"state/W1": np.zeros((6, 5))},
                          meta={"format": "minidl-model", "version": 1, "tree": tree})
    with pytest.raises(ValueError, match="does not hold a valid network: missing arrays"):
        load_model(tmp_path / "mismatch.npz")
    meta = {"format": "minidl-model", "version": 1, "tree": {"state": {"__array__": "gone"}}}
    minidl.files.save_npz(tmp_path / "incomplete.npz", {}, meta=meta)
    with pytest.raises(ValueError, match="incomplete: array 'gone' is missing"):
        load_model(tmp_path / "incomplete.npz")


def test_a_checkpoint_is_also_a_model(tmp_path):
    network = trained_network()
    save_checkpoint(tmp_path / "run.npz", {"network": {"config": network.config, "state": network.state_dict()}})
    assert np.array_equal(load_model(tmp_path / "run.npz").params["W2"], network.params["W2"])
    save_model(network, tmp_path / "model.npz")
    with pytest.raises(ValueError, match="expected 'minidl-checkpoint'"):
        load_checkpoint(tmp_path / "model.npz")


def test_metadata_is_plain_json_inside_the_archive(tmp_path):
    save_model(trained_network(), tmp_path / "model.npz")
    with np.load(tmp_path / "model.npz", allow_pickle=False) as archive:
        meta = json.loads(str(archive["__meta__"]))
    assert meta["format"] == "minidl-model" and meta["tree"]["config"]["hidden_sizes"] == [5, 4]


def test_a_checkpoint_gives_the_trainer_metadata_as_its_model_metadata(tmp_path):
    from minidl.training import Trainer

    trainer = Trainer(MLP(6, [4], 3, seed=0), epochs=1, verbose=0)
    trainer.metadata = {"dataset": "digits", "validation_fraction": 0.1}
    trainer.save_checkpoint(tmp_path / "run.npz")
    # minidl train records its data set there, so "minidl evaluate run.npz" needs no --dataset.
    assert read_model_metadata(tmp_path / "run.npz") == {"dataset": "digits", "validation_fraction": 0.1}
    save_checkpoint(tmp_path / "bare.npz", {"network": {"config": trainer.network.config, "state": {}}})
    assert read_model_metadata(tmp_path / "bare.npz") == {}


def edited_file(path, tree_part=None, **meta):
    """An archive like a saved model, with its JSON metadata changed by hand."""
    network = MLP(6, [4], 3, seed=0)
    tree = tree_part if tree_part is not None else {"config": network.config, "state": {}}
    minidl.files.save_npz(path, {}, meta={"format": "minidl-model", "version": 1, "tree": tree, **meta})
    return path


@pytest.mark.parametrize("meta, words", [
    ({"version": "1"}, "format version must be a whole number >= 1; got '1'"),
    ({"version": None}, "format version must be a whole number >= 1; got None"),
    ({"version": True}, "format version must be a whole number >= 1; got True"),
    ({"tree": {"config": {}, "state": {"__array__": ["not", "a", "name"]}}}, "is damaged: its structure"),
    ({"tree": ["a", "list"]}, "is damaged: its structure is a list, not a dict"),
])
def test_hand_edited_metadata_is_a_value_error_naming_the_file(tmp_path, meta, words):
    path = edited_file(tmp_path / "edited.npz", **meta)
    with pytest.raises(ValueError, match="'.*edited.npz'") as caught:
        load_model(path)
    assert words in str(caught.value)


def test_a_missing_tree_and_a_checkpoint_without_network_are_named(tmp_path):
    minidl.files.save_npz(tmp_path / "no-tree.npz", {}, meta={"format": "minidl-model", "version": 1})
    with pytest.raises(ValueError, match="no-tree.npz' is damaged: its metadata has no 'tree'"):
        load_model(tmp_path / "no-tree.npz")
    save_checkpoint(tmp_path / "run.npz", {"trainer": {}})
    with pytest.raises(ValueError, match="run.npz' does not hold a valid network"):
        load_model(tmp_path / "run.npz")


def test_a_folder_is_named_as_a_folder(tmp_path):
    with pytest.raises(ValueError, match="is a folder, not a file"):
        load_model(tmp_path)
    with pytest.raises(ValueError, match="is a folder, not a file"):
        load_checkpoint(tmp_path)


def test_a_folder_that_is_not_writable_is_a_clear_error_and_nothing_is_written(tmp_path, monkeypatch):
    # Tests run as root, whom chmod does not stop: the refusal is simulated where it happens,
    # creating a file in that folder (tests/test_files_write.py uses a really unwritable one).
    create = os.open

    def refuse(path, *args, **kwargs):
        if Path(path).parent == tmp_path:
            raise PermissionError(13, "Permission denied")
        return create(path, *args, **kwargs)

    monkeypatch.setattr(os, "open", refuse)
    with pytest.raises(ValueError) as caught:
        save_model(trained_network(), tmp_path / "model.npz")
    assert str(caught.value) == (f"cannot write {str(tmp_path / 'model.npz')!r}: folder {str(tmp_path)!r} "
                                 "is not writable; choose a folder you can write to")
    assert isinstance(caught.value.__cause__, PermissionError)
    assert list(tmp_path.iterdir()) == []


# ============================================================ any Sequential
class OwnScale:
    """A layer of one's own with a parameter and a setting, registered so that it can be saved."""

    def __init__(self, a, bias=0.0):
        self.a, self.bias = a, bias
        self.da = None

    def forward(self, x, train=True):
        self.x = x
        return x * self.a + self.bias

    def backward(self, dout):
        self.da = (dout * self.x).sum(axis=0)
        return dout * self.a


minidl.register_layer(OwnScale, name="tests.OwnScale")


def own_layer_network(layer):
    rng = np.random.default_rng(3)
    return Sequential([Affine(rng.normal(size=(6, 4)), rng.normal(size=4)), layer, Dropout(0.3),
                       Affine(rng.normal(size=(4, 3)), np.zeros(3))], weight_decay=1e-3, seed=5)


def test_a_sequential_with_a_registered_layer_of_ones_own_round_trips_exactly(tmp_path):
    network = own_layer_network(OwnScale(np.linspace(0.5, 1.5, 4), bias=0.25))
    network.params["a1"] *= 2.0
    save_model(network, tmp_path / "own.npz")
    with open_archive(tmp_path / "own.npz", "model") as archive:
        assert archive.meta["tree"]["type"] == "Sequential"
        assert archive.meta["tree"]["config"]["layers"][1]["type"] == "tests.OwnScale"
    loaded = load_model(tmp_path / "own.npz")
    assert type(loaded) is Sequential and list(loaded.layers) == list(network.layers)
    assert type(loaded.layers["OwnScale1"]) is OwnScale and loaded.layers["OwnScale1"].bias == 0.25
    assert loaded.layers["OwnScale1"].a is loaded.params["a1"]
    assert loaded.config == network.config and loaded.weight_decay == 1e-3
    x = np.random.default_rng(0).normal(size=(7, 6))
    np.testing.assert_array_equal(loaded.predict(x), network.predict(x))


def test_an_unregistered_layer_is_refused_at_save_time_with_the_fix_and_nothing_written(tmp_path):
    class Unregistered(OwnScale):
        pass

    network = own_layer_network(Unregistered(np.ones(4)))
    with pytest.raises(ValueError, match=r"cannot save layer 'Unregistered1' \(Unregistered\): its class is not "
                                         r"registered.*minidl.register_layer\(Unregistered\)"):
        save_model(network, tmp_path / "own.npz")
    assert list(tmp_path.iterdir()) == []


def test_an_mlp_with_a_replaced_layer_is_saved_as_the_sequential_it_is(tmp_path):
    network = trained_network("float64")
    network.layers["Activation2"] = Tanh()
    save_model(network, tmp_path / "changed.npz")
    loaded = load_model(tmp_path / "changed.npz")
    assert type(loaded) is Sequential and type(loaded.layers["Activation2"]) is Tanh
    assert loaded.state_dict().keys() == network.state_dict().keys()
    x = np.random.default_rng(2).normal(size=(5, 6))
    np.testing.assert_array_equal(loaded.predict(x), network.predict(x))
    # An MLP as built is still saved as an MLP, under its own settings.
    save_model(trained_network(), tmp_path / "mlp.npz")
    assert type(load_model(tmp_path / "mlp.npz")) is MLP


def test_a_model_file_written_before_networks_had_a_type_loads_as_an_mlp(tmp_path):
    network = trained_network()
    # The tree the save_model of earlier minidl wrote: no "type".
    minidl.serialization._save_tree(tmp_path / "old.npz", {"config": network.config, "state": network.state_dict(),
                                                            "metadata": {}}, minidl.serialization.MODEL_FORMAT)
    loaded = load_model(tmp_path / "old.npz")
    assert type(loaded) is MLP and loaded.config == network.config
    np.testing.assert_array_equal(loaded.params.flat, network.params.flat)


def test_an_unknown_network_or_layer_type_in_a_file_is_named(tmp_path):
    network = own_layer_network(OwnScale(np.ones(4)))
    save_model(network, tmp_path / "own.npz")
    tree = load_checkpoint_tree(tmp_path / "own.npz")
    for edit, words in ((lambda tree: tree.update(type="Transformer"), r"unknown network type 'Transformer'; "
                                                                       r"minidl knows \['MLP', 'Sequential'"),
                        (lambda tree: tree["config"]["layers"][1].update(type="Gone"),
                         r"the layer type 'Gone' is not registered in this Python session; import the module")):
        edited = json.loads(json.dumps(tree))
        edit(edited)
        minidl.serialization._save_tree(tmp_path / "edited.npz", {**edited, "state": network.state_dict()},
                                        minidl.serialization.MODEL_FORMAT)
        with pytest.raises(ValueError, match=words):
            load_model(tmp_path / "edited.npz")


def load_checkpoint_tree(path):
    """The JSON part of a model file (type, config, metadata)."""
    with open_archive(path, "model") as archive:
        return {key: value for key, value in archive.meta["tree"].items() if key != "state"}
