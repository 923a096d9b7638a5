"""Confinement of a grading child process: a scratch folder, a stripped environment, resource limits.

:func:`confine` is the first thing the grader's child process does
(:func:`minidl.homework.grading.runner.run_exercise`), before it imports any student
code. It makes accidents and simple abuse harmless, not a determined
attack:

- the working folder and ``HOME`` (and ``TMPDIR``) are a scratch folder of
  the grader's, deleted after grading: ``open("out.txt", "w")`` or
  ``~/.cache/...`` land there, not in the student's folder or the teacher's
  home. The student's ``.py`` files are imported from a copy inside it, so a
  submission cannot change itself between checks either;
- the environment keeps only what Python, numpy and the student's imports
  need (``PATH``, the locale, ``PYTHONPATH``, BLAS and OpenMP thread
  settings, Windows' system folders): the teacher's tokens and passwords
  in environment variables are not in ``os.environ`` of student code;
- resource limits, where the platform has them (:mod:`resource`, on Linux
  and macOS): CPU seconds (``RLIMIT_CPU``, a backstop behind the grader's
  wall-clock limit), the size of any file written (``RLIMIT_FSIZE``: a write
  past it fails with ``OSError`` instead of filling the disk), the address
  space (``RLIMIT_AS``, Linux: a huge array fails with ``MemoryError``), and
  the processes of the user (``RLIMIT_NPROC``: a fork bomb stops; not
  enforced for root).

What it cannot do: the code still runs as the teacher's user. An absolute
path (``/home/teacher/key/adam.py``, the results file) can be written, and
``/proc/<pid>/environ`` of the grader read. Grade untrusted code in a
container (docs/teaching.md, "Confinement").
"""

from __future__ import annotations

import math
import os
import shutil
import signal
import sys
import tempfile
from pathlib import Path

try:
    import resource
except ImportError:  # Windows
    resource = None

#: Bytes of address space student code may add to what the child has mapped when it starts.
MEMORY_ALLOWANCE = 2 * 2**30
#: The largest file student code may write, in bytes.
FILE_SIZE_LIMIT = 64 * 2**20
#: Processes (threads included) the user may start beyond those running when the child starts.
PROCESS_ALLOWANCE = 64

#: Environment variables kept (exactly these names, or these prefixes).
KEPT_NAMES = ("PATH", "LANG", "LANGUAGE", "TZ", "PYTHONPATH", "PYTHONHASHSEED", "PYTHONIOENCODING", "PYTHONUTF8",
              "SYSTEMROOT", "WINDIR", "COMSPEC", "PATHEXT", "NUMBER_OF_PROCESSORS")
KEPT_PREFIXES = ("LC_", "OPENBLAS_", "OMP_", "MKL_", "GOTO_", "BLIS_", "VECLIB_")


def kept_environment(environment):
    """The part of ``environment`` (a mapping) that student code gets."""
    return {name: value for name, value in environment.items()
            if name in KEPT_NAMES or name.startswith(KEPT_PREFIXES)}


def confine(work, submission, time_limit):
    """Confine this process before student code runs; return the folder to import the student's files from.

    Parameters
    ----------
    work : str or os.PathLike
        An empty scratch folder of the grader's: it becomes the working
        folder, holding ``home`` (``HOME``, ``TMPDIR``) and ``submission``.
    submission : str or os.PathLike
        The student's folder; its ``.py`` files are copied into
        ``work/submission``.
    time_limit : float
        The grader's wall-clock limit, in seconds; CPU time is bounded a
        little above it.

    Returns
    -------
    str
        ``work/submission``, the absolute path of the copy.
    """
    work = Path(work).resolve()
    copy, home = work / "submission", work / "home"
    copy.mkdir(parents=True, exist_ok=True)
    home.mkdir(exist_ok=True)
    for path in Path(submission).iterdir():
        if path.is_file() and path.suffix == ".py":
            shutil.copy2(path, copy / path.name)
    environment = kept_environment(os.environ)
    for name in ("HOME", "USERPROFILE", "TMPDIR", "TEMP", "TMP"):
        environment[name] = str(home)
    os.environ.clear()
    os.environ.update(environment)
    tempfile.tempdir = None  # forget the grader's temporary folder: the next call reads TMPDIR
    os.chdir(work)
    _limit(time_limit)
    return str(copy)


def _limit(time_limit):
    """Set the resource limits the platform has (see the module's docstring)."""
    if resource is None:
        return
    cpu = math.ceil(time_limit) + 1
    _set("RLIMIT_CPU", cpu, cpu + 1)
    _set("RLIMIT_FSIZE", FILE_SIZE_LIMIT)
    if hasattr(signal, "SIGXFSZ"):
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit raises OSError (EFBIG)
    mapped = _mapped_bytes()
    if mapped is not None:
        _set("RLIMIT_AS", mapped + MEMORY_ALLOWANCE)
    running = _user_processes()
    if running is not None:
        _set("RLIMIT_NPROC", running + PROCESS_ALLOWANCE)


def _set(name, soft, hard=None):
    """Lower the limit ``name`` to ``soft`` (and ``hard``), never above the present hard limit."""
    which = getattr(resource, name, None)
    if which is None:
        return
    _, present = resource.getrlimit(which)
    hard = soft if hard is None else hard
    if present != resource.RLIM_INFINITY:
        soft, hard = min(soft, present), min(hard, present)
    try:
        resource.setrlimit(which, (soft, hard))
    except (ValueError, OSError):
        pass  # the platform refuses this limit (macOS and RLIMIT_AS): the others still hold


def _mapped_bytes():
    """This process's address space in bytes (Linux), or None."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None
    return pages * os.sysconf("SC_PAGE_SIZE")


def _user_processes():
    """The number of threads of this process's real user (what RLIMIT_NPROC counts, Linux), or None."""
    if not sys.platform.startswith("linux"):
        return None
    uid, total = os.getuid(), 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = dict(line.split(":", 1) for line in (entry / "status").read_text().splitlines() if ":" in line)
            if int(fields["Uid"].split()[0]) == uid:
                total += int(fields["Threads"])
        except (OSError, KeyError, ValueError):
            continue  # the process ended meanwhile
    return total
