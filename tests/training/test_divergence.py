"""The divergence rule: it stops blow-ups that stay finite, names their cause, and never stops healthy training."""

import math

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

from minidl import MLP, optim
from minidl.experiments import compare_batchnorm, overfitting, random_search
from minidl.training import Trainer, TrainingDivergedError
from minidl.training.divergence import LIMIT_FACTOR, training_mode_loss

OPTIMIZERS = sorted(optim.available())


@pytest.fixture(autouse=True, scope="module")
def one_blas_thread():
    # Many small runs: several BLAS threads only slow these matrices down, badly on a busy machine.
    with threadpool_limits(limits=1, user_api="blas"):
        yield


def reference(history, classes=10):
    """The rule's reference: the first step's loss, at least ln(classes)."""
    return max(history.step_loss[0], math.log(classes))


def assert_healthy(trainer, x, t):
    """Training runs to the end, and no single step comes near the limit (a margin, not a lucky window)."""
    history = trainer.fit(x, t)
    assert trainer.epoch == trainer.epochs
    assert max(history.step_loss) < LIMIT_FACTOR / 2 * reference(history)


# ============================================================ never on healthy training
@pytest.mark.parametrize("name", OPTIMIZERS)
def test_every_optimizer_at_its_default_rate_trains_on(name, digits):
    (x, t), _ = digits
    assert_healthy(Trainer(MLP(64, [32], 10, seed=0), name, epochs=2, batch_size=32, verbose=0), x, t)


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_dropout_batchnorm_and_a_schedule_train_on(name, digits):
    (x, t), _ = digits
    network = MLP(64, [32, 32], 10, dropout=0.2, batchnorm=True, seed=1)
    trainer = Trainer(network, name, epochs=3, batch_size=16, schedule="step", schedule_params={"step_size": 1},
                      verbose=0)
    assert_healthy(trainer, x, t)


def test_single_samples_and_full_batches_train_on(digits):
    (x, t), _ = digits
    assert_healthy(Trainer(MLP(64, [32], 10, dropout=0.2, seed=0), "sgd", epochs=1, batch_size=1, verbose=0), x, t)
    network = MLP(64, [32], 10, weight_decay=0.1, seed=0)
    assert_healthy(Trainer(network, "adam", epochs=4, batch_size=len(x), schedule="cosine",
                           schedule_params={"total_epochs": 4}, verbose=0), x, t)


def test_batchnorm_lagging_in_evaluation_mode_is_not_taken_for_divergence(digits):
    # One full-batch step an epoch from large weights: the running statistics lag far behind,
    # so the evaluation-mode loss is hundreds of times the reference while training is fine.
    (x, t), _ = digits
    network = MLP(64, [100] * 4, 10, weight_init=1.0, batchnorm=True, seed=0)
    trainer = Trainer(network, "sgd", epochs=2, batch_size=len(x), verbose=0)
    assert_healthy(trainer, x, t)
    assert trainer.history["train_loss"][0] > LIMIT_FACTOR * reference(trainer.history)


@pytest.mark.parametrize("name, lr", [("rmsprop", 0.1), ("adagrad", 1.0)])
def test_a_spike_that_recovers_is_not_stopped(name, lr, digits):
    # Adaptive rates far above their defaults: a few steps far above the limit, then the
    # accumulated squared gradients shrink the steps and the network learns.
    (x, t), _ = digits
    trainer = Trainer(MLP(64, [256], 10, seed=0), name, {"lr": lr}, epochs=3, batch_size=32, verbose=0)
    history = trainer.fit(x, t)
    assert max(history.step_loss) > 10 * LIMIT_FACTOR * reference(history)  # ten times the limit
    assert history["train_accuracy"][-1] > 0.9


@pytest.mark.parametrize("name, lr", [("sgd", 0.01), ("momentum", 0.01), ("adagrad", 0.01), ("adam", 0.001)])
def test_the_optimizer_comparison_settings_train_on(name, lr, digits):
    (x, t), _ = digits
    network = MLP(64, [100] * 4, 10, seed=0)
    assert_healthy(Trainer(network, name, {"lr": lr}, epochs=2, batch_size=128, verbose=0), x, t)


@pytest.mark.parametrize("weight_init", [0.01, "xavier", "he"])
def test_the_initialisation_comparison_settings_train_on(weight_init, digits):
    (x, t), _ = digits
    network = MLP(64, [100] * 4, 10, weight_init=weight_init, seed=0)
    assert_healthy(Trainer(network, "sgd", {"lr": 0.01}, epochs=2, batch_size=128, verbose=0), x, t)


def test_the_experiments_that_use_the_trainer_are_not_cut_short():
    # A run the rule stopped would leave NaN in these curves.
    batchnorm = compare_batchnorm(weight_scales=(1.0, 0.1, 0.01), samples=200, epochs=3, progress=False)
    overfit = overfitting(samples=200, epochs=3, progress=False)
    search = random_search(trials=1, learning_rate_range=(0.1, 0.1), weight_decay_range=(1e-4, 1e-4),
                           samples=200, epochs=3, progress=False)  # the search's largest values
    assert np.isfinite(batchnorm.train_accuracy[:, 1]).all()  # with batch normalisation
    assert np.isfinite(batchnorm.train_accuracy[1:, 0]).all()  # without it, weight scale 1.0 overflows to NaN
    assert np.isfinite(overfit.train_accuracy).all() and np.isfinite(search.validation_accuracy).all()


# ============================================================ fires on blow-ups
@pytest.mark.parametrize("name, lr, default", [
    ("sgd", 1e6, "0.01 (the default of SGD)"), ("sgd", 100, "0.01"), ("momentum", 100, "0.01"),
    ("adagrad", 100, "0.01"), ("rmsprop", 10, "0.01"), ("adam", 10, "0.001 (the default of Adam)"),
    ("adamw", 10, "0.001"), ("adadelta", 1e4, "1 (the default of AdaDelta)"),
])
def test_a_finite_blow_up_stops_within_the_first_epoch(name, lr, default, digits):
    (x, t), _ = digits
    network = MLP(64, [256], 10, seed=0)  # the quick start's
    trainer = Trainer(network, name, {"lr": lr}, epochs=40, batch_size=32, verbose=0)
    with pytest.raises(TrainingDivergedError) as caught:
        trainer.fit(x, t)
    message = str(caught.value)
    assert caught.value.epoch == 1 and caught.value.step >= 10  # a full window of 10 steps
    limit = LIMIT_FACTOR * reference(trainer.history)
    assert message.startswith(f"training diverged: the loss stayed above {limit:.3g} (10 x ")
    assert f"at epoch 1, step {caught.value.step}/19 (learning rate {lr:.3g}); try a lower learning rate, " \
        f"e.g. {default}" in message
    assert np.isfinite(trainer.history.step_loss).all()  # it never became NaN: the old check would have run on


def test_the_learning_rate_cannot_be_blamed_at_the_very_first_step(digits):
    (x, t), _ = digits
    causes = {
        "the initial weights are too large (weight_init=1e+19)": (MLP(64, [32], 10, weight_init=1e19), x),
        "the inputs are large (|x| up to 1e+38); scale them to about [0, 1], e.g. x / 1e+38": (MLP(64, [32], 10),
                                                                                            x * 1e38),
        "the weight decay 1e+308 makes the penalty overflow": (MLP(64, [32], 10, weight_decay=1e308), x),
    }
    for cause, (network, inputs) in causes.items():
        with pytest.raises(TrainingDivergedError) as caught:
            Trainer(network, "sgd", epochs=1, verbose=0).fit(inputs, t)
        assert (caught.value.epoch, caught.value.step) == (1, 1)
        before = "at the very first step (epoch 1, step 1/6), before any update, so the learning rate is not the cause"
        assert f"{before}; {cause}" in str(caught.value)


def test_a_finite_start_a_million_times_above_guessing_is_refused_at_once(digits):
    (x, t), _ = digits
    with pytest.raises(TrainingDivergedError, match=r"the loss is \S+ at the very first step \(epoch 1, step 1/6\), "
                       r"before any update, more than 1e\+06 times the 2\.3 of a network that guesses, so the "
                       r"learning rate is not the cause; the inputs are large \(\|x\| up to 1e\+30\)"):
        Trainer(MLP(64, [32], 10), "sgd", epochs=1, verbose=0).fit(x * 1e30, t)


def test_a_start_far_above_guessing_is_named_beside_the_learning_rate(digits, monkeypatch):
    import minidl.training.divergence

    # A start far above guessing that then blows up after an update: inputs times 1e36, with the
    # refusal of a hopeless start (the test above) lifted to reach the step where the rate is blamed.
    monkeypatch.setattr(minidl.training.divergence, "HOPELESS_START", float("inf"))
    (x, t), _ = digits
    with pytest.raises(TrainingDivergedError, match=r"step 2/6 .*e\.g\. 0\.001; but the loss of the very first step, "
                       r".*was already far above the 2\.3 of a network that guesses: the inputs are large"):
        Trainer(MLP(64, [32], 10), "sgd", epochs=1, verbose=0).fit(x * 1e36, t)


def test_a_weight_decay_that_overshoots_is_named(digits):
    (x, t), _ = digits
    with pytest.raises(TrainingDivergedError, match=r"or a smaller weight decay: 5 x the learning rate is above 1"):
        Trainer(MLP(64, [32], 10, weight_decay=5.0), "sgd", {"lr": 1.0}, epochs=5, verbose=0).fit(x, t)


# ============================================================ the last good epoch survives
@pytest.mark.parametrize("batch_size", [50, 600], ids=["12-steps", "full-batch"])
def test_continuing_a_good_checkpoint_at_a_crazy_rate_leaves_it_byte_identical(batch_size, digits, tmp_path):
    (x, t), _ = digits
    path = tmp_path / "run.npz"
    Trainer(MLP(64, [32], 10, seed=0), "sgd", {"lr": 0.1}, epochs=1, batch_size=batch_size, checkpoint=path,
            verbose=0).fit(x, t)
    good = path.read_bytes()
    resumed = Trainer.from_checkpoint(path, epochs=3, checkpoint=path, verbose=0)
    resumed.optimizer.lr = 1e6
    with pytest.raises(TrainingDivergedError) as caught:
        resumed.fit(x, t)
    assert caught.value.epoch == 2 and path.read_bytes() == good
    assert sorted(tmp_path.iterdir()) == [path]
    # With one step an epoch, only the check of the final weights (rule 3) can see it before the checkpoint.
    if batch_size == 600:
        assert caught.value.step is None and "the loss of the final weights" in str(caught.value)
    else:
        assert caught.value.step == 11 and "for 10 steps in a row" in str(caught.value)  # from step 2


def test_measuring_in_training_mode_leaves_no_trace(digits):
    (x, t), _ = digits
    network = MLP(64, [32], 10, dropout=0.5, batchnorm=True, seed=0)
    Trainer(network, epochs=1, verbose=0).fit(x, t)
    state, generator = network.state_dict(), network.rng.bit_generator.state
    first, second = training_mode_loss(network, x[:50], t[:50]), training_mode_loss(network, x[:50], t[:50])
    assert first == second  # the same dropout masks: the generator was put back
    assert network.rng.bit_generator.state == generator
    assert all(np.array_equal(value, network.state_dict()[name]) for name, value in state.items())
