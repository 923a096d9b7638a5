"""The computing environment a result was made in: numpy, its BLAS and kernel, threads, platform.

A seeded minidl run repeats bit for bit on the same machine, with the same
numpy and BLAS build and the same thread count. Change one of them and the
last bits of a float32 matrix product may change: OpenBLAS picks its
*kernel* (hand-tuned code for one family of processors, such as
``Haswell`` or ``SkylakeX``) when it loads, and two kernels add the terms
of a dot product in different orders. After hundreds of training steps
that last bit has grown into a different loss in the third or fourth digit.

So every experiment record (``NAME.json``) carries the environment that
made it:

>>> from minidl.environment import environment
>>> environment(threads=[1])                                  # doctest: +SKIP
{'numpy': '2.4.6', 'blas': {'internal_api': 'openblas', 'version': '0.3.31.188.0',
 'architecture': 'SkylakeX'}, 'threads': [1], 'platform': 'Linux', 'machine': 'x86_64'}

Two records can be compared bit for bit only if their environments are
equal (:func:`same_environment`); otherwise only what the numbers show
(which optimizer is ahead, ...) can be compared. ``OPENBLAS_CORETYPE=Haswell``
set before Python starts makes OpenBLAS use that kernel on any processor
that can run it, which is how one machine can check another's results.
"""

from __future__ import annotations

import platform

import numpy as np
import threadpoolctl


def numpy_blas():
    """The threadpoolctl entry of the BLAS numpy uses (a dict), or None if threadpoolctl sees none.

    Other packages may load their own BLAS (scipy ships a second OpenBLAS);
    numpy's is the one whose file lies in numpy's folder (``numpy.libs``,
    ``numpy/.libs``), else the first one found.
    """
    libraries = [entry for entry in threadpoolctl.threadpool_info() if entry["user_api"] == "blas"]
    for entry in libraries:
        if "numpy" in str(entry.get("filepath", "")):
            return entry
    return libraries[0] if libraries else None


def environment(threads=None):
    """The environment results made in this process depend on, as a JSON-ready dict.

    Parameters
    ----------
    threads : list of int, optional
        The BLAS thread counts the computation used (the experiments record
        them with :func:`minidl.threads.thread_counts_used`). Default: the
        count the BLAS allows now.

    Returns
    -------
    dict
        ``numpy`` (version), ``blas`` (``internal_api``, ``version`` and the
        kernel ``architecture`` threadpoolctl reports, or None without a
        BLAS it knows), ``threads``, ``platform`` (``Linux``, ``Darwin``,
        ``Windows``) and ``machine`` (``x86_64``, ``arm64``, ...).
    """
    blas = numpy_blas()
    if threads is None:
        threads = [blas["num_threads"]] if blas else []
    return {
        "numpy": np.__version__,
        "blas": None if blas is None else {key: blas.get(key) for key in ("internal_api", "version", "architecture")},
        "threads": [int(count) for count in threads],
        "platform": platform.system(),
        "machine": platform.machine(),
    }


def same_environment(first, second):
    """Whether two :func:`environment` dicts promise the same numbers bit for bit (None: unknown, so no)."""
    return first is not None and second is not None and first == second


def describe(environment):
    """One line naming an :func:`environment`: ``numpy 2.4.6, openblas 0.3.31 SkylakeX, 1 thread, Linux x86_64``."""
    if not environment:
        return "an unrecorded environment"
    blas = environment.get("blas")
    library = "no known BLAS" if not blas else \
        f"{blas.get('internal_api')} {blas.get('version')} {blas.get('architecture') or '(kernel unknown)'}"
    threads = environment.get("threads") or []
    counts = "/".join(str(count) for count in threads) or "?"
    plural = "" if threads == [1] else "s"
    return (f"numpy {environment.get('numpy')}, {library}, {counts} thread{plural}, "
            f"{environment.get('platform')} {environment.get('machine')}")
