"""Learning-rate schedules: the learning rate as a function of the epoch.

A schedule is a callable ``schedule(lr0, epoch) -> lr``, with ``epoch``
counted from 0 and ``schedule(lr0, 0) == lr0``. The training loop sets, at
the start of each epoch::

    optimizer.lr = schedule(lr0, epoch)

Every optimizer reads its current ``lr`` at each step, so the change takes
effect at once (Momentum and Adam included, exactly as in PyTorch).
"""

from __future__ import annotations

import inspect
import math

from minidl.settings import Integer, Real, check, check_number, check_positive_int


def _check_call(lr0, epoch):
    lr0 = check_number(lr0, "lr0", low=0.0, low_inclusive=False)
    epoch = check(epoch, Integer(0, note="counted from 0"), "epoch")
    return lr0, epoch


class StepDecay:
    """Multiply the learning rate by ``gamma`` every ``step_size`` epochs.

    Parameters
    ----------
    step_size : int
        Number of epochs between two drops, >= 1.
    gamma : float, default 0.1
        Factor applied at each drop, in (0, 1].

    Notes
    -----
    .. math:: \\eta_e = \\eta_0 \\, \\gamma^{\\lfloor e / s \\rfloor}

    Same as ``torch.optim.lr_scheduler.StepLR``.
    """

    def __init__(self, step_size, gamma=0.1):
        self.step_size = check_positive_int(step_size, "step_size")
        self.gamma = check_number(gamma, "gamma", low=0.0, high=1.0, low_inclusive=False)

    def __repr__(self):
        return f"StepDecay(step_size={self.step_size!r}, gamma={self.gamma!r})"

    def __call__(self, lr0, epoch):
        lr0, epoch = _check_call(lr0, epoch)
        return lr0 * self.gamma ** (epoch // self.step_size)


class ExponentialDecay:
    """Multiply the learning rate by ``gamma`` every epoch.

    Parameters
    ----------
    gamma : float
        Factor applied each epoch, in (0, 1]; 0.95 halves the rate in about 14 epochs.

    Notes
    -----
    .. math:: \\eta_e = \\eta_0 \\, \\gamma^{e}

    Same as ``torch.optim.lr_scheduler.ExponentialLR``.
    """

    def __init__(self, gamma):
        self.gamma = check_number(gamma, "gamma", low=0.0, high=1.0, low_inclusive=False)

    def __repr__(self):
        return f"ExponentialDecay(gamma={self.gamma!r})"

    def __call__(self, lr0, epoch):
        lr0, epoch = _check_call(lr0, epoch)
        return lr0 * self.gamma**epoch


class CosineDecay:
    """Lower the learning rate along half a cosine, from ``lr0`` to ``min_lr``.

    Parameters
    ----------
    total_epochs : int
        Epoch at which ``min_lr`` is reached, >= 1; later epochs stay at ``min_lr``.
    min_lr : float, default 0.0
        Final learning rate, >= 0. Optimizers refuse ``lr = 0``: with the
        default, make ``total_epochs`` larger than the last epoch trained
        (e.g. the number of epochs), or give a small positive ``min_lr``.

    Notes
    -----
    .. math::
        \\eta_e = \\eta_{min} + (\\eta_0 - \\eta_{min}) \\,
        \\frac{1 + \\cos(\\pi \\, e / E)}{2}, \\quad 0 \\le e \\le E

    It decays slowly at first, fastest half-way, and gently at the end.
    Same as ``torch.optim.lr_scheduler.CosineAnnealingLR`` over its first half period.
    """

    def __init__(self, total_epochs, min_lr=0.0):
        self.total_epochs = check_positive_int(total_epochs, "total_epochs")
        self.min_lr = check_number(min_lr, "min_lr", low=0.0)

    def __repr__(self):
        return f"CosineDecay(total_epochs={self.total_epochs!r}, min_lr={self.min_lr!r})"

    def __call__(self, lr0, epoch):
        lr0, epoch = _check_call(lr0, epoch)
        progress = min(epoch, self.total_epochs) / self.total_epochs
        return self.min_lr + (lr0 - self.min_lr) * (1.0 + math.cos(math.pi * progress)) / 2.0


class InverseTimeDecay:
    """Divide the learning rate by ``1 + decay * epoch``.

    Parameters
    ----------
    decay : float
        How fast the rate falls, >= 0; with 1.0 it halves after the first epoch.

    Notes
    -----
    .. math:: \\eta_e = \\frac{\\eta_0}{1 + d \\, e}

    The steps shrink like :math:`1/e`, the classic condition for stochastic
    gradient descent to converge. Same as Keras' ``InverseTimeDecay`` with
    ``decay_steps=1`` (counted in epochs).
    """

    def __init__(self, decay):
        self.decay = check_number(decay, "decay", low=0.0)

    def __repr__(self):
        return f"InverseTimeDecay(decay={self.decay!r})"

    def __call__(self, lr0, epoch):
        lr0, epoch = _check_call(lr0, epoch)
        return lr0 / (1.0 + self.decay * epoch)


SCHEDULES = {
    "step": StepDecay,
    "exponential": ExponentialDecay,
    "cosine": CosineDecay,
    "inverse-time": InverseTimeDecay,
}
# A typical value of each required setting, shown when it is missing.
_EXAMPLE_SETTINGS = {"step_size": 10, "gamma": 0.95, "total_epochs": 40, "decay": 0.1}


def schedule_class(name):
    """The class of the schedule called ``name`` (``"cosine"`` -> :class:`CosineDecay`).

    ``name`` is read as :func:`get_schedule` reads it (case-insensitive,
    ``_`` accepted for ``-``).

    Raises
    ------
    ValueError
        For an unknown name; the message lists the known ones.
    """
    if not isinstance(name, str):
        raise TypeError(f"a schedule is chosen by name (a str) or passed as a callable; got {name!r}")
    cls = SCHEDULES.get(name.lower().replace("_", "-"))
    if cls is None:
        raise ValueError(f"unknown learning-rate schedule {name!r}; known schedules: {', '.join(SCHEDULES)}")
    return cls


def get_schedule(name, **settings):
    """Build the schedule called ``name`` with ``settings``, e.g. ``get_schedule("step", step_size=10)``.

    ``name`` is one of ``"step"``, ``"exponential"``, ``"cosine"``,
    ``"inverse-time"`` (case-insensitive, ``_`` accepted for ``-``). A
    callable (an existing schedule) is returned unchanged.

    Raises
    ------
    ValueError
        For an unknown name, an unknown setting, or a required setting left
        out (``"cosine"`` needs ``total_epochs``); the message names it.
    """
    if callable(name) and not settings:
        return name
    cls = schedule_class(name)
    key = name.lower().replace("_", "-")
    parameters = [parameter for parameter in inspect.signature(cls.__init__).parameters.values()
                  if parameter.name != "self"]
    valid = [parameter.name for parameter in parameters]
    unknown = sorted(set(settings) - set(valid))
    if unknown:
        raise ValueError(f"{cls.__name__} has no setting {unknown}; valid ones: {valid}")
    missing = [parameter.name for parameter in parameters
               if parameter.default is parameter.empty and parameter.name not in settings]
    if missing:
        example = ", ".join(f"{setting}={_EXAMPLE_SETTINGS.get(setting, '...')}" for setting in missing)
        raise ValueError(
            f"the {key!r} schedule needs {' and '.join(missing)}, which has no default; "
            f"give it as a setting, e.g. {example}"
        )
    return cls(**settings)


def check_schedule(schedule, lr0, first_epoch, epochs):
    """Refuse a schedule that would set an unusable learning rate in epochs ``first_epoch .. epochs - 1``.

    The training loop calls it before the first step, so a schedule that
    reaches 0 at epoch 30 fails at once instead of after 30 epochs of work.

    Parameters
    ----------
    schedule : callable
        ``schedule(lr0, epoch) -> lr``, epochs counted from 0.
    lr0 : float
        The initial learning rate.
    first_epoch, epochs : int
        The epochs still to train are ``first_epoch, ..., epochs - 1``.

    Raises
    ------
    ValueError
        At the first epoch whose rate is not a finite number > 0 (what every
        optimizer requires); the message names the schedule, the epoch and a fix.

    Notes
    -----
    ``CosineDecay`` with ``min_lr = 0`` reaches :math:`\\eta = 0` at epoch
    ``total_epochs``: it needs ``total_epochs >= epochs`` or ``min_lr > 0``.
    """
    for epoch in range(first_epoch, epochs):
        lr = schedule(lr0, epoch)
        if Real(0, closed="neither").accepts(lr):
            continue
        if isinstance(schedule, CosineDecay) and schedule.min_lr == 0:
            fix = (f"make total_epochs >= {epochs} (the number of epochs) or give min_lr > 0, "
                   f"e.g. min_lr={lr0 / 100:g}")
        else:
            fix = f"choose settings that keep the rate above 0 for all {epochs} epochs, or train fewer epochs"
        raise ValueError(
            f"the learning-rate schedule {schedule!r} gives lr = {lr!r} in epoch {epoch + 1} of {epochs} "
            f"(schedule(lr0, {epoch}) with lr0 = {lr0!r}), but optimizers need a finite lr > 0; {fix}"
        )
