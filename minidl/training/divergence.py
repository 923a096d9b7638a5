"""When training blows up: how the trainer tells, the error it raises, and the advice it gives.

With too large a learning rate the steps overshoot and the loss grows.
Sometimes it grows until the numbers overflow to infinity and then NaN
("not a number", e.g. ``inf - inf``); often it stays finite but huge (SGD
with ``lr=1e6`` on the digits hovers around a loss of 5e5). Either way
nothing useful is learned from there on, so the trainer stops, says where
and why, and never writes such a state into a checkpoint.

The rule
--------
The *reference* is the loss of the run's first step, taken before any
update, but never less than :math:`\\ln C`, the loss of a network that
guesses each of its :math:`C` classes with probability :math:`1/C` (2.30
for 10 classes). The *limit* is ten times the reference. Training has
diverged when

1. a step's loss is NaN or infinite;
2. the losses of 10 steps in a row of an epoch (of all its steps, when an
   epoch has fewer than 10) are above the limit; or
3. at the end of an epoch, before the callbacks and the checkpoint, the
   loss of the final weights is above the limit both in evaluation mode
   (the epoch's ``train_loss``) and in training mode (the last batch,
   measured again without moving anything).

Rule 2 asks for a run of steps because one noisy batch decides nothing: a
single step of a healthy run can be well above the limit, and some runs
spike far above it for a few steps and then learn. Rule 3 checks the very
state a checkpoint would keep, and asks both modes because with batch
normalisation the evaluation-mode loss of a healthy network can be far off
while the running statistics catch up. The margins of healthy runs and of
blow-ups, measured on the digits with ``benchmarks/divergence_margins.py``
for all eight optimizers, are in docs/performance.md ("The divergence
rule's margins").

The advice follows the cause. After the first update the likely cause is
the learning rate. A loss that is already NaN or infinite at the very
first step, before any update, or above :math:`10^6 \\ln C` (inputs
multiplied by 1e30 give 1e31, while unscaled pixels of 0 to 255 give about
1e3), cannot be the learning rate's fault: it is
the input scale (e.g. pixels 0..255 instead of 0..1), the initial weights
or the weight decay, and the message names the one the numbers point to.
"""

from __future__ import annotations

import inspect
import math

import numpy as np

#: The limit is this many times the reference loss.
LIMIT_FACTOR = 10
#: Rule 2 asks for this many steps in a row above the limit.
WINDOW = 10
#: A first loss above this many times ln(classes) is refused: no step can learn from there (inputs times 1e30
#: give 1e31; unscaled pixels of 0 to 255 give about 1e3).
HOPELESS_START = 1e6
#: Inputs larger than this (in absolute value) are named as a likely cause of a blow-up.
LARGE_INPUT = 10.0


class TrainingDivergedError(FloatingPointError):
    """The loss or the weights became NaN, infinite, or far too large: training cannot go on.

    Attributes
    ----------
    epoch : int
        The epoch (from 1) where it happened.
    step : int or None
        The step (from 1) within the epoch, or ``None`` when it was found at
        the end of the epoch.
    history : History
        Everything recorded before the failure.
    """

    def __init__(self, message, epoch, step, history):
        super().__init__(message)
        self.epoch = epoch
        self.step = step
        self.history = history


class DivergenceWatch:
    """Applies the rule of this module to one :meth:`Trainer.fit` call.

    Parameters
    ----------
    trainer : Trainer
        Its history's first step loss, if any, is the run's reference, so a
        resumed run keeps the reference of the run it continues.
    x : numpy.ndarray
        The training inputs, looked at only to name a cause in a message.
    """

    def __init__(self, trainer, x):
        self.trainer = trainer
        self.x = x
        self.chance_loss = math.log(trainer.network.output_size)
        self.first_loss = self.reference = None
        self.limit = -math.inf  # until the first loss is known, every step takes the close look
        self.first_penalty = None  # known only when this call takes the run's first step
        if trainer.history.step_loss:
            self._set_reference(trainer.history.step_loss[0])
        self.start_epoch(WINDOW)

    def _set_reference(self, first_loss):
        self.first_loss = first_loss
        self.reference = max(first_loss, self.chance_loss)
        self.limit = LIMIT_FACTOR * self.reference

    def start_epoch(self, steps):
        """Start counting afresh: this epoch's window is ``min(WINDOW, steps)`` steps."""
        self.window = min(WINDOW, steps)
        self.steps_above = 0  # how many steps in a row, up to this one, were above the limit
        self.largest = 0.0  # the largest loss among them

    def check_step(self, loss, epoch, step, steps):
        """Raise :class:`TrainingDivergedError` if the loss of this step (before its update) says so."""
        if loss <= self.limit:  # the healthy case: one comparison (NaN fails it)
            self.steps_above = 0
            return
        loss = float(loss)
        if self.first_loss is None:
            self.first_penalty = weight_penalty(self.trainer.network)
            if not math.isfinite(loss):
                raise self.error(f"the loss is {loss} at the very first step (epoch {epoch}, step {step}/{steps}), "
                                 "before any update, so the learning rate is not the cause", epoch, step,
                                 self.start_advice())
            if loss > HOPELESS_START * self.chance_loss:
                raise self.error(f"the loss is {loss:.3g} at the very first step (epoch {epoch}, step {step}/{steps}), "
                                 f"before any update, more than {HOPELESS_START:g} times the {self.chance_loss:.3g} "
                                 "of a network that guesses, so the learning rate is not the cause", epoch, step,
                                 self.start_advice())
            self._set_reference(loss)
            return
        if not math.isfinite(loss):
            raise self.error(f"the loss became {loss} at epoch {epoch}, step {step}/{steps}", epoch, step)
        self.largest = max(self.largest, loss) if self.steps_above else loss
        self.steps_above += 1
        if self.steps_above >= self.window:
            raise self.error(
                f"the loss stayed above {self.limit:.3g} ({LIMIT_FACTOR} x {self.reference:.3g}, its value at the "
                f"start) for {self.steps_above} steps in a row, up to {self.largest:.3g}, at epoch {epoch}, "
                f"step {step}/{steps}", epoch, step)

    def check_epoch(self, train_loss, last_batch, epoch):
        """Raise if the weights a checkpoint would now keep have diverged (rule 3 of the module)."""
        if not math.isfinite(train_loss):
            raise self.error(f"the training loss became {train_loss} at the end of epoch {epoch}", epoch, None)
        if train_loss > self.limit and training_mode_loss(self.trainer.network, *last_batch) > self.limit:
            raise self.error(
                f"the loss of the final weights, {train_loss:.3g}, is above {self.limit:.3g} ({LIMIT_FACTOR} x "
                f"{self.reference:.3g}, its value at the start) at the end of epoch {epoch}", epoch, None)

    def error(self, what, epoch, step, advice=None):
        """The :class:`TrainingDivergedError` saying ``what``, the advice and the checkpoint kept."""
        trainer = self.trainer
        if advice is None:  # after an update: the learning rate, and maybe a start already too far off
            what += f" (learning rate {trainer.optimizer.lr:.3g})"
            advice = learning_rate_advice(trainer.optimizer)
            decay = trainer.network.weight_decay
            if decay * trainer.optimizer.lr > 1:
                advice += (f", or a smaller weight decay: {decay:g} x the learning rate is above 1, so the decay "
                           f"alone overshoots zero at every step (e.g. weight_decay {0.1 / trainer.optimizer.lr:.3g})")
            start_loss = None if self.first_penalty is None else self.first_loss - self.first_penalty
            if start_loss is not None and start_loss > LIMIT_FACTOR * self.chance_loss:
                advice += (f"; but the loss of the very first step, {self.first_loss:.3g}, was already far above "
                           f"the {self.chance_loss:.3g} of a network that guesses: {self.start_advice()}")
        message = f"training diverged: {what}; {advice}{kept_checkpoint(trainer)}"
        return TrainingDivergedError(message, epoch, step, trainer.history)

    def start_advice(self):
        """What to change when the loss is too large before any update: the cause the numbers point to."""
        network = self.trainer.network
        if not math.isfinite(self.first_penalty):
            decay = network.weight_decay
            return (f"the weight decay {decay:g} makes the penalty overflow; "
                    f"use a much smaller weight_decay (--weight-decay), e.g. 1e-4")
        scale = float(np.max(np.abs(self.x))) if self.x.size else 0.0
        if scale > LARGE_INPUT:
            return (f"the inputs are large (|x| up to {scale:.3g}); scale them to about [0, 1], e.g. x / {scale:.3g}, "
                    "or standardise them (sklearn.preprocessing.StandardScaler)")
        init = network.weight_init
        named = "" if init is None else f" (weight_init={init!r})"
        return (f"the initial weights are too large{named}; use 'he' for ReLU networks "
                "or 'xavier' for sigmoid and tanh (--init he)")


def learning_rate_advice(optimizer):
    """"try a lower learning rate, e.g. ...": the class's default rate when far below, else a tenth."""
    default = inspect.signature(type(optimizer).__init__).parameters.get("lr")
    default = default.default if default is not None else None
    if isinstance(default, (int, float)) and 0 < default * LIMIT_FACTOR <= optimizer.lr:
        return f"try a lower learning rate, e.g. {default:g} (the default of {type(optimizer).__name__})"
    return f"try a lower learning rate, e.g. {optimizer.lr / 10:.3g}"


def kept_checkpoint(trainer):
    """"; the checkpoint 'run.npz' still holds epoch 2", or "" without a checkpoint written by this run."""
    if trainer.checkpoint is None or trainer._checkpoint_epoch is None:
        return ""
    return f"; the checkpoint {str(trainer.checkpoint)!r} still holds epoch {trainer._checkpoint_epoch}"


def weight_penalty(network):
    """The weight decay's share of the loss now (0.0 for a network without one)."""
    return float(network.weight_penalty())


def training_mode_loss(network, x, t):
    """The loss of ``(x, t)`` in training mode, as the next step would see it, leaving no trace.

    A training-mode pass draws dropout masks from ``network.rng`` and moves
    the batch-norm running statistics; both are put back, so that measuring
    changes neither the weights nor the run's random numbers.
    """
    state, generator = network.state_dict(), network.rng.bit_generator.state
    try:
        return float(network.loss(x, t, train=True))
    finally:
        network.load_state_dict(state)
        network.rng.bit_generator.state = generator


def check_finite_weights(trainer, epoch):
    """Raise :class:`TrainingDivergedError` if a weight of ``trainer.network`` is NaN or infinite."""
    if not all(np.isfinite(value).all() for value in trainer.network.params.values()):
        message = (f"training diverged: the weights became NaN or infinite at the end of epoch {epoch} "
                   f"(learning rate {trainer.optimizer.lr:.3g}); {learning_rate_advice(trainer.optimizer)}")
        raise TrainingDivergedError(message + kept_checkpoint(trainer), epoch, None, trainer.history)
