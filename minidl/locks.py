"""Output locks: while a run writes a file, no other run may write it too.

Two ``minidl train`` processes given the same ``--checkpoint`` (or
``--save``, ``--history``) would both run to the end, both report their
save, and the file would hold whichever wrote last. So a run holds an
advisory lock on each of its outputs for its whole life
(:func:`hold_outputs`), taken before its first step; a second run on the
same file is refused at once, told which process holds it. Every other
write (:func:`minidl.files.atomic_write`: ``save_model``, ``History.save``,
...) checks the lock too (:func:`check_not_held`), so no one-off save lands
in a file that a running run will overwrite.

How
---
The lock is ``fcntl.flock`` on a small file beside the output,
``.NAME.lock`` (``NAME`` as in :func:`minidl.files.companion_stem`). Not on
the output itself: every write replaces the output by a rename, so the file
a lock was taken on is gone after the first checkpoint. Not on the folder:
that would let only one run write into a folder. ``flock`` rather than
``lockf`` (POSIX record locks): a record lock belongs to the process and is
dropped as soon as the process closes *any* descriptor of the file, even one
opened only to read it; a ``flock`` belongs to one open file and is dropped
only when that is closed.

The kernel drops a ``flock`` when its process ends, however it ends: a run
killed outright (``kill -9``, a power cut) blocks no one. The holder writes
its PID and command line into the lock file, for the message only: whether a
lock is held is asked of the kernel, never read from the file. At the end of
a run the lock file is deleted (while still locked; a process that opened
it meanwhile sees that its file is no longer the one named ``.NAME.lock``
and starts over); the lock file of a killed run is deleted by the next run
or write on that output, as its temporary files are.

Limits
------
The lock is between processes: within one process, the locks of one file
are one lock, counted, so that ``minidl train`` and its Trainer, which both
hold the checkpoint, do not refuse each other. ``flock`` is advisory: only
programs that ask for it (minidl) are kept out. On Windows there is no
``fcntl``: no lock is taken there, and two runs on one output are not
detected (the atomic writes still never leave a half-written file).
"""

from __future__ import annotations

import contextlib
import os
import shlex
import sys
import threading
import time
from pathlib import Path

from minidl.files import companion_stem

try:
    import fcntl
except ImportError:  # Windows: no locks (see Limits above)
    fcntl = None

#: How long a writer waits for a lock held only for a moment (another
#: writer's check, or a run that has locked but not yet said who it is)
#: before it reports the lock as held.
MOMENT = 0.5

_held = {}  # lock file (str) -> [descriptor, count]: the locks this process holds
_guard = threading.Lock()


class OutputInUseError(ValueError):
    """An output file is being written by another run, which holds its lock."""


def lock_file(path):
    """The lock file of the output ``path``: ``.NAME.lock`` beside the file that ``path`` names, links followed."""
    real = Path(os.path.realpath(path))
    return real.parent / f".{companion_stem(real.parent, real.name)}.lock"


@contextlib.contextmanager
def hold_outputs(outputs):
    """Hold the lock of each output for the time of the ``with`` block.

    Parameters
    ----------
    outputs : iterable of (str, path)
        Each output as messages name it (``"--checkpoint"``,
        ``"checkpoint"``) and its path; a path of None is skipped.

    Raises
    ------
    OutputInUseError
        If another process holds the lock of one of them: nothing is then
        held, and the message names that process and its command line.
    ValueError
        If a lock file cannot be made (it is a symbolic link, say).
    """
    taken = []
    try:
        for name, path in outputs:
            if path is not None and fcntl is not None:
                taken.append(_acquire(name, path))
        yield
    finally:
        for key in reversed(taken):
            _release(key)


def check_not_held(path, name):
    """Refuse to write ``path`` while another process holds its lock (``name`` begins the message).

    A lock file that no one holds is left from a run killed outright: it is
    deleted here.
    """
    if fcntl is None:
        return
    key = str(lock_file(path))
    with _guard:
        if key in _held:  # this process's own run: its writes are the ones the lock is for
            return
        try:
            descriptor = os.open(key, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
        except OSError:  # no lock file: no run holds this output (or none that this user may ask about)
            return
        try:
            _lock(descriptor, name, path, key)
            if _still_named(descriptor, key):
                with contextlib.suppress(OSError):
                    os.unlink(key)
        finally:
            os.close(descriptor)  # also lets the lock go


# ================================================================ the steps
def _acquire(name, path):
    key = str(lock_file(path))
    with _guard:
        if key in _held:
            _held[key][1] += 1
            return key
        while True:
            descriptor = _open(key, name, path)
            try:
                _lock(descriptor, name, path, key)
            except BaseException:
                os.close(descriptor)
                raise
            if _still_named(descriptor, key):
                break
            os.close(descriptor)  # its last holder deleted it between our open and our lock: a new one
        _say_who_holds(descriptor)
        _held[key] = [descriptor, 1]
        return key


def _release(key):
    with _guard:
        entry = _held[key]
        entry[1] -= 1
        if entry[1]:
            return
        del _held[key]
        with contextlib.suppress(OSError):
            if _still_named(entry[0], key):
                os.unlink(key)  # before the lock goes: whoever opens it now finds it is not the file named so
        os.close(entry[0])


def _open(key, name, path):
    """Open (or create) the lock file; never through a link, read-only if it is another user's."""
    flags = os.O_NOFOLLOW | os.O_CLOEXEC
    try:
        return os.open(key, os.O_RDWR | os.O_CREAT | flags, 0o666)
    except PermissionError:
        with contextlib.suppress(OSError):
            return os.open(key, os.O_RDONLY | flags)  # flock needs no write access
        error = "it cannot be opened (permission denied)"
    except OSError as exc:
        error = "it is a symbolic link, which a lock file never is" if os.path.islink(key) else exc.strerror
    raise ValueError(f"{name} {str(path)!r}: cannot take its lock {os.path.basename(key)!r}: {error}; "
                     "remove that file, or choose another path")


def _lock(descriptor, name, path, key):
    """Take the exclusive lock, waiting at most :data:`MOMENT` for a holder that has not said who it is."""
    deadline = time.monotonic() + MOMENT
    while True:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            holder = _holder(descriptor)
            if holder is None and time.monotonic() < deadline:
                time.sleep(0.01)
                continue
            who = f"process {holder[0]} ({holder[1]})" if holder else "another process"
            subject = f"{name} {str(path)!r} is" if not name.startswith("cannot") else f"{name} {str(path)!r}: it is"
            raise OutputInUseError(
                f"{subject} being written by another run: {who} holds its lock {os.path.basename(key)!r}; wait "
                "for that run to end (or stop it), or choose another file name") from None


def _still_named(descriptor, key):
    """Whether the open lock file is still the file named ``key`` (not deleted by its last holder)."""
    try:
        named = os.stat(key, follow_symlinks=False)
    except FileNotFoundError:
        return False
    opened = os.fstat(descriptor)
    return (opened.st_dev, opened.st_ino) == (named.st_dev, named.st_ino)


def _say_who_holds(descriptor):
    """Write this process's PID and command line into the lock file it holds (for messages only)."""
    text = f"{os.getpid()}\n{_command_line()}\n".encode("utf-8", "backslashreplace")
    with contextlib.suppress(OSError):  # opened read-only (another user's file): the message does without
        os.ftruncate(descriptor, 0)
        os.pwrite(descriptor, text, 0)


def _holder(descriptor):
    """(PID, command line) as the holder wrote them, or None if it has not (yet)."""
    try:
        lines = os.pread(descriptor, 4096, 0).decode("utf-8", "replace").splitlines()
    except OSError:
        return None
    if len(lines) < 2 or not lines[0].isdigit():
        return None
    return int(lines[0]), lines[1]


def _command_line(limit=200):
    """This process's command as typed, e.g. ``minidl train --checkpoint run.npz``, cut at ``limit`` characters."""
    program = os.path.basename(sys.argv[0]) if sys.argv and sys.argv[0] else "python"
    if program == "__main__.py":  # python -m PACKAGE
        spec = getattr(sys.modules.get("__main__"), "__spec__", None)
        program = f"python -m {spec.name.removesuffix('.__main__')}" if spec else "python"
    text = " ".join([program, *map(shlex.quote, sys.argv[1:])])
    return text if len(text) <= limit else text[:limit - 3] + "..."
