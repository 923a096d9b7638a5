"""The resume policy: which settings a continued run keeps, and which requests it must refuse.

A run continued from a checkpoint keeps the settings that made it: its data
set and validation split, its network, optimizer (with every
hyperparameter), initial learning rate, schedule, batch size and seed.
Changing one of them half-way would no longer continue *that* run, so a
request for another value is a conflict, to be refused rather than silently
ignored. Asking for the saved value again is fine: the command that started
a run, repeated with ``--resume``, continues it. What may change is what
does not shape the run: how many epochs in total, where to write, how
verbose, how many threads.

Two functions hold the policy: :func:`saved_settings` reads what a
restored trainer keeps, :func:`resume_conflicts` compares a request with
it. :meth:`Trainer.from_checkpoint <minidl.training.Trainer.from_checkpoint>`
and ``minidl train --resume`` both use them, and each words the conflicts
in its own terms (keyword arguments, command-line options).
"""

from __future__ import annotations

from typing import NamedTuple

from minidl.training.checkpoints import registered_name

#: Settings compared one key at a time: only the hyperparameters asked for must match the saved ones.
COMPARED_BY_KEY = ("optimizer_params",)


class Conflict(NamedTuple):
    """A requested setting that differs from the checkpoint's.

    ``key`` is the hyperparameter's name for a setting of
    :data:`COMPARED_BY_KEY` (``"beta1"`` of ``"optimizer_params"``), else None.
    """

    setting: str
    key: object
    requested: object
    saved: object


def saved_settings(trainer):
    """Setting name -> the value a run restored into ``trainer`` keeps from its checkpoint.

    The names: ``dataset`` (lower case) and ``validation_fraction`` (from
    the trainer's metadata, where ``minidl train`` writes them), ``network``
    (the registered type, ``"MLP"``, ``"SimpleConvNet"``), every key of the
    network's ``config`` (the keys of a nested dict such as
    SimpleConvNet's ``conv_param`` taken one by one; lists as tuples),
    ``seed``, ``optimizer`` (registered name), ``optimizer_params`` (its
    hyperparameters), ``lr`` (the initial rate), ``schedule`` (name, lower
    case, or None), ``schedule_params`` and ``batch_size``.
    """
    network, metadata, spec = trainer.network, trainer.metadata, trainer.schedule_spec or {}
    settings = {"dataset": str(metadata.get("dataset")).lower(),
                "validation_fraction": metadata.get("validation_fraction"),
                "network": network.architecture()["type"]}
    for name, value in network.config.items():
        if isinstance(value, dict):
            settings.update({key: _comparable(item) for key, item in value.items()})
        else:
            settings[name] = _comparable(value)
    settings.update({
        "seed": trainer.seed,
        "optimizer": registered_name(trainer.optimizer),
        "optimizer_params": dict(trainer.optimizer.hyperparameters),
        "lr": trainer.initial_lr,
        "schedule": spec.get("name") and spec["name"].lower(),
        "schedule_params": spec.get("params", {}),
        "batch_size": trainer.batch_size,
    })
    return settings


def resume_conflicts(saved, requested):
    """The requests a resumed run would have to ignore: a list of :class:`Conflict`, in ``requested``'s order.

    Parameters
    ----------
    saved : dict
        What the run keeps, from :func:`saved_settings`.
    requested : dict
        Setting name -> the value asked for, only for the settings asked
        about (a setting not asked about keeps its saved value silently).
        ``optimizer_params`` is a dict: each hyperparameter in it is compared
        with the saved one of that name.
    """
    conflicts = []
    for name, value in requested.items():
        if name in COMPARED_BY_KEY:
            kept = saved.get(name) or {}
            conflicts += [Conflict(name, key, item, kept.get(key)) for key, item in value.items()
                          if kept.get(key) != item]
        elif value != saved.get(name):
            conflicts.append(Conflict(name, None, value, saved.get(name)))
    return conflicts


def _comparable(value):
    """JSON's lists as tuples, so that (256,) asked for equals [256] read from a file."""
    return tuple(value) if isinstance(value, list) else value
