"""The resume policy (minidl.training.resume): what a resumed run keeps, which requests conflict."""

import pytest

from minidl import MLP, SimpleConvNet
from minidl.training import Trainer
from minidl.training.resume import Conflict, resume_conflicts, saved_settings


def mlp_trainer(**settings):
    network = MLP(64, [8], 10, activation="tanh", dropout=0.1, seed=3)
    return Trainer(network, "momentum", {"lr": 0.05, "momentum": 0.8}, epochs=2, batch_size=64, seed=3, verbose=0,
                   **settings)


def test_saved_settings_of_an_mlp_run():
    trainer = mlp_trainer(schedule="Step", schedule_params={"step_size": 1})
    trainer.metadata = {"dataset": "Digits", "validation_fraction": 0.2}
    saved = saved_settings(trainer)
    assert {name: saved[name] for name in ("dataset", "validation_fraction", "network", "hidden_sizes", "activation",
                                           "dropout", "seed", "optimizer", "lr", "schedule", "batch_size")} == {
        "dataset": "digits", "validation_fraction": 0.2, "network": "MLP", "hidden_sizes": (8,),
        "activation": "tanh", "dropout": 0.1, "seed": 3, "optimizer": "momentum", "lr": 0.05, "schedule": "step",
        "batch_size": 64}
    assert saved["optimizer_params"]["momentum"] == 0.8
    assert saved["schedule_params"]["step_size"] == 1


def test_saved_settings_of_a_convnet_take_the_convolution_settings_one_by_one():
    network = SimpleConvNet(input_dim=(1, 8, 8), conv_param={"filter_num": 4, "filter_size": 3, "pad": 1},
                            hidden_size=16)
    saved = saved_settings(Trainer(network, verbose=0))
    assert saved["network"] == "SimpleConvNet" and saved["input_dim"] == (1, 8, 8)
    assert (saved["filter_num"], saved["filter_size"], saved["pad"], saved["stride"], saved["hidden_size"]) == (
        4, 3, 1, 1, 16)
    assert saved["dataset"] == "none"  # no metadata: a run started from Python


def test_conflicts_are_the_requests_that_differ_in_the_order_asked():
    saved = {"lr": 0.01, "batch_size": 32, "hidden_sizes": (8,), "optimizer_params": {"lr": 0.01, "beta1": 0.9}}
    assert resume_conflicts(saved, {"lr": 0.01, "hidden_sizes": (8,), "optimizer_params": {"beta1": 0.9}}) == []
    assert resume_conflicts(saved, {"batch_size": 64, "lr": 0.5, "hidden_sizes": (8,)}) == [
        Conflict("batch_size", None, 64, 32), Conflict("lr", None, 0.5, 0.01)]


def test_optimizer_params_conflict_one_hyperparameter_at_a_time():
    saved = {"optimizer_params": {"lr": 0.01, "beta1": 0.9, "beta2": 0.999}}
    assert resume_conflicts(saved, {"optimizer_params": {"beta1": 0.5, "beta2": 0.999, "gamma": 2}}) == [
        Conflict("optimizer_params", "beta1", 0.5, 0.9), Conflict("optimizer_params", "gamma", 2, None)]


def test_a_setting_the_checkpoint_does_not_have_conflicts_with_any_request():
    assert resume_conflicts({}, {"filter_num": 30}) == [Conflict("filter_num", None, 30, None)]


def test_from_checkpoint_refuses_a_schedule_name_it_would_ignore(digits, tmp_path):
    (x, t), _ = digits
    path = tmp_path / "run.npz"
    mlp_trainer(schedule="step", schedule_params={"step_size": 1}, checkpoint=path).fit(x, t)
    with pytest.raises(ValueError, match=r"checkpoint '.*run.npz' continues its run with its schedule 'step', so "
                                         r"schedule='cosine' would be ignored: drop it, or train a new Trainer"):
        Trainer.from_checkpoint(path, schedule="cosine", verbose=0)
    resumed = Trainer.from_checkpoint(path, epochs=3, schedule="Step", verbose=0)  # the saved name: fine
    assert resumed.schedule_spec["name"].lower() == "step" and resumed.epoch == 2


def test_from_checkpoint_refuses_a_schedule_for_a_run_without_one(digits, tmp_path):
    (x, t), _ = digits
    path = tmp_path / "plain.npz"
    mlp_trainer(checkpoint=path).fit(x, t)
    with pytest.raises(ValueError, match=r"continues its run with no schedule, so schedule='step' would be ignored"):
        Trainer.from_checkpoint(path, schedule="step", verbose=0)
