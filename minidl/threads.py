"""How many threads minidl's matrix products use, and limiting them while minidl works.

numpy hands every matrix product (``x @ W``) to a BLAS library, usually
OpenBLAS, which by default starts one thread per core and splits each product
between them. For a large product that is a fine idea. For the small ones of
minidl's networks it is not: the threads must meet after every product, and a
product of a 32 x 64 batch by a 64 x 256 weight matrix takes a tenth of a
millisecond. On an idle machine the meetings cost a little; on a machine where
another program keeps a core busy they cost a lot, because a thread that has to
wait for its core holds up the others at every product. How much that costs,
measured with ``benchmarks/threads.py``, is in docs/performance.md ("Threads on
a busy machine").

So minidl decides how many threads its own work uses, and sets that number only
while the work runs:

>>> from minidl.threads import choose_threads, limit_threads
>>> choose_threads([784, 512, 512, 10], batch_size=128)      # MNIST training: 1
1
>>> with limit_threads(1):            # everything minidl does in here uses one thread
...     history = minidl.fit(network, x, t, epochs=5)

``Trainer(..., threads=None)`` and ``fit(..., threads=None)``, the ``minidl``
commands' ``--threads N`` and the experiments all go through
:func:`limit_threads`. ``threads=None`` (the default) means *minidl decides*,
with :func:`choose_threads`; a number means exactly that number. Before and
after, the user's own limits are untouched: minidl changes nothing outside its
calls.

Threads and reproducibility
---------------------------
A product split between two threads adds its terms in another order than one
thread does, so the last bits of the result can change with the thread count
(they do with OpenBLAS). The same seed therefore gives bit-identical runs *on
the same thread count*. That is why ``threads=None`` never looks at how busy
the machine is: the count it picks depends only on the network, the batch size
and the number of cores, so a run repeats bit for bit. The count in effect is
written in every epoch of the :class:`~minidl.training.History` (``threads``)
and in checkpoints; continuing a checkpoint on another count says so once.
Another processor's BLAS kernel changes the last bits the same way (see
:mod:`minidl.environment`).
"""

from __future__ import annotations

import contextlib
import contextvars
import os

import threadpoolctl

from minidl.settings import Integer, check

#: Multiply-adds a thread must get from a step's largest matrix product before
#: minidl gives it one: below that a second thread made the products slower,
#: above it mostly faster, idle or with a core busy. So two threads from 2e9
#: on. The measurements (``benchmarks/threads.py``) are in docs/performance.md,
#: "Threads on a busy machine".
WORK_PER_THREAD = 1_000_000_000

# The count of the innermost limit_threads block, so that minidl calls inside it
# that are left at threads=None use the same count instead of deciding again.
_count_in_force = contextvars.ContextVar("minidl_threads_in_force", default=None)

# Every count a limit_threads block of this process has had, for the records of
# the experiments (see thread_counts_used).
_counts_used = set()


class ThreadCountWarning(UserWarning):
    """A run continues on another thread count than its first epochs had: its last bits may differ."""


#: The ``threads`` setting of every minidl call that computes: None or a count.
THREADS = Integer(1, none="minidl decides")


def usable_cores():
    """The number of cores this process may run on (its CPU affinity, where the system has one)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def choose_threads(layer_sizes, batch_size, cores=None):
    r"""The thread count minidl uses for ``threads=None``: one unless the products are large.

    Parameters
    ----------
    layer_sizes : sequence of int
        The widths of the layers, input first: ``[784, 512, 512, 10]`` for
        a network ``MLP(784, [512, 512], 10)``.
    batch_size : int
        Rows multiplied at once: the mini-batch when training, the chunk of
        rows when evaluating.
    cores : int, optional
        The cores to share out; default :func:`usable_cores`.

    Returns
    -------
    int
        Between 1 and ``cores``.

    Notes
    -----
    The largest product of a step multiplies a batch of :math:`B` rows by a
    weight matrix of :math:`n_{l-1} \times n_l`, that is

    .. math:: W_{\max} = B \, \max_l \, n_{l-1} n_l

    multiply-adds, and every thread must wait for the slowest one at the end
    of it. Each thread is therefore given at least :data:`WORK_PER_THREAD`
    of them:

    .. math:: \text{threads} = \min\left(\text{cores},\ \max\left(1,
              \left\lfloor W_{\max} / \text{WORK\_PER\_THREAD} \right\rfloor\right)\right)

    The digits quick start (64-256-10, batches of 32: 5e5), the book's
    784-[100]x4-10 in batches of 100 (8e6) and MNIST's 784-512-512-10 in
    batches of 128 (5e7) all train on one thread; evaluating that MNIST
    network in chunks of 10,000 rows (4e9) uses up to four threads.
    """
    sizes = [int(size) for size in layer_sizes]
    largest = int(batch_size) * max(fan_in * fan_out for fan_in, fan_out in zip(sizes, sizes[1:]))
    cores = usable_cores() if cores is None else cores
    return max(1, min(cores, largest // WORK_PER_THREAD))


def network_sizes(network):
    """The widths between a network's matrix products, input first (its ``layer_sizes``, :mod:`minidl.protocols`).

    For an :class:`minidl.MLP`, ``[input_size, *hidden_sizes, output_size]``.
    """
    return list(network.layer_sizes)


@contextlib.contextmanager
def limit_threads(threads=None, layer_sizes=None, batch_size=None):
    """Limit the BLAS and OpenMP threads inside a ``with`` block; restore them after.

    Parameters
    ----------
    threads : int or None, default None
        A number: exactly that many threads. ``None``: the count of the
        enclosing ``limit_threads`` block if there is one, otherwise
        :func:`choose_threads` for ``layer_sizes`` and ``batch_size``, but never
        more than the threads the BLAS allowed before (so a limit set by
        ``OPENBLAS_NUM_THREADS=1`` or by a parallel worker is kept).
    layer_sizes : sequence of int, optional
        The layer widths of the network the block computes with, e.g.
        ``network_sizes(network)`` (needed for ``None`` outside another
        block).
    batch_size : int, optional
        The rows multiplied at once (needed with ``layer_sizes``).

    Yields
    ------
    int
        The thread count in effect inside the block.

    Examples
    --------
    One BLAS thread for each of several training runs in parallel (the
    runs' own ``threads=None`` then means 1)::

        def one_run(seed):
            with limit_threads(1):
                return minidl.fit(minidl.MLP(64, [100], 10, seed=seed), x, t, seed=seed)

    Notes
    -----
    The limits are the process's own (threadpoolctl sets them in the BLAS
    library itself), so two Python threads training at once share them.
    """
    threads = check(threads, THREADS, "threads")
    if threads is None:
        threads = _count_in_force.get()
    controller = threadpoolctl.ThreadpoolController()
    if threads is None:
        if layer_sizes is None or batch_size is None:
            raise TypeError("limit_threads(None) outside another limit_threads block needs layer_sizes and "
                            "batch_size to decide from; or give a number of threads")
        allowed = _blas_threads(controller) or usable_cores()
        threads = min(allowed, choose_threads(layer_sizes, batch_size))
    limiter = controller.limit(limits=threads)
    # The library may allow fewer than asked (OpenBLAS stops at the count it was built for).
    in_effect = _blas_threads(controller) or threads
    note_thread_count(in_effect)
    token = _count_in_force.set(in_effect)
    try:
        yield in_effect
    finally:
        _count_in_force.reset(token)
        limiter.restore_original_limits()


def note_thread_count(count):
    """Remember that minidl's products ran on ``count`` threads (here or in a worker process)."""
    _counts_used.add(int(count))


def thread_counts_used():
    """The thread counts minidl's :func:`limit_threads` blocks have used in this process, sorted.

    A ``minidl experiment`` command runs in a process of its own, so its
    record (``NAME.json``, see :mod:`minidl.environment`) gives exactly the
    counts its runs used: ``[1]`` for the gallery. An empty list if none
    ran yet.
    """
    return sorted(_counts_used)


def _blas_threads(controller):
    """The largest thread count of the BLAS libraries ``controller`` sees; None if it sees none."""
    counts = [pool["num_threads"] for pool in controller.info() if pool["user_api"] == "blas"]
    return max(counts, default=None)
