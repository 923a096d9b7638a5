"""A compact, checksummed cache of a downloaded data set.

Parsing MNIST from OpenML's text (ARFF) format takes about half a minute. So
the first load stores the result as four ``uint8`` arrays in one
uncompressed ``.npz`` file (55 MB for MNIST), and every later load just
reads them back, in a fraction of a second.

Three guarantees:

* **Atomic**: the file is written beside its destination and renamed into
  place (:func:`minidl.files.save_npz`), so a crash never leaves half a file.
* **Verified**: a SHA-256 checksum of the arrays is stored in the file's
  metadata and recomputed on every load, so a damaged file is noticed instead
  of silently training on garbage.
* **No pickle**: the archive holds plain arrays and is read with
  ``allow_pickle=False``; opening a cache file can never run code.
"""

from __future__ import annotations

import hashlib

import numpy as np

from minidl.files import load_npz, save_npz

CACHE_FORMAT = "minidl-dataset-cache"
CACHE_VERSION = 1
ARRAY_NAMES = ("x_train", "t_train", "x_test", "t_test")


class CorruptCacheError(ValueError):
    """A cache file exists but cannot be trusted (truncated, altered, or stale)."""


def checksum(arrays):
    """SHA-256 of the named arrays, their dtypes and their shapes, as hex.

    Parameters
    ----------
    arrays : dict of str to ndarray
        Must contain every name in :data:`ARRAY_NAMES`.

    Notes
    -----
    The digest covers, for each array in the fixed order of
    :data:`ARRAY_NAMES`, its name, dtype, shape and raw bytes. Hashing the
    shapes too means that, say, a reshaped array with the same bytes does not
    pass as the original.
    """
    digest = hashlib.sha256()
    for name in ARRAY_NAMES:
        array = np.ascontiguousarray(arrays[name])
        digest.update(f"{name}:{array.dtype.str}:{array.shape};".encode())
        digest.update(memoryview(array).cast("B"))
    return digest.hexdigest()


def save_cache(path, arrays, source, overwrite=False):
    """Atomically write the four arrays and their checksum to ``path``.

    Parameters
    ----------
    path : str or os.PathLike
        Destination ``.npz`` file; its folder must exist.
    arrays : dict of str to ndarray
        ``x_train``, ``t_train``, ``x_test``, ``t_test`` (uint8 for a compact
        file; any dtype is accepted and kept).
    source : str
        Where the data came from, e.g. ``"OpenML mnist_784 version 1"``.
        Stored in the metadata and checked on load, so a cache written for
        one data set is never served for another.
    overwrite : bool, default False
        Replace whatever file is at ``path``: the loader passes True when it
        found the cache there damaged (a truncated file is no longer an
        archive, which :func:`minidl.files.save_npz` would otherwise keep).
    """
    arrays = {name: np.ascontiguousarray(arrays[name]) for name in ARRAY_NAMES}
    meta = {
        "format": CACHE_FORMAT,
        "version": CACHE_VERSION,
        "source": source,
        "sha256": checksum(arrays),
    }
    save_npz(path, arrays, meta=meta, overwrite=overwrite)


def load_cache(path, source):
    """Read a cache written by :func:`save_cache`, verifying its checksum.

    Parameters
    ----------
    path : str or os.PathLike
        The cache file.
    source : str
        The ``source`` it must have been written for.

    Returns
    -------
    dict of str to ndarray
        ``x_train``, ``t_train``, ``x_test``, ``t_test``.

    Raises
    ------
    FileNotFoundError
        If there is no cache file yet.
    CorruptCacheError
        If the file is unreadable, truncated, lacks an array or its metadata,
        was written for another source, or its checksum does not match. The
        message names the file.
    """
    what = "data set cache"
    try:
        arrays, meta = load_npz(path, what=what)
    except ValueError as exc:
        raise CorruptCacheError(str(exc)) from exc

    def corrupt(problem):
        return CorruptCacheError(
            f"{what} {str(path)!r} cannot be trusted: {problem}; "
            "delete it and load the data set again to rebuild it"
        )

    if not meta or meta.get("format") != CACHE_FORMAT or meta.get("version") != CACHE_VERSION:
        raise corrupt(
            f"its metadata {meta!r} is not that of a minidl cache version {CACHE_VERSION}"
        )
    if meta.get("source") != source:
        raise corrupt(f"it was written for {meta.get('source')!r}")
    missing = [name for name in ARRAY_NAMES if name not in arrays]
    if missing:
        raise corrupt(f"arrays {missing} are missing")
    actual = checksum(arrays)
    if actual != meta.get("sha256"):
        raise corrupt(f"its SHA-256 checksum is {actual}, expected {meta.get('sha256')}")
    return {name: arrays[name] for name in ARRAY_NAMES}
