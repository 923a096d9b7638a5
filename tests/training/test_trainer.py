"""The training loop: learning, one forward + one backward a step, determinism, divergence, output."""

import math

import numpy as np
import pytest
from minidl.datasets import MiniBatches

from minidl import MLP
from minidl.optim import Adam
from minidl.training import Callback, Trainer, TrainingDivergedError, fit


def small_network(seed=0, **options):
    return MLP(64, [32], 10, seed=seed, **options)


def test_loss_decreases_and_digits_are_learned(digits):
    (x, t), (x_test, t_test) = digits
    history = fit(small_network(), x, t, validation_data=(x_test, t_test),
                  optimizer="adam", optimizer_params={"lr": 3e-3}, epochs=6, batch_size=32, verbose=0)
    losses = history["train_loss"]
    assert all(later < earlier for earlier, later in zip(losses, losses[1:]))
    first, last = history.epoch_of_step() == 1, history.epoch_of_step() == 6
    assert np.mean(np.array(history.step_loss)[last]) < 0.5 * np.mean(np.array(history.step_loss)[first])
    assert history["val_accuracy"][-1] > 0.85


def test_trainer_equals_the_hand_written_loop(digits):
    """Same batches, one loss_and_gradient and one update a step: bit-identical parameters and losses."""
    (x, t), _ = digits
    trainer = Trainer(small_network(dropout=0.2), "adam", {"lr": 1e-3}, epochs=2, batch_size=50, seed=7, verbose=0)
    history = trainer.fit(x, t)

    network, optimizer = small_network(dropout=0.2), Adam(lr=1e-3)
    batches = MiniBatches(x, t, 50, rng=np.random.default_rng(7))
    losses = []
    for _ in range(2):
        for x_batch, t_batch in batches:
            loss, grads = network.loss_and_gradient(x_batch, t_batch)
            optimizer.update(network.params, grads)
            losses.append(loss)
    assert history.step_loss == losses
    for name, value in network.params.items():
        assert np.array_equal(trainer.network.params[name], value), name


def test_one_training_forward_pass_per_step(digits):
    (x, t), _ = digits
    network = small_network()
    training_passes = []
    original = network._forward

    def counting_forward(inputs, train):
        training_passes.append(train)
        return original(inputs, train)

    network._forward = counting_forward
    Trainer(network, epochs=2, batch_size=64, verbose=0).fit(x, t)
    assert sum(training_passes) == 2 * math.ceil(len(x) / 64)


def test_history_contents_follow_the_schedule(digits):
    (x, t), (x_test, t_test) = digits
    trainer = Trainer(small_network(), "sgd", {"lr": 0.1}, epochs=4, batch_size=100,
                      schedule="step", schedule_params={"step_size": 2, "gamma": 0.5}, verbose=0)
    history = trainer.fit(x, t, validation_data=(x_test, t_test))
    assert history["learning_rate"] == [0.1, 0.1, 0.05, 0.05]
    assert history["epoch"] == [1, 2, 3, 4]
    assert history.steps_per_epoch == [6, 6, 6, 6] and len(history.step_loss) == 24
    assert set(history.metric_names) == {"epoch", "train_loss", "train_accuracy", "val_loss",
                                         "val_accuracy", "learning_rate", "seconds", "threads"}
    assert trainer.epoch == 4


def test_a_schedule_reaching_zero_is_refused_before_the_first_step(digits, tmp_path):
    (x, t), _ = digits
    trainer = Trainer(small_network(), epochs=5, schedule="cosine", schedule_params={"total_epochs": 3},
                      checkpoint=tmp_path / "run.npz", verbose=0)
    with pytest.raises(ValueError) as caught:
        trainer.fit(x, t)
    message = str(caught.value)
    for fragment in ("CosineDecay(total_epochs=3, min_lr=0.0)", "lr = 0.0 in epoch 4 of 5",
                     "make total_epochs >= 5", "min_lr > 0"):
        assert fragment in message
    assert trainer.epoch == 0 and trainer.history.step_loss == [] and not list(tmp_path.iterdir())


def test_only_the_epochs_still_to_run_are_checked(digits, tmp_path):
    (x, t), _ = digits
    Trainer(small_network(), epochs=3, batch_size=200, schedule="cosine", schedule_params={"total_epochs": 3},
            checkpoint=tmp_path / "run.npz", verbose=0).fit(x, t)
    finished = Trainer.from_checkpoint(tmp_path / "run.npz", verbose=0)
    finished.fit(x, t)  # nothing left to run: epoch 3 and its zero rate are never reached
    assert finished.epoch == 3
    with pytest.raises(ValueError, match="in epoch 4 of 4"):
        Trainer.from_checkpoint(tmp_path / "run.npz", epochs=4, verbose=0).fit(x, t)
    # A schedule function is checked the same way.
    with pytest.raises(ValueError, match=r"lr = -0.999 in epoch 2 of 2 .*train fewer epochs"):
        Trainer(small_network(), epochs=2, schedule=lambda lr0, epoch: lr0 - epoch, verbose=0).fit(x, t)


def test_same_seeds_same_run_other_seed_other_run(digits):
    (x, t), _ = digits
    runs = [Trainer(small_network(dropout=0.3), epochs=1, seed=seed, verbose=0).fit(x, t).step_loss
            for seed in (3, 3, 4)]
    assert runs[0] == runs[1]
    assert runs[0] != runs[2]


def test_batch_larger_than_the_data_is_full_batch_descent(digits):
    (x, t), _ = digits
    history = Trainer(small_network(), epochs=3, batch_size=10_000, verbose=0).fit(x, t)
    assert history.steps_per_epoch == [1, 1, 1]


def test_training_accuracy_on_a_fixed_subset(digits):
    (x, t), _ = digits
    network = small_network()
    trainer = Trainer(network, epochs=1, evaluation_size=100, verbose=0)
    history = trainer.fit(x, t)
    # 600 samples, at most 100 measured: every 6th one.
    expected = np.mean(network.predict(x[::6]).argmax(axis=1) == t[::6])
    assert history["train_accuracy"][0] == pytest.approx(expected)


def test_nan_loss_stops_with_epoch_and_step(digits):
    (x, t), _ = digits

    class PoisonWeights(Callback):
        def on_epoch_end(self, trainer, epoch, metrics):
            if epoch == 2:
                trainer.network.params["W1"][0, 0] = np.nan

    trainer = Trainer(small_network(), epochs=5, batch_size=100, callbacks=[PoisonWeights()], verbose=0)
    with pytest.raises(TrainingDivergedError, match=r"epoch 3, step 1/6.*lower learning rate") as caught:
        trainer.fit(x, t)
    assert (caught.value.epoch, caught.value.step) == (3, 1)
    assert len(caught.value.history) == 2 and trainer.epoch == 2


def test_huge_learning_rate_is_reported_not_warned(digits):
    (x, t), _ = digits
    trainer = Trainer(small_network(), "sgd", {"lr": 1e30}, epochs=3, batch_size=50, verbose=0)
    with pytest.raises(TrainingDivergedError, match="learning rate 1e\\+30"):
        trainer.fit(x, t)


@pytest.mark.parametrize("settings, message", [
    ({"epochs": 0}, "epochs must be a whole number >= 1"),
    ({"batch_size": 0}, "batch_size must be a whole number >= 1"),
    ({"optimizer": "nope"}, "unknown optimizer"),
    ({"schedule_params": {"gamma": 0.5}}, "schedule_params only apply"),
])
def test_bad_settings_are_refused(settings, message):
    with pytest.raises(ValueError, match=message):
        Trainer(small_network(), **settings)


def test_bad_data_is_refused(digits):
    (x, t), _ = digits
    trainer = Trainer(small_network(), verbose=0)
    with pytest.raises(ValueError, match="features"):
        trainer.fit(x[:, :10], t)
    with pytest.raises(ValueError, match="labels but the batch has"):
        trainer.fit(x, t[:-1])
    with pytest.raises(ValueError, match="pair"):
        trainer.fit(x, t, validation_data=x)


def test_output_one_line_per_epoch_when_not_a_terminal_and_none_when_quiet(digits, capsys):
    (x, t), _ = digits
    Trainer(small_network(), epochs=2, verbose=1).fit(x, t)
    captured = capsys.readouterr()
    lines = captured.err.splitlines()
    assert captured.out == "" and len(lines) == 2 and "\r" not in captured.err
    assert lines[1].startswith("epoch 2/2: train_loss")
    Trainer(small_network(), epochs=2, verbose=0).fit(x, t)
    assert capsys.readouterr() == ("", "")


def test_the_trainer_runs_the_unchecked_loss_and_gradient_which_a_subclass_may_override(digits):
    # fit checks the data once; each step then calls _loss_and_gradient, loss_and_gradient without the check.
    class Penalised(MLP):
        def _loss_and_gradient(self, x, t):
            loss, grads = super()._loss_and_gradient(x, t)
            return loss + 1.0, grads

    (x, t), _ = digits
    reference = Trainer(small_network(), epochs=2, verbose=0).fit(x, t)
    history = Trainer(Penalised(**small_network().config), epochs=2, verbose=0).fit(x, t)
    np.testing.assert_allclose(history.step_loss, np.array(reference.step_loss) + 1.0, rtol=1e-12)


