"""What the experiments share: data, optimizers by name, seeds, two training loops, progress.

The experiments that compare optimizers or initialisations count
*iterations* (mini-batch updates), not epochs, and must give every contender
the very same mini-batches. :func:`train_for_iterations` is that loop, written
out in a few lines so that it reads like the book's experiment scripts. The
others count epochs and use the library's :class:`~minidl.training.Trainer`
through :func:`train_for_epochs`.

An experiment is made of independent runs (an optimizer and a seed, a trial
of a search), each seeded on its own; :mod:`minidl.experiments.dispatch`
runs them here, in worker processes or on a Dask cluster.
"""

from __future__ import annotations

import math
import sys

import numpy as np
from tqdm import tqdm

from minidl import optim
from minidl.datasets import MiniBatches, load_dataset
from minidl.network import MLP
from minidl.threads import limit_threads, network_sizes
from minidl.training import Trainer, TrainingDivergedError
from minidl.training.progress import in_notebook, is_terminal, notebook_widget_bar


def seed_list(seed, seeds):
    """The random seed of each of ``seeds`` repeated runs: ``seed, seed + 1, ..., seed + seeds - 1``.

    Consecutive integers are easy to read in a results file, and numpy's
    generators turn even neighbouring seeds into unrelated streams. Both are
    checked where the experiment declares them (:mod:`minidl.experiments.options`).
    """
    return [seed + offset for offset in range(seeds)]


def load_data(dataset, samples=None, flatten=True):
    """Load ``dataset`` by name (labels as class numbers), keeping the first ``samples`` training rows.

    Returns ``(x_train, t_train), (x_test, t_test)``: images as rows, or with
    ``flatten=False`` as (N, 1, height, width) for a convolutional network.
    The digits set is split with a fixed seed by its loader, so the same rows
    come back every time. ``samples`` is a whole number >= 1, as the
    experiment's ``--samples`` option declares it.
    """
    (x_train, t_train), test = load_dataset(dataset, flatten=flatten)
    if samples is not None:
        if samples > len(x_train):
            raise ValueError(
                f"asked for {samples} training samples but {dataset!r} has only {len(x_train)}; "
                f"use at most {len(x_train)} (or another data set)"
            )
        x_train, t_train = x_train[:samples], t_train[:samples]
    return (x_train, t_train), test


def class_count(*label_arrays):
    """Number of classes: one more than the largest class number seen (at least 2)."""
    return max(2, 1 + max(int(np.max(labels)) for labels in label_arrays))


def optimizer_label(optimizer, shown=()):
    """A short label such as ``"Momentum (lr=0.1)"``: the class, its rate and the hyperparameters in ``shown``."""
    hyperparameters = optimizer.hyperparameters
    keys = (["lr"] if "lr" in hyperparameters else []) + [key for key in shown if key != "lr"]
    text = ", ".join(f"{key}={hyperparameters[key]:g}" if isinstance(hyperparameters[key], float)
                     else f"{key}={hyperparameters[key]!r}" for key in keys)
    return f"{type(optimizer).__name__} ({text})" if text else type(optimizer).__name__


def merge_hyperparameters(names, defaults=None, overrides=None):
    """Per-optimizer hyperparameters: ``defaults`` updated by ``overrides`` (both name -> dict).

    Raises
    ------
    ValueError
        If a name repeats, or ``overrides`` names an optimizer that is not
        part of the run (a typo such as ``--set adma.lr=0.1`` would
        otherwise be silently ignored).
    TypeError
        If an optimizer's hyperparameters are not a dict.
    """
    names = [str(name).lower() for name in names]
    if not names:
        raise ValueError("no optimizer given; pass at least one name, e.g. optimizers=('sgd', 'adam')")
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise ValueError(f"optimizers {repeated} are listed twice; list each optimizer once")
    merged = {name: dict((defaults or {}).get(name, {})) for name in names}
    for name, values in (overrides or {}).items():
        key = str(name).lower()
        if key not in merged:
            raise ValueError(
                f"hyperparameters are set for optimizer {name!r}, which is not in this run "
                f"({', '.join(names)}); add it to the optimizers or fix the name"
            )
        if not isinstance(values, dict):
            raise TypeError(f"hyperparameters of {name!r} must be a dict like {{'lr': 0.01}}, got {values!r}")
        merged[key].update(values)
    return merged


def build_optimizers(names, defaults=None, overrides=None):
    """Create one optimizer per name: a dict name -> ``(optimizer, label)``.

    ``defaults`` and ``overrides`` are merged by :func:`merge_hyperparameters`; unknown
    names and hyperparameters are reported by :func:`minidl.optim.get`.
    """
    built = {}
    for name, values in merge_hyperparameters(names, defaults, overrides).items():
        optimizer = optim.get(name, **values)
        built[name] = (optimizer, optimizer_label(optimizer, values))
    return built


def described_optimizers(built):
    """The ``names``, ``labels`` and ``hyperparameters`` fields of a result, from :func:`build_optimizers`' dict.

    The results that race optimizers (:class:`~minidl.experiments.ComparisonResult`,
    :class:`~minidl.experiments.PathsResult`) keep the names in the order
    given, and per name its label and every hyperparameter it ran with.
    """
    return {"names": list(built),
            "labels": {name: label for name, (_, label) in built.items()},
            "hyperparameters": {name: optimizer.hyperparameters for name, (optimizer, _) in built.items()}}


def progress_bar(total, description, enabled=True):
    """Count finished runs on standard error; nothing when ``enabled`` is False.

    In a terminal or a notebook this is a tqdm bar that redraws itself. In
    a log file or a CI log a redrawn bar would leave every frame behind
    (``\\r`` after ``\\r``), so there, like the trainer, it writes one plain
    line a finished run. Use it as ``with progress_bar(...) as bar: ... bar.update()``.
    """
    bar = tqdm
    if enabled and in_notebook(sys.stderr):
        bar = notebook_widget_bar() or tqdm  # without ipywidgets: one line of text redrawn in place
    elif enabled and not is_terminal(sys.stderr):
        return RunLines(total, description)
    return bar(total=total, desc=description, unit="run", disable=not enabled, leave=False)


class RunLines:
    """The progress of ``total`` runs as one line a finished run, for logs (see :func:`progress_bar`)."""

    def __init__(self, total, description):
        self.total, self.description, self.done = total, description, 0

    def update(self, runs=1):
        self.done += runs
        print(f"{self.description}: {self.done}/{self.total} runs done", file=sys.stderr, flush=True)

    def __enter__(self):
        return self

    def __exit__(self, *exception):
        return False


def train_for_iterations(network, optimizer, x, t, iterations, batch_size, seed):
    """Train ``network`` for ``iterations`` mini-batch updates; return each batch's loss.

    Parameters
    ----------
    network : minidl.MLP
        Changed in place.
    optimizer : minidl.optim.Optimizer
    x, t : numpy.ndarray
        Training inputs (N, features) and labels (N,).
    iterations : int
        Number of updates. When an epoch ends, a new one starts with a fresh
        shuffle, as often as needed.
    batch_size : int
    seed : int
        Seeds the shuffles. Two calls with the same seed see exactly the same
        sequence of batches: that is how every optimizer in a comparison gets
        identical data, with no batch stored in memory.

    Returns
    -------
    numpy.ndarray, shape (iterations,), float64
        The training-mode loss of each batch, *before* its update. If the loss
        becomes NaN or infinite (a learning rate too large), training stops
        and the remaining entries are NaN: the curve simply ends there.

    Like a :class:`~minidl.training.Trainer` left at ``threads=None``, it
    uses the thread count of an enclosing :func:`minidl.threads.limit_threads`
    block, or else the one minidl chooses for the network and batch size.
    """
    losses = np.full(iterations, np.nan)
    batches = MiniBatches(x, t, batch_size, rng=np.random.default_rng(seed))
    iteration = 0
    # A diverging run may overflow on its way to infinity; it is detected below.
    threads = limit_threads(None, network_sizes(network), batch_size)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"), threads:
        while iteration < iterations:
            for x_batch, t_batch in batches:
                loss, grads = network.loss_and_gradient(x_batch, t_batch)
                if not math.isfinite(loss) or not all(np.isfinite(grad).all() for grad in grads.values()):
                    return losses
                losses[iteration] = loss
                optimizer.update(network.params, grads)
                iteration += 1
                if iteration == iterations:
                    break
    return losses


def train_for_epochs(network, x, t, epochs, batch_size, optimizer, optimizer_params, seed, validation_data=None):
    """Train with :class:`minidl.training.Trainer`; return its per-epoch metrics as arrays.

    Returns
    -------
    dict of str -> numpy.ndarray, shape (epochs,)
        ``"train_loss"``, ``"train_accuracy"`` and, with ``validation_data``,
        ``"val_loss"`` and ``"val_accuracy"``, measured after each epoch in
        evaluation mode. A run whose loss becomes NaN or infinite stops
        there; its remaining epochs are NaN.
    """
    trainer = Trainer(network, optimizer, optimizer_params, epochs=epochs, batch_size=batch_size, seed=seed,
                      verbose=0)
    try:
        history = trainer.fit(x, t, validation_data)
    except TrainingDivergedError as error:
        history = error.history
    names = ["train_loss", "train_accuracy"] + (["val_loss", "val_accuracy"] if validation_data is not None else [])
    curves = {name: np.full(epochs, np.nan) for name in names}
    for name in names:
        recorded = history[name] if len(history) else []
        curves[name][: len(recorded)] = recorded
    return curves


def evaluation_loss(network, x, t):
    """The loss of ``network`` on all of ``x`` in evaluation mode (NaN if it overflowed)."""
    threads = limit_threads(None, network_sizes(network), len(x))
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"), threads:
        return float(network.loss(x, t, train=False))


def run_for_iterations(network_settings, optimizer, x, t, iterations, batch_size, seed):
    """One run of an iteration-counting experiment: ``(losses, final training loss)``.

    The network is ``MLP(**network_settings, seed=seed)``, built here rather
    than passed in, so that a worker process receives a few numbers, not arrays
    of weights; the same seed gives the same initial weights wherever it runs.
    """
    network = MLP(**network_settings, seed=seed)
    losses = train_for_iterations(network, optimizer, x, t, iterations, batch_size, seed)
    return losses, evaluation_loss(network, x, t)


def loss_arrays(grid):
    """The ``losses`` and ``final_losses`` of a grid (contenders x seeds) of :func:`run_for_iterations` runs.

    Returns arrays of shape (contenders, seeds, iterations) and (contenders, seeds).
    """
    losses = np.array([[curve for curve, _ in row] for row in grid], dtype=float)
    final_losses = np.array([[final_loss for _, final_loss in row] for row in grid], dtype=float)
    return losses, final_losses


def run_for_epochs(network_settings, optimizer, x, t, epochs, batch_size, seed, x_val=None, t_val=None):
    """One run of an epoch-counting experiment: the curves of :func:`train_for_epochs`.

    ``optimizer`` is an optimizer object (not a name), so that one registered
    by the user's own code is known in a worker process too.
    """
    network = MLP(**network_settings, seed=seed)
    validation = None if x_val is None else (x_val, t_val)
    return train_for_epochs(network, x, t, epochs, batch_size, optimizer, None, seed, validation_data=validation)


def __getattr__(name):
    """The parallel runs moved to :mod:`minidl.experiments.dispatch`; importing them from here still works."""
    if name in ("JOBS", "SCHEDULER_TIMEOUT", "dask_scheduler", "map_runs", "run_in_worker"):
        from minidl.experiments import dispatch

        return getattr(dispatch, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
