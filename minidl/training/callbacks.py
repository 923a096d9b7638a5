"""Callbacks: small objects the trainer calls at fixed moments of training.

A callback lets you change *when* training stops or *what* happens between
epochs without editing the training loop. The trainer calls, in order::

    on_train_begin(trainer)
    for each epoch:   on_epoch_end(trainer, epoch, metrics)
    on_train_end(trainer)          # only when training finishes normally

``metrics`` is the row just added to ``trainer.history`` (``train_loss``,
``val_accuracy``, ...). To stop training, set ``trainer.stop_training = True``.

Callbacks that remember something across epochs (like :class:`EarlyStopping`)
expose it through ``state_dict`` / ``load_state_dict`` so that a checkpoint
can save it and a resumed run behaves exactly like one that never stopped.
"""

from __future__ import annotations

import copy
import math
import weakref

from minidl.settings import Choice, Integer, Real, check


class Callback:
    """Base class: every hook does nothing. Override the ones you need."""

    def on_train_begin(self, trainer):
        """Called once when :meth:`Trainer.fit` starts (also when resuming)."""

    def on_epoch_end(self, trainer, epoch, metrics):
        """Called after each epoch's metrics are recorded; ``epoch`` counts from 1."""

    def on_train_end(self, trainer):
        """Called once when training finishes without an error."""

    def state_dict(self):
        """What a checkpoint must save to resume this callback (nested dict of arrays / JSON values)."""
        return {}

    def load_state_dict(self, state):
        """Restore what :meth:`state_dict` returned."""

    def __repr__(self):
        return f"{type(self).__name__}()"


class EarlyStopping(Callback):
    """Stop when a validation metric stops improving; keep the best weights.

    Parameters
    ----------
    monitor : str, default "val_loss"
        The metric to watch, a key of the history rows: ``"val_loss"``,
        ``"val_accuracy"``, ``"train_loss"``, ... Validation metrics need
        ``validation_data`` in :meth:`Trainer.fit`. Watching validation
        data, not training data, is the point: training loss keeps falling
        while the network starts to memorise (overfit).
    patience : int, default 5
        How many epochs in a row without improvement are tolerated before
        stopping. 0 stops at the first epoch that does not improve.
    min_delta : float, default 0.0
        The smallest change that counts as an improvement, to ignore noise.
    mode : {"auto", "min", "max"}, default "auto"
        Whether smaller or larger is better. "auto": larger for metrics
        whose name contains "accuracy", smaller otherwise.
    restore_best_weights : bool, default True
        When training ends (stopped early or not), load back the network
        state (parameters and batch-norm statistics) of the best epoch.

    Attributes
    ----------
    best : float
        Best value seen so far (``inf`` / ``-inf`` before the first epoch).
    best_epoch : int or None
        The epoch (from 1) where ``best`` was reached.
    stopped_epoch : int or None
        The epoch after which training was stopped, if it was.

    Notes
    -----
    One object can serve several runs in a row: a run that starts from
    epoch 0 starts afresh (best, patience count, kept weights), while a run
    resumed from a checkpoint continues with the state saved there. The
    kept weights belong to the network they were copied from and are never
    loaded into another one.

    With ``mode="min"`` an epoch improves when
    ``value < best - min_delta``; with ``mode="max"`` when
    ``value > best + min_delta``. A ``nan`` value never improves.
    """

    def __init__(self, monitor="val_loss", patience=5, min_delta=0.0, mode="auto", restore_best_weights=True):
        patience = check(patience, Integer(0), "patience")
        min_delta = check(min_delta, Real(0, note="a distance"), "min_delta")
        mode = check(mode, Choice("auto", "min", "max"), "mode")
        self.monitor = monitor
        self.patience = patience
        self.min_delta = float(min_delta)
        self.mode = mode
        self.restore_best_weights = restore_best_weights
        self.larger_is_better = "accuracy" in monitor if mode == "auto" else mode == "max"
        self._reset()

    def _reset(self):
        self.best = -math.inf if self.larger_is_better else math.inf
        self.best_epoch = None
        self.stopped_epoch = None
        self.epochs_without_improvement = 0
        self.best_state = None
        # A weak reference to the network best_state was copied from (None: not
        # known yet, as after load_state_dict); weak, so it never keeps a network alive.
        self._best_network = None

    def _owns(self, network):
        """Whether ``best_state`` may be loaded into ``network``."""
        return self._best_network is None or self._best_network() is network

    def _improves(self, value):
        if self.larger_is_better:
            return value > self.best + self.min_delta
        return value < self.best - self.min_delta

    def on_train_begin(self, trainer):
        # Fail before the first epoch rather than after it.
        if self.monitor.startswith("val_") and not getattr(trainer, "has_validation_data", True):
            raise ValueError(
                f"EarlyStopping monitors {self.monitor!r}, a validation metric: "
                "pass validation_data=(x_val, t_val) to fit"
            )
        # Epoch 0 is a fresh run: what a previous run left here would stop
        # it early and hand it another network's weights. A resumed run
        # (epoch > 0) keeps the state its checkpoint restored.
        if trainer.epoch == 0 or not self._owns(trainer.network):
            self._reset()
        if self.best_state is not None:
            self._best_network = weakref.ref(trainer.network)

    def on_epoch_end(self, trainer, epoch, metrics):
        if self.monitor not in metrics:
            hint = " (validation metrics need validation_data in fit)" if self.monitor.startswith("val_") else ""
            raise ValueError(
                f"EarlyStopping monitors {self.monitor!r}, which the trainer does not record{hint}; "
                f"recorded metrics: {sorted(metrics)}"
            )
        value = metrics[self.monitor]
        if self._improves(value):
            self.best = float(value)
            self.best_epoch = epoch
            self.epochs_without_improvement = 0
            if self.restore_best_weights:
                # deepcopy: state_dict may hand out the live arrays, which the
                # next optimisation steps overwrite in place.
                self.best_state = copy.deepcopy(trainer.network.state_dict())
                self._best_network = weakref.ref(trainer.network)
            return
        self.epochs_without_improvement += 1
        if self.epochs_without_improvement > self.patience:
            self.stopped_epoch = epoch
            trainer.stop_training = True

    def on_train_end(self, trainer):
        if self.restore_best_weights and self.best_state is not None and self._owns(trainer.network):
            trainer.network.load_state_dict(self.best_state)
            if trainer.verbose:
                trainer.log(f"EarlyStopping: restored the weights of epoch {self.best_epoch} "
                            f"({self.monitor} = {self.best:.4g})")

    def state_dict(self):
        return {
            "best": self.best,
            "best_epoch": self.best_epoch,
            "stopped_epoch": self.stopped_epoch,
            "epochs_without_improvement": self.epochs_without_improvement,
            "best_state": self.best_state,
        }

    def load_state_dict(self, state):
        self.best = float(state["best"])
        self.best_epoch = state["best_epoch"]
        self.stopped_epoch = state["stopped_epoch"]
        self.epochs_without_improvement = int(state["epochs_without_improvement"])
        self.best_state = state["best_state"]
        self._best_network = None  # adopted by the network of the run that resumes

    def __getstate__(self):
        # For pickle, which cannot store a weak reference: like after load_state_dict,
        # the kept weights are adopted by the network of the next run.
        return {**self.__dict__, "_best_network": None}

    def __repr__(self):
        return (f"EarlyStopping(monitor={self.monitor!r}, patience={self.patience}, "
                f"min_delta={self.min_delta}, mode={self.mode!r}, "
                f"restore_best_weights={self.restore_best_weights})")
