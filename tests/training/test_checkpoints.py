"""Checkpoints: resuming is bit-identical, interruptions and NaN keep the last good file."""

import numpy as np
import pytest
from toys import Scale

from minidl import MLP, Sequential, SimpleConvNet, register_layer
from minidl.layers import Affine, Dropout, ReLU
from minidl.serialization import load_checkpoint, save_model
from minidl.training import Callback, EarlyStopping, Trainer, TrainingDivergedError


def network():
    # Dropout and batch normalisation: both generators and the running statistics matter.
    return MLP(64, [32, 16], 10, dropout=0.3, batchnorm=True, seed=1)


def trainer(epochs, checkpoint=None, **settings):
    return Trainer(network(), "adam", {"lr": 3e-3}, epochs=epochs, batch_size=64, seed=2,
                   schedule="step", schedule_params={"step_size": 2, "gamma": 0.5},
                   callbacks=[EarlyStopping("val_loss", patience=50)], checkpoint=checkpoint,
                   verbose=0, **settings)


def resume(path, epochs=None):
    """The trainer saved at ``path``, rebuilt with the callbacks of these runs."""
    return Trainer.from_checkpoint(path, epochs=epochs, callbacks=[EarlyStopping("val_loss", patience=50)], verbose=0)


def assert_same_run(reference, resumed):
    reference_state, resumed_state = reference.network.state_dict(), resumed.network.state_dict()
    assert reference_state.keys() == resumed_state.keys()
    for name in reference_state:
        assert np.array_equal(reference_state[name], resumed_state[name]), name
    assert reference.history.step_loss == resumed.history.step_loss
    without_time = [[{k: v for k, v in row.items() if k != "seconds"} for row in run.history.epochs]
                    for run in (reference, resumed)]
    assert without_time[0] == without_time[1]
    assert reference.rng.bit_generator.state == resumed.rng.bit_generator.state
    assert reference.network.rng.bit_generator.state == resumed.network.rng.bit_generator.state
    assert reference.optimizer.step_count == resumed.optimizer.step_count
    assert reference.callbacks[0].best == resumed.callbacks[0].best


@pytest.fixture(scope="module")
def uninterrupted(digits):
    (x, t), validation = digits
    run = trainer(5)
    run.fit(x, t, validation_data=validation)
    return run


def test_resume_from_checkpoint_is_bit_identical(digits, uninterrupted, tmp_path):
    (x, t), validation = digits
    path = tmp_path / "run.npz"
    trainer(3, checkpoint=path).fit(x, t, validation_data=validation)
    resumed = resume(path, epochs=5)
    assert resumed.epoch == 3 and resumed.initial_lr == 3e-3 and resumed.optimizer.lr == 1.5e-3
    resumed.fit(x, t, validation_data=validation)
    assert_same_run(uninterrupted, resumed)


def test_load_checkpoint_into_a_trainer_built_the_same_way(digits, uninterrupted, tmp_path):
    (x, t), validation = digits
    path = tmp_path / "run.npz"
    trainer(2, checkpoint=path).fit(x, t, validation_data=validation)
    resumed = trainer(5).load_checkpoint(path)
    resumed.fit(x, t, validation_data=validation)
    assert_same_run(uninterrupted, resumed)


def test_ctrl_c_mid_epoch_keeps_the_last_checkpoint(digits, uninterrupted, tmp_path):
    (x, t), validation = digits
    path = tmp_path / "run.npz"
    interrupted = trainer(5, checkpoint=path)
    original, calls = interrupted.network._loss_and_gradient, []

    def interrupt_in_epoch_3(*args):  # the Trainer's step (loss_and_gradient without the check)
        calls.append(1)
        if len(calls) == 2 * 10 + 4:  # 600 samples / 64 = 10 steps an epoch
            raise KeyboardInterrupt
        return original(*args)

    interrupted.network._loss_and_gradient = interrupt_in_epoch_3
    with pytest.raises(KeyboardInterrupt):
        interrupted.fit(x, t, validation_data=validation)
    assert load_checkpoint(path)["trainer"]["epoch"] == 2
    assert not [name for name in tmp_path.iterdir() if name.name != "run.npz"]  # no temporary left
    resumed = resume(path)
    resumed.fit(x, t, validation_data=validation)
    assert_same_run(uninterrupted, resumed)


def test_nan_does_not_overwrite_the_checkpoint(digits, tmp_path):
    (x, t), _ = digits

    class Poison(Callback):
        """Makes the weights infinite at the end of epoch ``at``, before its checkpoint is written."""

        def __init__(self, at):
            self.at = at

        def on_epoch_end(self, trainer, epoch, metrics):
            if epoch == self.at:
                trainer.network.params["W2"][...] = np.inf

    path = tmp_path / "run.npz"
    with pytest.raises(TrainingDivergedError, match="end of epoch 3.*still holds epoch 2"):
        Trainer(network(), epochs=4, checkpoint=path, callbacks=[Poison(3)], verbose=0).fit(x, t)
    state = load_checkpoint(path)
    assert state["trainer"]["epoch"] == 2
    assert all(np.isfinite(value).all() for value in state["network"]["state"].values())


def test_checkpoint_of_another_network_or_optimizer_is_refused(digits, tmp_path):
    (x, t), _ = digits
    path = tmp_path / "run.npz"
    trainer(1, checkpoint=path).fit(x, t, validation_data=digits[1])
    other = Trainer(MLP(64, [20], 10), epochs=2, verbose=0)
    expected = r"different network \(batchnorm: saved True, .*hidden_sizes: saved \[32, 16\], this network \[20\]\)"
    with pytest.raises(ValueError, match=expected):
        other.load_checkpoint(path)
    with pytest.raises(ValueError, match="trained with Adam, but this trainer uses SGD"):
        Trainer(network(), "sgd", verbose=0).load_checkpoint(path)


def test_corrupt_or_wrong_files_are_refused(digits, tmp_path):
    (x, t), _ = digits
    path = tmp_path / "run.npz"
    trainer(1, checkpoint=path).fit(x, t, validation_data=digits[1])
    truncated = tmp_path / "truncated.npz"
    truncated.write_bytes(path.read_bytes()[:1000])
    with pytest.raises(ValueError, match="corrupt"):
        Trainer.from_checkpoint(truncated)
    model = tmp_path / "model.npz"
    save_model(network(), model)
    with pytest.raises(ValueError, match="'minidl-model' file, expected 'minidl-checkpoint'"):
        Trainer.from_checkpoint(model)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        Trainer.from_checkpoint(tmp_path / "missing.npz")


def test_unregistered_optimizer_resumes_only_into_a_trainer_built_by_hand(digits, tmp_path):
    from minidl.optim import Optimizer

    class HalfStep(Optimizer):
        def update_one(self, param, grad, state, scratch):
            param -= 0.5 * self.lr * grad

    (x, t), _ = digits
    path = tmp_path / "run.npz"
    Trainer(network(), HalfStep(lr=0.1), epochs=1, checkpoint=path, verbose=0).fit(x, t)
    with pytest.raises(ValueError, match="HalfStep, which is not registered"):
        Trainer.from_checkpoint(path)
    resumed = Trainer(network(), HalfStep(lr=0.1), epochs=2, verbose=0).load_checkpoint(path)
    assert resumed.epoch == 1 and len(resumed.fit(x, t)) == 2


@pytest.mark.parametrize("edit, words, checked_first", [
    (lambda state: state["trainer"].pop("has_schedule"), "is incomplete or not a trainer checkpoint (missing "
                                                         "'has_schedule')", True),
    (lambda state: state["trainer"]["rng"].pop("state"), "is damaged: trainer.rng is not a random generator state",
     True),
    (lambda state: state["network"].update(rng=[1, 2]), "is damaged: network.rng is not a random generator state",
     True),
    (lambda state: state["trainer"].update(epoch="3"), "trainer.epoch must be a whole number >= 0; got '3' of type str", True),
    (lambda state: state["trainer"].update(initial_lr=None),
     "trainer.initial_lr must be a finite number in (0.0, inf); got None", True),
    (lambda state: state["trainer"].update(metadata=[]), "trainer.metadata must be a dict, got []", True),
    (lambda state: state["history"].update(format="csv"), "is damaged: not a minidl history", True),
    # Refused by the callback's own load_state_dict, after the network was loaded.
    (lambda state: state["callbacks"][0]["state"].pop("best"), "(missing 'best')", False),
    (lambda state: state["optimizer"].update(hyperparameters=None), "(TypeError:", False),
])
def test_a_hand_edited_checkpoint_is_a_value_error_naming_it(digits, tmp_path, edit, words, checked_first):
    from minidl.serialization import save_checkpoint

    (x, t), validation = digits
    path, edited = tmp_path / "run.npz", tmp_path / "edited.npz"
    trainer(1, checkpoint=path).fit(x, t, validation_data=validation)
    state = load_checkpoint(path)
    edit(state)
    save_checkpoint(edited, state)
    with pytest.raises(ValueError, match="'.*edited.npz'") as caught:
        Trainer.from_checkpoint(edited, callbacks=[EarlyStopping("val_loss", patience=50)], verbose=0)
    assert words in str(caught.value)
    if checked_first:
        # Into an existing trainer: refused before anything of it changed.
        target = trainer(3)
        before = {name: value.copy() for name, value in target.network.params.items()}
        generator = target.rng.bit_generator.state
        with pytest.raises(ValueError, match="edited.npz"):
            target.load_checkpoint(edited)
        assert target.epoch == 0 and target.rng.bit_generator.state == generator
        assert all(np.array_equal(before[name], target.network.params[name]) for name in before)


# ============================================================ any Sequential
@register_layer(name="tests.training.Gate")
class Gate(Scale):
    """A layer of one's own, registered: each feature times a trained gate ``a`` (the toy :class:`toys.Scale`)."""


def gated_network():
    rng = np.random.default_rng(4)
    return Sequential([Affine(0.1 * rng.standard_normal((64, 32), dtype=np.float32), np.zeros(32, np.float32)),
                       ReLU(), Gate(np.ones(32, np.float32)), Dropout(0.3),
                       Affine(0.1 * rng.standard_normal((32, 10), dtype=np.float32), np.zeros(10, np.float32))],
                      seed=3)


def small_convnet():
    return SimpleConvNet(input_dim=(1, 8, 8), conv_param={"filter_num": 4, "filter_size": 3, "pad": 1},
                         hidden_size=16, seed=5)


def plain_trainer(make_network, epochs, checkpoint=None):
    """A trainer of a new ``make_network()``: Adam, no schedule, early stopping on the validation loss."""
    return Trainer(make_network(), "adam", {"lr": 3e-3}, epochs=epochs, batch_size=64, seed=2, checkpoint=checkpoint,
                   callbacks=[EarlyStopping("val_loss", patience=50)], verbose=0)


def run_and_resume(make_network, digits, path, epochs, stop):
    """A run of ``epochs`` epochs, and the trainer resumed from a run stopped after ``stop`` (not fitted yet)."""
    (x, t), validation = digits
    reference = plain_trainer(make_network, epochs)
    reference.fit(x, t, validation_data=validation)
    plain_trainer(make_network, stop, checkpoint=path).fit(x, t, validation_data=validation)
    return reference, resume(path, epochs=epochs)


def test_a_sequential_with_a_layer_of_ones_own_resumes_bit_identically(digits, tmp_path):
    (x, t), validation = digits
    reference, resumed = run_and_resume(gated_network, digits, tmp_path / "run.npz", 4, 2)
    assert type(resumed.network) is Sequential and type(resumed.network.layers["Gate1"]) is Gate
    assert resumed.network.layers["Dropout1"].rng is resumed.network.rng
    resumed.fit(x, t, validation_data=validation)
    assert_same_run(reference, resumed)
    assert not np.array_equal(reference.network.params["a1"], np.ones(32))  # the gate trained


def test_a_convnet_resumes_bit_identically(digits, tmp_path):
    (x, t), validation = digits
    reference, resumed = run_and_resume(small_convnet, digits, tmp_path / "cnn.npz", 3, 1)
    assert type(resumed.network) is SimpleConvNet and resumed.network.conv_param["filter_num"] == 4
    resumed.fit(x, t, validation_data=validation)
    assert_same_run(reference, resumed)


def test_a_checkpoint_of_another_kind_of_network_is_refused(digits, tmp_path):
    (x, t), _ = digits
    path = tmp_path / "run.npz"
    trainer(1, checkpoint=path).fit(x, t, validation_data=digits[1])
    with pytest.raises(ValueError, match=r"holds a network of type MLP, but this one is a Sequential"):
        plain_trainer(gated_network, 2).load_checkpoint(path)
