"""When training blows up: the error raised and its message.

With too large a learning rate the steps overshoot, the loss grows, and
within a few steps the numbers overflow to infinity and then NaN ("not a
number", e.g. ``inf - inf``). Nothing can be learned from there on, so the
trainer stops at the first non-finite loss instead of running on and
silently saving garbage, and says where it happened and what to try.
"""

from __future__ import annotations

import numpy as np


class TrainingDivergedError(FloatingPointError):
    """The loss or the weights became NaN or infinite: training cannot go on.

    Attributes
    ----------
    epoch : int
        The epoch (from 1) where it happened.
    step : int or None
        The step (from 1) within the epoch, or ``None`` when the weights were
        found non-finite at the end of the epoch.
    history : History
        Everything recorded before the failure.
    """

    def __init__(self, message, epoch, step, history):
        super().__init__(message)
        self.epoch = epoch
        self.step = step
        self.history = history


def divergence_message(what, epoch, step, steps, learning_rate, checkpoint=None, checkpoint_epoch=None):
    """One sentence: what went wrong, where, the learning rate, a lower one to try, the checkpoint kept."""
    where = f"epoch {epoch}, step {step}/{steps}" if step is not None else f"the end of epoch {epoch}"
    message = (f"training diverged: {what} at {where} (learning rate {learning_rate:.3g}); "
               f"try a lower learning rate, e.g. {learning_rate / 10:.3g}")
    if checkpoint is not None and checkpoint_epoch is not None:
        message += f"; the checkpoint {str(checkpoint)!r} still holds epoch {checkpoint_epoch}"
    return message


def diverged(trainer, epoch, step, steps, what):
    """The :class:`TrainingDivergedError` for ``trainer``: where, the rate, and the checkpoint still good."""
    kept = trainer._checkpoint_epoch if trainer.checkpoint is not None else None
    message = divergence_message(what, epoch, step, steps, trainer.optimizer.lr, trainer.checkpoint, kept)
    return TrainingDivergedError(message, epoch, step, trainer.history)


def check_finite_weights(trainer, epoch, steps):
    """Raise :func:`diverged` if a weight of ``trainer.network`` is NaN or infinite."""
    if not all(np.isfinite(value).all() for value in trainer.network.params.values()):
        raise diverged(trainer, epoch, None, steps, "the weights became NaN or infinite")
