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
