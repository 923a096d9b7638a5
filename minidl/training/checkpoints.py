"""What a training checkpoint holds, and how a trainer is put back from one.

A checkpoint must let training continue *bit for bit* as if it had never
stopped. That takes more than the weights:

* the network: architecture (``config``), ``state_dict()`` (weights and
  batch-norm running statistics) and its random generator (dropout masks);
* the optimizer: name, hyperparameters and ``state_dict()`` (e.g. Adam's
  moment estimates and step count);
* the trainer: epochs done, its random generator (batch order), batch size,
  seed, initial learning rate and the schedule's name and settings;
* the history so far and the state of every callback (e.g. the best
  weights kept by early stopping).

Random generators are saved through ``generator.bit_generator.state``, a
plain dict of integers: restoring it makes the generator continue the very
same sequence of numbers. Checkpoints are written at epoch boundaries only,
so there is never a half-finished epoch to resume.

:mod:`minidl.serialization` turns this nested dict into an ``.npz`` file.
"""

from __future__ import annotations

from minidl import optim
from minidl.training.history import History


def trainer_state(trainer):
    """The nested dict (arrays and JSON values) describing ``trainer`` now."""
    network, optimizer = trainer.network, trainer.optimizer
    return {
        "network": {
            "config": network.config,
            "state": network.state_dict(),
            "rng": network.rng.bit_generator.state,
        },
        "optimizer": {
            "name": registered_name(optimizer),
            "hyperparameters": optimizer.hyperparameters,
            "state": optimizer.state_dict(),
        },
        "trainer": {
            "epoch": trainer.epoch,
            "epochs": trainer.epochs,
            "batch_size": trainer.batch_size,
            "seed": trainer.seed,
            "evaluation_size": trainer.evaluation_size,
            "initial_lr": trainer.initial_lr,
            "schedule": trainer.schedule_spec,
            "has_schedule": trainer.schedule is not None,
            "rng": trainer.rng.bit_generator.state,
            "metadata": trainer.metadata,
        },
        "history": trainer.history.to_dict(),
        "callbacks": [{"type": type(callback).__name__, "state": callback.state_dict()}
                      for callback in trainer.callbacks],
    }


def registered_name(optimizer):
    """The registry name of ``optimizer``'s class, or None for an unregistered class."""
    for name, cls in optim.available().items():
        if type(optimizer) is cls:
            return name
    return None


def build_trainer(trainer_class, state, path, **settings):
    """A new ``trainer_class`` with the network and optimizer rebuilt from ``state``, restored.

    ``settings`` are the trainer arguments a checkpoint does not fix
    (``epochs``, which defaults to the saved total, ``schedule``,
    ``callbacks``, ``checkpoint``, ``verbose``).
    """
    from minidl.network import MLP  # late: the network module is not needed to save

    try:
        network = MLP.from_config(state["network"]["config"])
        saved_optimizer, saved_epochs = state["optimizer"], state["trainer"]["epochs"]
    except (KeyError, TypeError) as exc:
        raise ValueError(f"checkpoint {path!r} is incomplete or not a trainer checkpoint ({exc})") from exc
    if saved_optimizer["name"] is None:
        raise ValueError(
            f"checkpoint {path!r} was trained with {saved_optimizer['state'].get('optimizer')}, which is not "
            "registered: decorate its class with @minidl.optim.register, or build the trainer yourself "
            "and call trainer.load_checkpoint(path)"
        )
    optimizer = optim.get(saved_optimizer["name"], **saved_optimizer["hyperparameters"])
    settings["epochs"] = settings.get("epochs") or saved_epochs
    trainer = trainer_class(network, optimizer, **settings)
    restore_trainer(trainer, state, path)
    return trainer


def restore_trainer(trainer, state, path):
    """Load ``state`` (from :func:`trainer_state`) into ``trainer``; ``path`` is for messages."""
    try:
        network_part, optimizer_part = state["network"], state["optimizer"]
        settings, callbacks = state["trainer"], state["callbacks"]
        history = History.from_dict(state["history"])
    except (KeyError, TypeError) as exc:
        raise ValueError(f"checkpoint {path!r} is incomplete or not a trainer checkpoint (missing {exc})") from exc
    _check_same_architecture(trainer.network.config, network_part["config"], path)
    saved_class = str(optimizer_part["state"].get("optimizer"))
    if saved_class != type(trainer.optimizer).__name__:
        raise ValueError(
            f"checkpoint {path!r} was trained with {saved_class}, but this trainer uses "
            f"{type(trainer.optimizer).__name__}; resume with the same optimizer"
        )
    if settings["has_schedule"] and settings["schedule"] is None and trainer.schedule is None:
        raise ValueError(
            f"checkpoint {path!r} was trained with a schedule function, which cannot be saved; "
            "pass the same function again as schedule=..."
        )

    trainer.network.load_state_dict(network_part["state"])
    trainer.network.rng.bit_generator.state = network_part["rng"]
    trainer.optimizer.load_state_dict(optimizer_part["state"])

    spec = settings["schedule"]
    if spec is not None:
        trainer.schedule_spec = spec
        trainer.schedule = optim.get_schedule(spec["name"], **spec["params"])
    elif not settings["has_schedule"]:
        trainer.schedule_spec, trainer.schedule = None, None
    trainer.epoch = int(settings["epoch"])
    trainer.batch_size = int(settings["batch_size"])
    trainer.seed = int(settings["seed"])
    trainer.evaluation_size = settings["evaluation_size"]
    trainer.initial_lr = float(settings["initial_lr"])
    trainer.rng.bit_generator.state = settings["rng"]
    trainer.metadata = dict(settings["metadata"])
    trainer.history = history
    for callback, saved in zip(trainer.callbacks, callbacks):
        if type(callback).__name__ == saved["type"]:
            callback.load_state_dict(saved["state"])


def _check_same_architecture(current, saved, path):
    # The seed only chose the initial weights, which the checkpoint replaces.
    keys = sorted((set(current) | set(saved)) - {"seed"})
    if all(current.get(key) == saved.get(key) for key in keys):
        return
    differences = [f"{key}: saved {saved.get(key)!r}, this network {current.get(key)!r}"
                   for key in keys if current.get(key) != saved.get(key)]
    raise ValueError(
        f"checkpoint {path!r} holds a different network ({'; '.join(differences)}); "
        "build the network with the saved settings or use Trainer.from_checkpoint"
    )
