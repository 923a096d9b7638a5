"""Safe files: atomic writes and pickle-free ``.npz`` archives.

Everything minidl writes to disk (models, checkpoints, optimizer state, the
MNIST cache, histories, figures) goes through :func:`atomic_write`: the bytes
land in a temporary file in the same folder, which is then renamed over the
target. A crash, a full disk or a Ctrl-C half-way through therefore leaves
either the old file or the new one, never a half-written mix.

JSON files (histories, experiment records) are written strictly: numpy
values made plain, and NaN or infinity as ``null``, since the words ``NaN``
and ``Infinity`` that Python writes by default are not JSON and most other
readers refuse the whole file.

Archives are numpy ``.npz`` files, read by :mod:`minidl.archive`, which
never unpickles and never lets a file cost more than its arrays. JSON
metadata (an architecture, hyperparameters) travels inside the archive as a
0-d unicode array under the key ``"__meta__"``, which numpy stores without
pickling.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import tempfile
from pathlib import Path

import numpy as np

from minidl.archive import META_KEY, open_archive


def check_output_folder(path, option=None):
    """Return the folder ``path`` will be written into; raise if it is not a folder.

    Called before long work (training) as well as at the write itself, so a
    typo in an output path is reported at once, not after an hour.
    """
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        problem = "is a file, not a folder" if folder.exists() else "does not exist"
        what = f"{option} {str(path)!r}" if option else f"cannot write {str(path)!r}"
        raise ValueError(
            f"{what}: folder {str(folder)!r} {problem}; "
            "create the folder first or choose another path"
        )
    return folder


@contextlib.contextmanager
def atomic_write(path, mode="wb"):
    """Open a temporary file beside ``path``; rename it onto ``path`` on success.

    Parameters
    ----------
    path : str or os.PathLike
        Final destination. Its folder must exist and be writable.
    mode : {"wb", "w"}
        Binary or text mode for the temporary file.

    Yields
    ------
    file
        The open temporary file. If the ``with`` block raises (including
        ``KeyboardInterrupt``), the temporary file is deleted and ``path`` is
        left exactly as it was.
    """
    path = Path(path)
    folder = check_output_folder(path)
    try:
        handle, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    except PermissionError as exc:
        raise ValueError(
            f"cannot write {str(path)!r}: folder {str(folder)!r} is not writable; "
            "choose a folder you can write to"
        ) from exc
    try:
        # mkstemp makes the file private (0600); give it the permissions an
        # ordinary open() would, so a saved model is as readable as any file.
        os.chmod(tmp_name, 0o666 & ~_UMASK)
        with os.fdopen(handle, mode) as file:
            yield file
            file.flush()
            os.fsync(file.fileno())
        os.replace(tmp_name, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp_name)
        raise


def _read_umask():
    # os.umask can only be read by setting it; done once, at import, so no
    # other thread can create a file during the moment it is 0.
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


_UMASK = _read_umask()


def save_npz(path, arrays, meta=None):
    """Atomically write ``arrays`` (a dict name -> array) and JSON ``meta`` to ``path``.

    Numpy would append ``.npz`` to a name without it; we write exactly the
    ``path`` given, so what the user typed is what appears on disk.
    """
    payload = {name: np.asarray(value) for name, value in arrays.items()}
    if META_KEY in payload:
        raise ValueError(f"array name {META_KEY!r} is reserved for metadata")
    # numpy would pickle an object array, and load_npz refuses pickles: such a
    # file could never be read back, so refuse it before touching the disk.
    pickled = sorted(name for name, value in payload.items() if value.dtype.hasobject)
    if pickled:
        raise ValueError(
            f"arrays {pickled} hold Python objects (dtype object), which can only be saved "
            "as a pickle; convert them to numbers or strings first (e.g. np.asarray(values, dtype=float))"
        )
    if meta is not None:
        payload[META_KEY] = np.array(json.dumps(meta))
    with atomic_write(path) as file:
        np.savez(file, **payload)


def load_npz(path, what="archive"):
    """Read an archive written by :func:`save_npz`, never unpickling anything.

    The checks are those of :func:`minidl.archive.open_archive`: a file costs
    the memory and time of its arrays, no more, whatever its headers claim.
    Use ``open_archive`` itself to look at the shapes before reading the data.

    Returns
    -------
    arrays : dict
        Name -> numpy array (fully read into memory).
    meta : dict or None
        The JSON metadata, if the archive has some.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    OSError
        If the file cannot be read (no permission, an I/O error): its content
        is not in question.
    ValueError
        If ``path`` is not a regular file, or the file is not a readable
        ``.npz`` archive (truncated, corrupted, or holding pickled objects);
        the message names the file and what is wrong with it.
    """
    with open_archive(path, what) as archive:
        return archive.read_all(), archive.meta


def json_ready(value):
    """``value`` with numpy scalars, arrays and tuples turned into plain Python values.

    Non-finite floats (``nan``, ``inf``, ``-inf``) become ``None``, which
    JSON writes as ``null``; a reader gets ``None`` back, not the number.
    Dicts and lists are converted item by item; dict keys become strings.
    """
    if isinstance(value, dict):
        return {str(key): json_ready(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_ready(item) for item in value]
    if isinstance(value, np.ndarray):
        return json_ready(value.tolist())
    if isinstance(value, np.generic):
        return json_ready(value.item())
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def write_json(path, record, indent=2):
    """Atomically write ``record`` (numpy values allowed) to ``path`` as strict, indented JSON."""
    with atomic_write(path, "w") as file:
        json.dump(json_ready(record), file, indent=indent, allow_nan=False)
        file.write("\n")
