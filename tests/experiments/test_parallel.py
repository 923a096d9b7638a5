"""Parallel runs: ``--n-jobs`` (joblib's worker processes) and ``--scheduler`` (a Dask cluster).

Every run is seeded on its own, so spreading the runs over workers must not
change a single bit of the files an experiment writes. The serial side runs
with one BLAS thread (``tests/experiments/conftest.py``, and minidl's own
choice for these networks without ``--threads``), as each worker does. The serial files are made once
(module fixture) and the worker pool and the Dask cluster are started once,
then reused by every test here.
"""

import json
import operator
import sys

import joblib
import numpy as np
import pytest

from minidl.cli import main
from minidl.experiments import (
    compare_batchnorm,
    compare_initialisations,
    compare_optimizers,
    overfitting,
    random_search,
)
from minidl.experiments.dispatch import JOBS, map_grid, map_runs
from minidl.settings import check

TINY = {
    "compare": ["--iterations", "6", "--seeds", "2", "--optimizers", "sgd,adam", "--smooth", "2"],
    "search": ["--trials", "3", "--epochs", "2", "--samples", "100", "--top", "2"],
}
FILES = {"compare": ("compare.csv", "compare.json", "compare.png"), "search": ("search.csv", "search.json")}


def run_experiment(name, folder, *options):
    plot = [] if f"{name}.png" in FILES[name] else ["--no-plot"]
    assert main(["experiment", name, "--out", str(folder), "--quiet", *plot, *TINY[name], *options]) == 0
    return {file: (folder / file).read_bytes() for file in FILES[name]}


@pytest.fixture(scope="module")
def serial(tmp_path_factory):
    """The files of each experiment run one run after another."""
    folder = tmp_path_factory.mktemp("serial")
    return {name: run_experiment(name, folder / name) for name in TINY}


@pytest.fixture(scope="module")
def cluster():
    """A Dask cluster on this machine: one worker process with two threads, as a remote worker would be."""
    distributed = pytest.importorskip("dask.distributed")
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=True, host="127.0.0.1",
                                  dashboard_address=None) as local_cluster:
        yield local_cluster


@pytest.mark.parametrize("name", sorted(TINY))
def test_n_jobs_2_writes_the_same_bytes_as_serial(name, serial, tmp_path):
    files = run_experiment(name, tmp_path, "--n-jobs", "2")
    assert files == serial[name]  # the CSV, the JSON and, for compare, the figure's PNG
    assert json.loads(files[f"{name}.json"])["experiment"] == name


@pytest.mark.parametrize("name", sorted(TINY))
def test_a_dask_cluster_writes_the_same_bytes_as_serial(name, serial, cluster, tmp_path):
    assert run_experiment(name, tmp_path, "--scheduler", cluster.scheduler_address) == serial[name]


def test_joblib_dask_backend_from_python(cluster):
    from dask.distributed import Client

    serial = random_search(trials=3, epochs=2, samples=100, progress=False)
    with Client(cluster.scheduler_address), joblib.parallel_backend("dask"):
        remote = random_search(trials=3, epochs=2, samples=100, progress=False)
    assert np.array_equal(remote.validation_accuracy, serial.validation_accuracy)
    assert np.array_equal(remote.learning_rates, serial.learning_rates)


@pytest.mark.parametrize("experiment, settings, field", [
    (compare_initialisations, {"iterations": 4, "seeds": 2, "initialisations": (0.01, "he")}, "losses"),
    (compare_batchnorm, {"weight_scales": (1.0, 0.01), "epochs": 1, "samples": 200}, "train_accuracy"),
    (overfitting, {"epochs": 2, "samples": 100, "dropout": 0.5}, "test_accuracy"),
], ids=["init", "batchnorm", "overfit"])
def test_the_other_experiments_give_the_same_numbers_in_parallel(experiment, settings, field):
    serial = experiment(progress=False, **settings)
    parallel = experiment(progress=False, n_jobs=2, **settings)
    assert np.array_equal(getattr(parallel, field), getattr(serial, field), equal_nan=True)


def test_progress_counts_every_run_done_and_left(capsys):
    compare_optimizers(optimizers=("sgd", "adam"), iterations=3, seeds=2, n_jobs=2)
    lines = capsys.readouterr().err.splitlines()  # not a terminal: one plain line a finished run
    assert lines == [f"compare optimizers: {done}/4 runs done" for done in range(1, 5)]


# The workers must import the function they run: one from the standard library
# imports anywhere, whereas one defined here needs the repository on their path,
# which depends on how pytest was started ("pytest" or "python -m pytest").
def test_map_runs_keeps_the_order_of_the_tasks():
    tasks = [(value, 0.5) for value in range(9, -1, -1)]
    assert map_runs(operator.add, tasks, "sums", progress=False, n_jobs=2) == [
        value + 0.5 for value in range(9, -1, -1)]



@pytest.mark.parametrize("n_jobs", [None, 2])
def test_map_grid_gives_each_key_and_seed_its_own_result(n_jobs):
    grid = map_grid(operator.mul, lambda key, seed: (key, seed), [2, 3, 5], [7, 11], "products", progress=False,
                    n_jobs=n_jobs)
    assert grid == [[14, 22], [21, 33], [35, 55]]


def test_a_failing_run_raises_its_own_error():
    with pytest.raises(TypeError, match="unsupported operand"):
        map_runs(operator.add, [(1, 0), (None, 0)], "sums", progress=False, n_jobs=2)


@pytest.mark.parametrize("n_jobs", [0, 1.5, True, "2"])
def test_n_jobs_must_be_a_whole_number_other_than_0(n_jobs):
    with pytest.raises(ValueError, match=r"n_jobs must be None or a whole number >= 1 \(or -1 for every core\)"):
        check(n_jobs, JOBS, "n_jobs")


@pytest.mark.parametrize("value", ["0", "-2", "two"])
def test_n_jobs_option_takes_a_count_or_minus_1(value, capsys):
    with pytest.raises(SystemExit) as exit_request:
        main(["experiment", "compare", "--n-jobs", value])
    assert exit_request.value.code == 2
    assert f"argument --n-jobs: expected a whole number >= 1 (or -1 for one job a core), got '{value}'" in (
        capsys.readouterr().err)


def test_without_dask_scheduler_names_the_extra(tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "dask.distributed", None)
    assert main(["experiment", "search", "--out", str(tmp_path), "--no-plot", "--scheduler", "tcp://x:1"]) == 1
    assert capsys.readouterr().err == ('minidl: error: running experiments on a Dask cluster needs dask, which is '
                                       'not installed; pip install "dask[distributed]>=2023.1" (minidl\'s '
                                       '[distributed] extra)\n')


def test_grid_search_of_minidl_classifier_on_dask_equals_serial(cluster):
    # The Dask path that docs/beyond.md shows for scikit-learn's own parallel search.
    from dask.distributed import Client
    from minidl.datasets import load_digits
    from sklearn.model_selection import GridSearchCV

    from minidl.sklearn import MinidlClassifier

    (x, y), _ = load_digits()
    grid = {"learning_rate_init": [0.001, 0.01]}
    classifier = MinidlClassifier(hidden_layer_sizes=(16,), max_iter=2, random_state=0)
    serial = GridSearchCV(classifier, grid, cv=2).fit(x[:300], y[:300])
    with Client(cluster.scheduler_address), joblib.parallel_backend("dask"):
        remote = GridSearchCV(classifier, grid, cv=2, n_jobs=-1).fit(x[:300], y[:300])
    assert np.array_equal(remote.cv_results_["mean_test_score"], serial.cv_results_["mean_test_score"])
    assert remote.best_params_ == serial.best_params_
