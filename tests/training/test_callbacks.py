"""EarlyStopping: when it stops, and that it gives back the best weights."""

from types import SimpleNamespace

import numpy as np
import pytest

from minidl import MLP
from minidl.training import Callback, EarlyStopping, Trainer


class CounterNetwork:
    """Stands in for a network: its whole state is one number, set by the test."""

    def __init__(self):
        self.value = np.zeros(1)

    def state_dict(self):
        return {"value": self.value}  # the live array, as a careless network might return

    def load_state_dict(self, state):
        self.value[...] = state["value"]


def run_sequence(callback, values, monitor="val_loss"):
    trainer = SimpleNamespace(network=CounterNetwork(), stop_training=False, verbose=0)
    for epoch, value in enumerate(values, start=1):
        trainer.network.value[...] = epoch  # the "weights" after this epoch
        callback.on_epoch_end(trainer, epoch, {monitor: value})
        if trainer.stop_training:
            break
    callback.on_train_end(trainer)
    return epoch, trainer.network.value[0]


def test_stops_after_patience_epochs_without_improvement_and_restores_the_best():
    stopping = EarlyStopping("val_loss", patience=2)
    stopped_at, weights = run_sequence(stopping, [1.0, 0.5, 0.6, 0.55, 0.7, 0.1])
    assert stopped_at == 5 and stopping.stopped_epoch == 5
    assert stopping.best_epoch == 2 and stopping.best == 0.5
    assert weights == 2  # epoch 2's state, not the live array overwritten afterwards


def test_accuracy_is_maximised_and_min_delta_ignores_small_gains():
    stopping = EarlyStopping("val_accuracy", patience=0, min_delta=0.01)
    stopped_at, weights = run_sequence(stopping, [0.90, 0.905, 0.95], monitor="val_accuracy")
    assert stopped_at == 2 and weights == 1


def test_nan_never_improves():
    stopping = EarlyStopping(patience=0)
    stopped_at, weights = run_sequence(stopping, [0.3, float("nan")])
    assert stopped_at == 2 and weights == 1


def test_without_restore_the_last_weights_stay():
    stopped_at, weights = run_sequence(EarlyStopping(patience=0, restore_best_weights=False), [0.3, 0.4])
    assert (stopped_at, weights) == (2, 2)


def test_missing_metric_says_validation_data_is_needed():
    with pytest.raises(ValueError, match="validation_data"):
        run_sequence(EarlyStopping("val_loss"), [0.1], monitor="train_loss")


@pytest.mark.parametrize("settings", [{"patience": -1}, {"patience": 1.5}, {"min_delta": -0.1}, {"mode": "up"}])
def test_bad_settings_are_refused(settings):
    with pytest.raises(ValueError):
        EarlyStopping(**settings)


def test_training_ends_with_the_weights_of_the_best_validation_epoch(digits):
    (x, t), (x_test, t_test) = digits

    class RecordStates(Callback):
        def __init__(self):
            self.states = {}

        def on_epoch_end(self, trainer, epoch, metrics):
            self.states[epoch] = trainer.network.state_dict()

    recorder, stopping = RecordStates(), EarlyStopping("val_loss", patience=1)
    # A large learning rate on few samples overfits quickly, so val_loss turns up.
    trainer = Trainer(MLP(64, [128], 10, seed=0), "adam", {"lr": 0.02}, epochs=40, batch_size=20,
                      callbacks=[recorder, stopping], verbose=0)
    history = trainer.fit(x[:300], t[:300], validation_data=(x_test, t_test))
    assert stopping.stopped_epoch == len(history) < 40
    best_epoch = history.best("val_loss")["epoch"]
    assert stopping.best_epoch == best_epoch < len(history)
    for name, value in trainer.network.state_dict().items():
        assert np.array_equal(value, recorder.states[best_epoch][name]), name


def test_validation_metric_without_validation_data_fails_before_training(digits):
    (x, t), _ = digits
    trainer = Trainer(MLP(64, [8], 10), epochs=3, callbacks=[EarlyStopping("val_accuracy")], verbose=0)
    with pytest.raises(ValueError, match="pass validation_data"):
        trainer.fit(x, t)
    assert trainer.epoch == 0


def test_one_early_stopping_object_serves_two_fresh_runs_like_two_new_ones(digits):
    (x, t), validation = digits

    def run(stopping, seed):
        trainer = Trainer(MLP(64, [32], 10, seed=seed), "adam", {"lr": 0.01}, epochs=12, batch_size=64,
                          callbacks=[stopping], verbose=0)
        trainer.fit(x[:400], t[:400], validation_data=validation)
        return trainer

    shared = EarlyStopping(patience=2)
    run(shared, seed=0)
    second, fresh = run(shared, seed=1), run(EarlyStopping(patience=2), seed=1)
    # Before the fix the second run inherited the first one's best loss: it stopped at once
    # and was handed the first network's weights.
    assert second.epoch == fresh.epoch > 3 and shared.best_epoch == fresh.callbacks[0].best_epoch
    for name, value in fresh.network.params.items():
        assert np.array_equal(second.network.params[name], value), name


def test_kept_weights_are_never_loaded_into_another_network():
    stopping = EarlyStopping(patience=5)
    run_sequence(stopping, [0.5, 0.4])  # keeps "weights" 2 of its own network
    other = SimpleNamespace(network=CounterNetwork(), stop_training=False, verbose=0)
    other.network.value[...] = 7
    stopping.on_train_end(other)
    assert other.network.value[0] == 7


def test_a_resumed_run_keeps_the_restored_state_and_adopts_its_network():
    saved = EarlyStopping(patience=5)
    run_sequence(saved, [0.5, 0.4, 0.45])
    resumed = EarlyStopping(patience=5)
    resumed.load_state_dict(saved.state_dict())
    trainer = SimpleNamespace(network=CounterNetwork(), stop_training=False, verbose=0, epoch=3)
    resumed.on_train_begin(trainer)  # epoch 3: a resumed run, not a fresh one
    assert (resumed.best, resumed.best_epoch, resumed.epochs_without_improvement) == (0.4, 2, 1)
    resumed.on_train_end(trainer)
    assert trainer.network.value[0] == 2  # the checkpoint's best weights, into the resumed network


def test_early_stopping_still_pickles_and_copies():
    import copy
    import pickle

    stopping = EarlyStopping(patience=5)
    run_sequence(stopping, [0.5, 0.4])
    for twin in (pickle.loads(pickle.dumps(stopping)), copy.deepcopy(stopping)):
        assert (twin.best, twin.best_epoch) == (0.4, 2) and twin.best_state["value"][0] == 2
