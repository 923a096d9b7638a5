"""The training loop: mini-batches, one forward and one backward pass a step.

A :class:`Trainer` ties together a network, an optimizer and the data. Each
epoch it shuffles the training set and cuts it into mini-batches
(:class:`minidl.datasets.MiniBatches`), and for every batch it runs::

    loss, grads = network.loss_and_gradient(x_batch, t_batch)   # forward + backward
    optimizer.update(network.params, grads)                     # in place

After the epoch it measures loss and accuracy on the training data and on the
validation data, records them in a :class:`~minidl.training.History`, calls
the callbacks and, if asked, writes a checkpoint. :func:`fit` does it in one call.
"""

from __future__ import annotations

import inspect
import math
import time
import warnings

import numpy as np

from minidl import optim
from minidl.datasets import MiniBatches
from minidl.files import check_fresh_output, check_output_folder
from minidl.locks import hold_outputs
from minidl.optim.schedules import check_schedule
from minidl.settings import PathName, check
from minidl.threads import THREADS, ThreadCountWarning, limit_threads
from minidl.training.checkpoints import build_trainer, restore_trainer, trainer_state
from minidl.training.collapse import warn_if_at_chance
from minidl.training.divergence import DivergenceWatch, check_finite_weights
from minidl.training.evaluation import evaluate
from minidl.training.history import History
from minidl.training.progress import Progress
from minidl.training.resume import resume_conflicts, saved_settings
from minidl.training.unchanged import snapshot, warn_if_unchanged
from minidl.validation import check_labels, check_positive_int, check_seed


class Trainer:
    r"""Train a network with mini-batch gradient descent.

    Parameters
    ----------
    network : minidl.Sequential (an MLP, a SimpleConvNet, ...)
        The network to train, changed in place: anything with the members
        of the network protocol (:mod:`minidl.protocols`).
    optimizer : str or minidl.optim.Optimizer, default "adam"
        A registered name (``"sgd"``, ``"momentum"``, ``"adam"``, ... see
        ``minidl.optim.available()``) or an optimizer object.
    optimizer_params : dict, optional
        Hyperparameters when ``optimizer`` is a name, e.g. ``{"lr": 0.01}``.
    epochs : int, default 10
        Total number of epochs (passes over the training data) :meth:`fit`
        trains up to, counting epochs already done before a resume.
    batch_size : int, default 100
        Samples a step. The last batch of an epoch may be smaller. A
        ``batch_size`` larger than the training set gives one step an epoch
        on all the data: plain (full-batch) gradient descent.
    seed : int, default 0
        Seed of the trainer's own generator, which shuffles the batches. The
        network keeps its own generator (initial weights, dropout masks). The
        same seeds give bit-identical runs on the same machine, numpy/BLAS
        build and thread count.
    schedule : str or callable, optional
        Learning-rate schedule: a name for ``minidl.optim.get_schedule``
        (``"step"``, ``"cosine"``, ...) with ``schedule_params``, or any
        callable ``schedule(lr0, epoch) -> lr`` (epoch from 0). The optimizer's
        initial ``lr`` is ``lr0``; the rate is set at the start of each epoch.
    schedule_params : dict, optional
        Settings of a schedule given by name, e.g. ``{"step_size": 10}``.
    callbacks : sequence of Callback, default ()
        E.g. ``[EarlyStopping(patience=3)]``.
    checkpoint : str or os.PathLike, optional
        If given, a checkpoint is written there (atomically) after every
        epoch, so an interrupted run can continue with :meth:`from_checkpoint`.
        It holds the last epoch trained: ``EarlyStopping`` puts the best
        epoch's weights back into the network only when training ends.
        A fresh run (epoch 0) refuses to replace an existing file there,
        saying what it holds, unless ``overwrite=True``. While :meth:`fit`
        runs, it holds the file's lock (:mod:`minidl.locks`): a run of
        another process on the same file is refused.
    evaluation_size : int or None, default 10000
        The training loss and accuracy of each epoch are measured, in
        evaluation mode, on at most this many training samples (every k-th
        one, a fixed subset): on MNIST this costs a sixth of a full pass.
        ``None`` uses the whole training set.
    verbose : {0, 1, 2} or bool, default 1
        0 silent; 1 a progress bar per epoch on a terminal (one line per
        epoch otherwise, e.g. in CI logs); 2 one line per epoch.
    overwrite : bool, default False
        Let a fresh run replace an existing ``checkpoint`` file.
    threads : int or None, default None
        BLAS threads for the matrix products while :meth:`fit` runs
        (restored afterwards). ``None``: minidl decides from the layer
        sizes and ``batch_size`` (one thread for small networks, which
        more threads only slow down, a lot on a busy machine; see
        :mod:`minidl.threads`). The count in effect is recorded in every
        epoch of the history (``threads``) and in checkpoints: runs are
        bit-identical only on the same count.

    Attributes
    ----------
    epoch : int
        Epochs completed so far.
    history : History
        Per-step losses and per-epoch metrics.
    stop_training : bool
        Set it to True (from a callback) to stop after the current epoch.
    metadata : dict
        Free JSON-ready notes saved with checkpoints (the CLI stores its
        data set name there).
    threads_in_effect : int or None
        The thread count of the last :meth:`fit` (or of the run a checkpoint
        continues); None before any.

    Notes
    -----
    An epoch over :math:`N` samples in batches of :math:`B` takes
    :math:`\lceil N / B \rceil` steps and uses every sample once. Step
    :math:`k` computes the mean loss of its batch :math:`\mathcal{B}_k` and
    its gradient in one forward and one backward pass; plain SGD then moves
    every parameter :math:`\theta` by

    .. math:: \theta \leftarrow \theta - \eta_e \, \nabla_\theta
              \frac{1}{|\mathcal{B}_k|} \sum_{n \in \mathcal{B}_k} L(x_n, t_n; \theta),
              \qquad \eta_e = \mathrm{schedule}(\eta_0, e)

    (other optimizers replace the step, not the loop). The recorded step
    loss is that batch loss, free since it comes out of the same forward
    pass; it is measured in training mode (dropout on) while the weights
    move, so it runs above ``train_loss``, measured after the epoch in
    evaluation mode.
    """

    def __init__(self, network, optimizer="adam", optimizer_params=None, *, epochs=10, batch_size=100, seed=0,
                 schedule=None, schedule_params=None, callbacks=(), checkpoint=None, evaluation_size=10_000,
                 verbose=1, threads=None, overwrite=False):
        self.network = network
        self.optimizer = optim.get(optimizer, **(optimizer_params or {}))
        self.epochs = check_positive_int(epochs, "epochs")
        self.batch_size = check_positive_int(batch_size, "batch_size")
        self.seed = check_seed(seed) or 0
        self.rng = np.random.default_rng(self.seed)
        if schedule_params and not isinstance(schedule, str):
            raise ValueError("schedule_params only apply to a schedule given by name, e.g. schedule='step'")
        named = isinstance(schedule, str)
        self.schedule_spec = {"name": schedule, "params": dict(schedule_params or {})} if named else None
        self.schedule = None if schedule is None else optim.get_schedule(schedule, **(schedule_params or {}))
        self.initial_lr = self.optimizer.lr
        self.callbacks = list(callbacks)
        if check(checkpoint, PathName(none=True), "checkpoint") is not None:
            check_output_folder(checkpoint)
        self.checkpoint = checkpoint
        self.overwrite = bool(overwrite)
        if evaluation_size is not None:
            evaluation_size = check_positive_int(evaluation_size, "evaluation_size")
        self.evaluation_size = evaluation_size
        self.verbose = verbose
        self.threads = check(threads, THREADS, "threads")
        self.threads_in_effect = None
        self.epoch = 0
        self.history = History()
        self.stop_training = False
        self.metadata = {}
        self._checkpoint_epoch = None
        self._progress = Progress(verbose, self.epochs)

    def __repr__(self):
        return (f"Trainer({self.network!r}, {self.optimizer!r}, epochs={self.epochs}, "
                f"batch_size={self.batch_size}, seed={self.seed}, epoch={self.epoch})")

    # ================================================================ training
    def fit(self, x, t, validation_data=None):
        """Train until :attr:`epochs` epochs are done (or a callback stops it).

        Parameters
        ----------
        x : ndarray, shape (N, input_size)
            Training inputs (images of shape (N, 28, 28) are flattened).
        t : ndarray, shape (N,) or (N, n_classes)
            Class labels or one-hot rows.
        validation_data : (x_val, t_val), optional
            Held-out data measured after every epoch (``val_loss``,
            ``val_accuracy``); needed by ``EarlyStopping("val_loss")``.

        Returns
        -------
        History
            :attr:`history`, also after a resume (it then holds all epochs).

        Raises
        ------
        ValueError
            For bad data, or a schedule that would set a learning rate of 0
            (or NaN) in one of the epochs to run: checked before any step.
        TrainingDivergedError
            If a loss or a weight becomes NaN or infinite, or the loss blows
            up far above its start (the rule: :mod:`minidl.training.divergence`).
            The checkpoint on disk, if any, still holds the last good epoch.
        minidl.locks.OutputInUseError
            If a run of another process holds the ``checkpoint`` file (a
            ValueError); checked before the first step.
        """
        x, t = self._check_data(x, t, "x", "t")
        if validation_data is not None:
            if not isinstance(validation_data, (tuple, list)) or len(validation_data) != 2:
                raise ValueError("validation_data must be a pair (x_val, t_val)")
            validation_data = self._check_data(*validation_data, "x_val", "t_val")
        if self.schedule is not None:
            # Every epoch's rate now, so a schedule reaching 0 fails before the work, not during it.
            check_schedule(self.schedule, self.initial_lr, self.epoch, self.epochs)
        # The checkpoint is this run's for the whole fit: another process's run on it is refused now.
        with hold_outputs([("checkpoint", self.checkpoint)]):
            return self._fit(x, t, validation_data)

    def _fit(self, x, t, validation_data):
        """:meth:`fit` once the data is checked and the checkpoint held."""
        if self.checkpoint is not None:
            check_output_folder(self.checkpoint)  # again: the folder may have changed since __init__
            self.network.architecture()  # a layer that cannot be saved fails now, not after the first epoch
            if self.epoch == 0:  # a fresh run: never replace an earlier run's checkpoint without being asked
                check_fresh_output(self.checkpoint, self.overwrite,
                                   resume_hint=f"continue it with Trainer.from_checkpoint({str(self.checkpoint)!r})")
        batches = MiniBatches(x, t, self.batch_size, rng=self.rng)
        stride = 1 if self.evaluation_size is None else math.ceil(len(x) / self.evaluation_size)
        training_subset = (x[::stride], t[::stride])
        self._progress = Progress(self.verbose, self.epochs)
        self._divergence = DivergenceWatch(self, x)
        self._collapse_warned = False  # one warning a fit call, not one an epoch (minidl.training.collapse)
        self.stop_training = False
        self.has_validation_data = validation_data is not None
        for callback in self.callbacks:
            callback.on_train_begin(self)
        try:
            with limit_threads(self.threads, self.network.layer_sizes, self.batch_size) as threads:
                self._note_thread_count(threads)
                while self.epoch < self.epochs and not self.stop_training:
                    self._run_epoch(batches, training_subset, validation_data)
        except BaseException:
            self._progress.abort()
            raise
        self._progress.close()
        for callback in self.callbacks:
            callback.on_train_end(self)
        return self.history

    def _run_epoch(self, batches, training_subset, validation_data):
        epoch = self.epoch + 1
        network, optimizer = self.network, self.optimizer
        if self.schedule is not None:
            optimizer.lr = self.schedule(self.initial_lr, epoch - 1)
        progress = self._progress
        progress.start_epoch(epoch, len(batches))
        self._divergence.start_epoch(len(batches))
        weights_before = snapshot(network.params)
        start = time.perf_counter()
        # Overflow warnings would only repeat, less clearly, what the checks below report.
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            for step, (x_batch, t_batch) in enumerate(batches, start=1):
                loss, grads = network.unchecked_loss_and_gradient(x_batch, t_batch)  # fit checked the data once
                self._divergence.check_step(loss, epoch, step, len(batches))
                optimizer.update(network.params, grads)
                self.history.record_step(loss)
                progress.step(loss, network.last_layer)
            seconds = time.perf_counter() - start
            check_finite_weights(self, epoch)
            metrics = {"epoch": epoch}
            metrics["train_loss"], metrics["train_accuracy"] = evaluate(network, *training_subset)
            if validation_data is not None:
                metrics["val_loss"], metrics["val_accuracy"] = evaluate(network, *validation_data)
            # Before the callbacks and the checkpoint see them: are these weights worth keeping?
            self._divergence.check_epoch(metrics["train_loss"], (x_batch, t_batch), epoch)
        metrics["learning_rate"] = optimizer.lr
        metrics["seconds"] = seconds
        metrics["threads"] = self.threads_in_effect
        self.history.record_epoch(**metrics)
        self.epoch = epoch
        progress.end_epoch(epoch, metrics)
        # After the bar's last line, not through it.
        warn_if_unchanged(weights_before, network.params, getattr(optimizer, "lr", None))
        if not self._collapse_warned:
            self._collapse_warned = warn_if_at_chance(network, training_subset[0], metrics, optimizer.lr,
                                                      self._divergence.x, self.history.step_loss)
        for callback in self.callbacks:
            callback.on_epoch_end(self, epoch, metrics)
        if self.checkpoint is not None:
            # Checked again: a callback may have changed the weights.
            check_finite_weights(self, epoch)
            self.save_checkpoint(self.checkpoint)
            self._checkpoint_epoch = epoch

    def _note_thread_count(self, threads):
        """Record the thread count of this fit; warn if the epochs before ran on another."""
        before, self.threads_in_effect = self.threads_in_effect, threads
        if before is not None and before != threads and self.epoch > 0:
            warnings.warn(
                f"the first {self.epoch} epoch(s) of this run were trained on {before} BLAS thread(s), the next "
                f"on {threads}: the results may differ in the last bits from a run on one count throughout "
                f"(bit-identity needs the same count: threads={before}, or --threads {before})",
                ThreadCountWarning, stacklevel=3)

    def log(self, message):
        """Print a message (unless ``verbose=0``) without breaking the progress bar."""
        self._progress.write(message)

    def _check_data(self, x, t, x_name, t_name):
        x = self.network.check_input(x, name=x_name)
        t = check_labels(t, len(x), self.network.output_size, name=t_name)
        return x, t

    # ============================================================ checkpoints
    def save_checkpoint(self, path):
        """Write everything needed to continue this run to ``path`` (atomic ``.npz``)."""
        from minidl.serialization import save_checkpoint

        save_checkpoint(path, trainer_state(self))

    def load_checkpoint(self, path):
        """Continue the run saved at ``path``: restore network, optimizer, generators, history.

        The network must have the architecture of the saved one. The saved
        ``batch_size``, ``seed``, ``evaluation_size``, initial learning rate
        and named schedule replace this trainer's; ``epochs``, ``callbacks``
        (whose saved states are restored when their types match, position by
        position), ``checkpoint`` and ``verbose`` stay as given, so you can
        extend a run by raising ``epochs``. Returns the trainer.
        """
        from minidl.serialization import load_checkpoint

        restore_trainer(self, load_checkpoint(path), str(path))
        return self

    @classmethod
    def from_checkpoint(cls, path, *, epochs=None, schedule=None, callbacks=(), checkpoint=None, verbose=1,
                        threads=None):
        """Rebuild the network, optimizer and trainer saved at ``path``, ready to :meth:`fit` on.

        ``epochs`` defaults to the saved run's total. ``schedule`` is needed
        only if the saved run used a schedule *function* (named schedules are
        saved). Hooks added to the optimizer are not saved: add them again.
        ``threads`` is this machine's choice, not the checkpoint's: if it
        gives another count than the saved run had, :meth:`fit` warns once
        (``ThreadCountWarning``) that the results may differ in the last bits.
        The run keeps its saved settings (:mod:`minidl.training.resume`): a
        ``schedule`` name other than the saved one is refused, not ignored.
        """
        from minidl.serialization import load_checkpoint

        state = load_checkpoint(path)
        saved = state.get("trainer") if isinstance(state, dict) else None
        # The checkpoint's named schedule (or its lack of one) is restored: a name asked for is only compared.
        compared = isinstance(schedule, str) and isinstance(saved, dict) and (
            saved.get("schedule") is not None or not saved.get("has_schedule"))
        trainer = build_trainer(cls, state, str(path), epochs=epochs, schedule=None if compared else schedule,
                                callbacks=callbacks, checkpoint=checkpoint, verbose=verbose, threads=threads)
        if compared:
            for conflict in resume_conflicts(saved_settings(trainer), {"schedule": schedule.strip().lower()}):
                kept = f"its schedule {conflict.saved!r}" if conflict.saved else "no schedule"
                raise ValueError(f"checkpoint {str(path)!r} continues its run with {kept}, so schedule="
                                 f"{schedule!r} would be ignored: drop it, or train a new Trainer to change it")
        return trainer


def fit(network, x, t, validation_data=None, **settings):
    """Train ``network`` on ``(x, t)`` in one call; returns the :class:`History`.

    ``settings`` are the arguments of :class:`Trainer` (``optimizer``,
    ``optimizer_params``, ``epochs``, ``batch_size``, ``seed``, ``schedule``,
    ``callbacks``, ``checkpoint``, ``verbose``, ``threads``, ...).

    Examples
    --------
    >>> history = minidl.fit(network, x_train, t_train, validation_data=(x_val, t_val),
    ...                      optimizer="adam", optimizer_params={"lr": 1e-3}, epochs=10)
    """
    known = set(inspect.signature(Trainer.__init__).parameters) - {"self", "network"}
    unknown = sorted(set(settings) - known)
    if unknown:
        hyperparameters = {name: settings[name] for name in unknown if name in _optimizer_settings()}
        hint = (f"; an optimizer's hyperparameters go in optimizer_params, e.g. fit(network, x, t, "
                f"optimizer_params={hyperparameters!r})" if hyperparameters else "")
        raise TypeError(f"fit() got unknown settings {unknown}; the settings are those of Trainer: "
                        f"{', '.join(sorted(known))}{hint}")
    return Trainer(network, **settings).fit(x, t, validation_data)


def _optimizer_settings():
    """Every hyperparameter name of a registered optimizer (lr, momentum, beta1, ...)."""
    return {name for cls in optim.available().values() for name in inspect.signature(cls.__init__).parameters}
