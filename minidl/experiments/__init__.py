"""The book's chapter-6 experiments (and chapter 7's filters), reproducible, from Python or the command line.

Each experiment is one function that *computes* and returns a result object
(numbers in numpy arrays, never a figure), and each result can then

- ``result.plot()``: draw its figure (needs matplotlib, the ``plot`` extra);
- ``result.table()`` / ``result.record()``: give its numbers as tidy rows and
  as a JSON-ready dict, which :func:`save_numbers` writes as ``NAME.csv`` and
  ``NAME.json``.

========================  ===============================================  =====================
function                  what it shows                                    command line
========================  ===============================================  =====================
optimizer_paths           paths of 7 optimizers on x**2/20 + y**2          minidl experiment paths
compare_optimizers        loss curves of optimizers on the same batches    minidl experiment compare
compare_initialisations   loss curves for std 0.01, Xavier and He          minidl experiment init
activation_histograms     activations layer by layer per initialisation    minidl experiment activations
compare_batchnorm         accuracy with/without batchnorm per weight scale minidl experiment batchnorm
overfitting               train vs test accuracy, weight decay, dropout    minidl experiment overfit
random_search             random search of learning rate and weight decay  minidl experiment search
convolution_filters       first-layer filters of a CNN before and after    minidl experiment filters
========================  ===============================================  =====================

The functions that train take three more arguments, all alike:
``progress=True`` reports the runs as they finish on standard error;
``out=DIR`` writes the numbers into ``DIR`` (:func:`save_numbers`); and
``n_jobs`` trains that many runs at a time in worker processes (-1: one a
core), or on a Dask cluster inside ``with dask_scheduler(address):``
(:mod:`minidl.experiments.dispatch`). The numbers are the same whatever
``n_jobs``.

Each function is declared by ``@experiment(...)`` just above it
(:mod:`minidl.experiments.options`): the options of ``minidl experiment
NAME``, declared once, from which the command line builds its parser and
with which the function checks its arguments. A new experiment is one new
module.

Everything runs offline on the 8x8 digits by default (``dataset="digits"``)
and takes ``dataset="mnist"``, ``"fashion-mnist"`` or ``"idx:DIR"`` too. The
same ``seed`` gives bit-identical numbers on the same machine, numpy/BLAS
build and thread count (each record says which: :mod:`minidl.environment`).

Example
-------
>>> from minidl.experiments import compare_optimizers, save_numbers
>>> from minidl.plotting import save_figure
>>> result = compare_optimizers("digits", ("sgd", "momentum", "adam"), iterations=500, seeds=3)
>>> result.mean_final_loss()                          # doctest: +SKIP
>>> save_numbers(result, "results", "compare")        # results/compare.csv and .json
>>> save_figure(result.plot(smoothing=20), "results/compare.png")
"""

from minidl.experiments.activations import ActivationsResult, activation_histograms
from minidl.experiments.batchnorm import BatchnormResult, compare_batchnorm
from minidl.experiments.compare import ComparisonResult, compare_optimizers
from minidl.experiments.filters import FiltersResult, convolution_filters
from minidl.experiments.initialisation import InitialisationResult, compare_initialisations
from minidl.experiments.overfitting import OverfittingResult, overfitting
from minidl.experiments.paths import PathsResult, optimizer_paths
from minidl.experiments.results import save_numbers
from minidl.experiments.search import SearchResult, random_search
from minidl.plotting import save_figure, smooth

__all__ = [
    "ActivationsResult",
    "BatchnormResult",
    "ComparisonResult",
    "FiltersResult",
    "InitialisationResult",
    "OverfittingResult",
    "PathsResult",
    "SearchResult",
    "activation_histograms",
    "compare_batchnorm",
    "compare_initialisations",
    "compare_optimizers",
    "convolution_filters",
    "optimizer_paths",
    "overfitting",
    "random_search",
    "save_figure",
    "save_numbers",
    "smooth",
]
