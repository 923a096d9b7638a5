"""Where an experiment's runs are made: here one after another, in joblib's worker processes, or on Dask.

An experiment is made of independent runs (an optimizer and a seed, a trial
of a search), each seeded on its own. :func:`map_runs` runs them one after
another, or side by side in joblib's worker processes (``n_jobs``), or on a
Dask cluster (:func:`dask_scheduler`): the numbers are the same bit for bit.
"""

from __future__ import annotations

import contextlib

from minidl.experiments.common import progress_bar
from minidl.optional import import_optional
from minidl.settings import Integer, check
from minidl.threads import limit_threads, note_thread_count

#: Seconds to wait for a Dask scheduler to answer before giving up.
SCHEDULER_TIMEOUT = 10


#: The n_jobs setting of map_runs: None (one process), a count, or -1 for every core (joblib's
#: other negative counts, every core but some, are let through too).
JOBS = Integer(1, none=True, note="or -1 for every core", also=Integer(high=-1))


def map_runs(function, tasks, description, progress=True, n_jobs=None):
    """Return ``[function(*task) for task in tasks]``, the runs spread over ``n_jobs`` workers.

    Parameters
    ----------
    function : callable
        One run, defined at the top level of a module (a worker process
        imports it by name).
    tasks : list of tuple
        The arguments of each run. Every run carries its own seed, so a run
        gives the same numbers whichever worker runs it, and when.
    description : str
        The label of the progress report, which counts finished runs.
    progress : bool, default True
    n_jobs : int or None, default None
        Runs at the same time, in joblib's worker processes (its "loky"
        backend); -1 means one a core. None means 1, unless the call is made
        inside ``with joblib.parallel_backend("dask"):`` (or another
        backend), which then decides. With 1 the runs are made here, one
        after another, exactly as written.

    Returns
    -------
    list
        The results, in the order of ``tasks`` whatever order they finished in.

    Notes
    -----
    Each worker limits BLAS to one thread: ``n_jobs`` workers already keep
    ``n_jobs`` cores busy, and a pool of BLAS threads in each would fight over
    them (oversubscription). Small matrices such as these run fastest on one
    thread anyway. The numbers are therefore bit-identical to those of the
    runs made here one after another *with one BLAS thread*, as minidl
    chooses for these networks (``threads=None``, see :mod:`minidl.threads`):
    OpenBLAS shares a product out differently over more threads, which
    changes the last bits of a float32.
    """
    from joblib import Parallel, delayed, effective_n_jobs

    tasks, n_jobs = list(tasks), check(n_jobs, JOBS, "n_jobs")
    results = [None] * len(tasks)
    with progress_bar(len(tasks), description, progress) as bar:
        if effective_n_jobs(n_jobs) == 1:
            for index, task in enumerate(tasks):
                results[index] = function(*task)
                bar.update()
            return results
        note_thread_count(1)  # what run_in_worker uses, in processes whose counts this one cannot see
        # batch_size=1: a run lasts seconds, so each one is its own job and the count moves run by run.
        parallel = Parallel(n_jobs=n_jobs, return_as="generator_unordered", batch_size=1)
        for index, result in parallel(delayed(run_in_worker)(function, index, task)
                                      for index, task in enumerate(tasks)):
            results[index] = result
            bar.update()
    return results


def map_grid(function, task, keys, seeds, description, progress=True, n_jobs=None):
    """Run ``function(*task(key, seed))`` for every key and seed; return the results as ``[key][seed]``.

    The runs of the experiments that train several configurations
    (``keys``: optimizers, initialisations, regularisations, ...) for
    several seeds (``seeds``: the random seeds, or any second label). They go to
    :func:`map_runs` seed by seed, every key of the first seed first.

    Parameters
    ----------
    function : callable
        One run, as for :func:`map_runs`.
    task : callable
        ``task(key, seed)`` gives the arguments of the run of ``key`` and ``seed``.
    keys, seeds : sequence
    description, progress, n_jobs
        As for :func:`map_runs`.

    Returns
    -------
    list of list
        ``grid[i][j]`` is the result of ``keys[i]`` with ``seeds[j]``.
    """
    runs = [(index, seed_index) for seed_index in range(len(seeds)) for index in range(len(keys))]
    results = map_runs(function, [task(keys[index], seeds[seed_index]) for index, seed_index in runs],
                       description, progress, n_jobs)
    grid = [[None] * len(seeds) for _ in keys]
    for (index, seed_index), result in zip(runs, results):
        grid[index][seed_index] = result
    return grid


def run_in_worker(function, index, task):
    """``(index, function(*task))``, computed with one BLAS thread (see :func:`map_runs`)."""
    with limit_threads(1):
        return index, function(*task)


def dask_scheduler(address):
    """Connect to the Dask cluster at ``address``; a context in which the runs go there.

    ``address`` is the scheduler's, such as ``"tcp://10.0.0.5:8786"`` (started
    with ``dask scheduler``, its workers with ``dask worker ADDRESS``). The
    runs go through joblib's Dask backend, so inside ``with
    dask_scheduler(address):`` :func:`map_runs` uses every worker thread of
    the cluster; leaving the block closes the connection. It connects at
    once, so a wrong address is reported before any run starts. From Python
    the same is::

        from dask.distributed import Client
        import joblib

        with Client(address), joblib.parallel_backend("dask"):
            result = compare_optimizers(seeds=10)

    Raises
    ------
    ModuleNotFoundError
        Without dask.distributed (``pip install -e ".[distributed]"``).
    ValueError
        If no scheduler answers at ``address`` within :data:`SCHEDULER_TIMEOUT` seconds.
    """
    import joblib

    distributed = import_optional("dask.distributed", "distributed", "running experiments on a Dask cluster")
    try:
        client = distributed.Client(address, timeout=SCHEDULER_TIMEOUT)
    except (OSError, TimeoutError, ValueError, TypeError) as error:
        raise ValueError(
            f"cannot reach a Dask scheduler at {address!r} ({error}); "
            "check the address, or start one with `dask scheduler` and its workers with `dask worker ADDRESS`"
        ) from error
    context = contextlib.ExitStack()
    context.enter_context(client)
    context.enter_context(joblib.parallel_backend("dask", client=client))
    return context
