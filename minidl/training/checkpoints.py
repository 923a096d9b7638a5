"""What a training checkpoint holds, and how a trainer is put back from one.

A checkpoint must let training continue *bit for bit* as if it had never
stopped. That takes more than the weights:

* the network: architecture (its registered ``type`` and ``config``), ``state_dict()`` (weights and
  batch-norm running statistics) and its random generator (dropout masks);
* the optimizer: name, hyperparameters and ``state_dict()`` (e.g. Adam's
  moment estimates and step count);
* the trainer: epochs done, its random generator (batch order), batch size,
  seed, initial learning rate, the schedule's name and settings, and the BLAS
  thread count it ran on (the last bits of a product depend on it);
* the history so far and the state of every callback (e.g. the best
  weights kept by early stopping).

Random generators are saved through ``generator.bit_generator.state``, a
plain dict of integers: restoring it makes the generator continue the very
same sequence of numbers. Checkpoints are written at epoch boundaries only,
so there is never a half-finished epoch to resume.

:mod:`minidl.serialization` turns this nested dict into an ``.npz`` file.
"""

from __future__ import annotations

import numpy as np

from minidl import optim
from minidl.protocols import build_network
from minidl.settings import Integer, Real, check
from minidl.training.history import History


def trainer_state(trainer):
    """The nested dict (arrays and JSON values) describing ``trainer`` now."""
    network, optimizer = trainer.network, trainer.optimizer
    architecture = network.architecture()
    return {
        "network": {
            "type": architecture["type"],
            "config": architecture["config"],
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
            "threads": trainer.threads_in_effect,
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
    try:
        network = build_network(state["network"].get("type"), state["network"]["config"])
    except ValueError as exc:
        raise ValueError(f"checkpoint {path!r} does not hold a valid network ({exc})") from exc
    except (KeyError, TypeError, AttributeError, IndexError) as exc:
        raise _damaged(path, exc) from exc
    try:
        saved_optimizer, saved_epochs = state["optimizer"], state["trainer"]["epochs"]
        name, hyperparameters = saved_optimizer["name"], dict(saved_optimizer["hyperparameters"])
        if name is None:
            raise ValueError(
                f"checkpoint {path!r} was trained with {saved_optimizer['state'].get('optimizer')}, which is not "
                "registered: decorate its class with @minidl.optim.register, or build the trainer yourself "
                "and call trainer.load_checkpoint(path)"
            )
        optimizer = optim.get(name, **hyperparameters)
    except (KeyError, TypeError, AttributeError, IndexError) as exc:
        raise _damaged(path, exc) from exc
    settings["epochs"] = settings.get("epochs") or saved_epochs
    trainer = trainer_class(network, optimizer, **settings)
    restore_trainer(trainer, state, path)
    return trainer


def restore_trainer(trainer, state, path):
    """Load ``state`` (from :func:`trainer_state`) into ``trainer``; ``path`` is for messages.

    A damaged or hand-edited file raises a ``ValueError`` naming ``path``,
    never a ``KeyError`` from deep inside. The trainer's own settings, the
    generators and the history are checked before anything changes; a state
    that the network's, the optimizer's or a callback's ``load_state_dict``
    refuses can leave the trainer partly restored, so build it anew then.
    """
    try:
        saved = _read(trainer, state, path)
        trainer.network.load_state_dict(saved["network_state"])
        try:
            trainer.optimizer.load_state_dict(saved["optimizer_state"])
        except ValueError as exc:
            raise ValueError(f"checkpoint {path!r} holds a damaged optimizer state: {exc}") from exc
        for callback, saved_callback in zip(trainer.callbacks, saved["callbacks"]):
            if type(callback).__name__ == saved_callback["type"]:
                callback.load_state_dict(saved_callback["state"])
    except (KeyError, TypeError, AttributeError, IndexError) as exc:
        raise _damaged(path, exc) from exc
    # Checked values only from here on: nothing below can fail half-way.
    trainer.network.rng.bit_generator.state = saved["network_rng"]
    if saved["schedule_spec"] is not None:
        trainer.schedule_spec, trainer.schedule = saved["schedule_spec"], saved["schedule"]
    elif not saved["has_schedule"]:
        trainer.schedule_spec, trainer.schedule = None, None
    for name in ("epoch", "batch_size", "seed", "evaluation_size", "initial_lr", "metadata", "history",
                 "threads_in_effect"):
        setattr(trainer, name, saved[name])
    trainer.rng.bit_generator.state = saved["rng"]


def _read(trainer, state, path):
    """Every part of ``state`` that :func:`restore_trainer` needs, checked and converted."""
    network_part, optimizer_part = state["network"], state["optimizer"]
    settings, callbacks = state["trainer"], list(state["callbacks"])
    _check_same_architecture(trainer.network.architecture(), network_part, path)
    saved_class = str(optimizer_part["state"].get("optimizer"))
    if saved_class != type(trainer.optimizer).__name__:
        raise ValueError(
            f"checkpoint {path!r} was trained with {saved_class}, but this trainer uses "
            f"{type(trainer.optimizer).__name__}; resume with the same optimizer"
        )
    has_schedule, spec = bool(settings["has_schedule"]), settings["schedule"]
    if has_schedule and spec is None and trainer.schedule is None:
        raise ValueError(
            f"checkpoint {path!r} was trained with a schedule function, which cannot be saved; "
            "pass the same function again as schedule=..."
        )
    evaluation_size, threads = settings["evaluation_size"], settings.get("threads")  # older files lack threads
    return {
        "network_state": network_part["state"],
        "network_rng": _generator_state(network_part["rng"], "network.rng", path),
        "optimizer_state": optimizer_part["state"],
        "has_schedule": has_schedule,
        "schedule_spec": spec,
        "schedule": None if spec is None else optim.get_schedule(spec["name"], **spec["params"]),
        "epoch": _whole_number(settings["epoch"], "trainer.epoch", path, minimum=0),
        "batch_size": _whole_number(settings["batch_size"], "trainer.batch_size", path, minimum=1),
        "seed": _whole_number(settings["seed"], "trainer.seed", path, minimum=0),
        "evaluation_size": None if evaluation_size is None else _whole_number(
            evaluation_size, "trainer.evaluation_size", path, minimum=1),
        "initial_lr": _positive_number(settings["initial_lr"], "trainer.initial_lr", path),
        "rng": _generator_state(settings["rng"], "trainer.rng", path),
        "metadata": _dictionary(settings["metadata"], "trainer.metadata", path),
        "threads_in_effect": None if threads is None else _whole_number(threads, "trainer.threads", path, minimum=1),
        "history": _history(state["history"], path),
        "callbacks": callbacks,
    }


def _whole_number(value, name, path, minimum):
    return check(value, Integer(minimum), name, where=f"checkpoint {path!r} is damaged")


def _positive_number(value, name, path):
    return check(value, Real(0, closed="neither"), name, where=f"checkpoint {path!r} is damaged")


def _dictionary(value, name, path):
    if not isinstance(value, dict):
        raise ValueError(f"checkpoint {path!r} is damaged: {name} must be a dict, got {value!r}")
    return dict(value)


def _history(saved, path):
    try:
        return History.from_dict(saved)
    except ValueError as exc:
        raise ValueError(f"checkpoint {path!r} is damaged: {exc}") from exc


def _generator_state(saved, name, path):
    """``saved`` after trying it on a scratch generator, so a broken state fails before the trainer changes."""
    try:
        np.random.default_rng(0).bit_generator.state = saved
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(
            f"checkpoint {path!r} is damaged: {name} is not a random generator state "
            f"({type(exc).__name__}: {exc}); write the checkpoint again"
        ) from exc
    return saved


def _damaged(path, exc):
    """The ValueError for a checkpoint missing a part, or holding one of the wrong type."""
    what = f"missing {exc}" if isinstance(exc, KeyError) else f"{type(exc).__name__}: {exc}"
    return ValueError(
        f"checkpoint {path!r} is incomplete or not a trainer checkpoint ({what}); "
        "pass a file written by Trainer(checkpoint=...) or minidl train --checkpoint"
    )


def _check_same_architecture(architecture, saved, path):
    current, saved_type = architecture["config"], saved.get("type")  # older files, without the type: an MLP
    if (saved_type or "MLP") != architecture["type"]:
        raise ValueError(
            f"checkpoint {path!r} holds a network of type {saved_type or 'MLP'}, "
            f"but this one is a {architecture['type']}; "
            "build the network the checkpoint was trained with or use Trainer.from_checkpoint"
        )
    saved = saved["config"]
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
