"""Safe files: atomic writes and pickle-free ``.npz`` archives.

Everything minidl writes to disk (models, checkpoints, optimizer state, the
MNIST cache, histories, figures) goes through :func:`atomic_write`: the bytes
land in a temporary file in the same folder, which is then renamed over the
target. A crash, a full disk or a Ctrl-C half-way through therefore leaves
either the old file or the new one, never a half-written mix.

Output paths are checked before long work starts (:func:`check_output_folder`):
a folder, a device such as ``/dev/null``, a read-only file or a folder where
nothing can be created is refused at once, not after training. A symbolic
link stays a link (the file it points to is replaced) but is written through
only onto a regular file of the kind written, owned by this user; an existing
file of another kind is not replaced without ``overwrite``. A replaced file keeps
its permission bits, and a result that cannot be written where asked is
kept in a fallback file (:func:`save_or_rescue`). While a run writes a
file, no other process writes it (:mod:`minidl.locks`).

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
import errno
import hashlib
import json
import math
import os
import re
import secrets
import stat
import tempfile
import zipfile
from pathlib import Path

import numpy as np

from minidl.archive import META_KEY, check_path, open_archive


def check_output_folder(path, option=None, kind=None, overwrite=False):
    """Prove that ``path`` can be written, and return the folder it will be written into.

    Called before long work (training, an experiment) as well as at the
    write itself, so a typo or a folder without permission is reported at
    once, not after an hour.

    Parameters
    ----------
    path : str or os.PathLike
        The file to be written. A symbolic link is followed: the file it
        points to is the one that will be replaced.
    option : str, optional
        The command-line option that gave ``path`` (e.g. ``"--save"``), to
        name it in messages.

    Raises
    ------
    ValueError
        If ``path`` is empty; names a folder, or something that is not a
        regular file (a device such as ``/dev/null``, a named pipe, a
        socket); names a read-only file; or lies in a folder that is missing,
        is a file, or where no file can be created. The last is proven by
        creating a file beside ``path`` and removing it at once.
    """
    target, _ = _output_target(path, option, kind, overwrite)
    check_writable_folder(target.parent, _describe(path, option), target.name)
    return target.parent


def check_writable_folder(folder, what, name="minidl"):
    """Create a file in ``folder`` and remove it at once; raise a ValueError starting with ``what`` if that fails.

    The only sure test: permissions, access lists, read-only file systems
    and full inode tables all show here, and nowhere cheaper.
    """
    made = []
    try:
        os.close(_create_temporary(Path(folder), name, what, made))
    finally:  # also after a Ctrl-C or SIGTERM that came just as the file was made
        for probe in made:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(probe)


@contextlib.contextmanager
def atomic_write(path, mode="wb", kind=None, overwrite=False):
    """Open a temporary file beside ``path``; rename it onto ``path`` on success.

    Parameters
    ----------
    path : str or os.PathLike
        Final destination. Its folder must exist and be writable. A
        symbolic link stays a link: the new file replaces the file it
        points to. Only a regular file is ever replaced (see
        :func:`check_output_folder` for what is refused).
    mode : {"wb", "w"}
        Binary or text mode for the temporary file.
    kind : {"archive", "model", "history"}, optional
        What is being written. An existing file that is not of this kind
        (e.g. notes under a model's name) is not replaced unless
        ``overwrite`` is true; through a symbolic link, never (see
        :func:`check_output_folder`). A ``"model"`` is an archive that
        does not replace a checkpoint either, unless ``overwrite``.
    overwrite : bool, default False
        Replace an existing plain file even when it is not of ``kind``.

    Yields
    ------
    file
        The open temporary file. If the ``with`` block raises (including
        ``KeyboardInterrupt``), the temporary file is deleted and ``path`` is
        left exactly as it was.

    Notes
    -----
    A file that a run of another process holds (:mod:`minidl.locks`: its
    ``--checkpoint``, ``--save``, ...) is not written: ``OutputInUseError``.
    A replaced file keeps its permission bits; a new file gets those of any
    new file (``0o666`` less the process's umask at this moment). The
    temporary file is named ``.NAME.PID.RANDOM.tmp`` (a name too long for
    that shortened by :func:`companion_stem`): if the process is
    killed outright (``kill -9``, a power cut) before it can delete it, the
    next write to the same ``path`` removes it, once no process with that
    PID is running.
    """
    from minidl.locks import check_not_held  # minidl.locks builds on this module

    target, existing = _output_target(path, None, kind, overwrite)
    check_not_held(path, "cannot write")  # a file that another process's run holds (minidl.locks)
    _remove_abandoned_temporaries(target)
    made = []  # the temporary file, listed before it exists: a signal just after it is made cannot leak it
    try:
        handle = _create_temporary(target.parent, target.name, _describe(path, None), made)
        temporary = made[-1]
        if existing is not None:
            os.chmod(temporary, stat.S_IMODE(existing.st_mode))
        with os.fdopen(handle, mode) as file:
            yield file
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, target)
    except BaseException as exc:
        for temporary in made:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temporary)
        if isinstance(exc, OSError) and exc.errno is not None:  # e.g. a full disk: say which file it was
            raise OSError(exc.errno, f"cannot write {str(path)!r}: {os.strerror(exc.errno)}") from exc
        raise


def _describe(path, option):
    return f"{option} {str(path)!r}" if option else f"cannot write {str(path)!r}"


#: What ``stat`` calls the kinds of file that are neither a regular file nor a folder.
_SPECIAL_FILES = {stat.S_ISCHR: "a character device", stat.S_ISBLK: "a block device",
                  stat.S_ISFIFO: "a named pipe (FIFO)", stat.S_ISSOCK: "a socket"}


def _output_target(path, option, kind=None, overwrite=False):
    """The file to replace (``path``, or where its symbolic link points) and its ``os.stat``, or None if new.

    A symbolic link is written through only onto a regular file of ``kind``
    owned by this user, and never where the kernel's protected-symlinks rule
    would refuse to follow it (a link of another user in a sticky,
    world-writable folder such as /tmp): minidl renames onto the file the
    link points to, so it must not follow a link the kernel itself would not.
    """
    check_path(path, "output file")
    what = _describe(path, option)
    # "--save 'm.npz' is a folder, ..." or "cannot write 'm.npz': it is a folder, ..."
    subject = f"{option} {str(path)!r} is" if option else f"{what}: it is"
    if not str(os.fspath(path)).strip():
        raise ValueError(f"{option or 'the output path'} is empty; give a file name such as model.npz")
    target = Path(path)
    length, limit = len(os.fsencode(target.name)), _name_max(target.parent if str(target.parent) else ".")
    if length > limit:  # before any look at the file, which would fail with a bare "File name too long"
        raise ValueError(f"{what}: the file name is {length} bytes long, more than the {limit} that the file "
                         "system allows; choose a shorter name")
    link = target.is_symlink()
    if link:
        _check_link(target, what)
        target = Path(os.path.realpath(target))
        if target.is_symlink():  # realpath stops where the links go round in a circle
            raise ValueError(f"{what}: the symbolic link leads round in a loop; point it at a file")
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        problem = "is a file, not a folder" if folder.exists() else "does not exist"
        raise ValueError(f"{what}: folder {str(folder)!r} {problem}; create the folder first or choose another path")
    try:
        existing = os.stat(target)
    except FileNotFoundError:
        existing = None
    except OSError as exc:
        raise ValueError(f"{what}: {exc.strerror}; choose another path") from exc
    if existing is not None:
        if stat.S_ISDIR(existing.st_mode):
            raise ValueError(f"{subject} a folder, not a file; give the path of a file in it")
        if not stat.S_ISREG(existing.st_mode):
            kind = next((name for test, name in _SPECIAL_FILES.items() if test(existing.st_mode)), "not a regular file")
            raise ValueError(f"{subject} {kind}, which minidl never replaces; choose the path of a regular file")
        if not os.access(target, os.W_OK):
            raise ValueError(f"{what}: the file is read-only (mode {stat.filemode(existing.st_mode)}); "
                             "make it writable (chmod u+w) or choose another path")
        if link and hasattr(os, "getuid") and existing.st_uid != os.getuid():
            raise ValueError(f"{what}: it is a symbolic link to {str(target)!r}, a file of another user "
                             f"(uid {existing.st_uid}), which minidl never replaces through a link; "
                             "choose another path")
        if kind is not None and (link or not overwrite) and not _holds_kind(target, kind):
            if link:
                raise ValueError(f"{what}: it is a symbolic link to {str(target)!r}, which does not hold a "
                                 f"{_KINDS[kind]}, so minidl does not replace it; choose another path, or remove "
                                 "the link")
            raise ValueError(f"{what}: the file exists and does not hold a {_KINDS[kind]}, so minidl does not "
                             "replace it; choose another path, or pass overwrite=True (--overwrite) to replace it")
        if kind == "model" and not overwrite:
            held = describe_existing(target)
            if held is not None and held.startswith("a minidl checkpoint"):
                raise ValueError(f"{what}: it holds {held}, which a model file would replace, and a model cannot "
                                 "be resumed; choose another file name, or pass overwrite=True (--overwrite) to "
                                 "replace it")
    elif link:
        raise ValueError(f"{what}: it is a symbolic link to {str(target)!r}, which does not exist; minidl does "
                         "not create files through links: remove the link or choose another path")
    return target, existing


#: What each kind of output is, in messages. A "model" is an archive that
#: replaces other archives but, unless asked, not a checkpoint: a run's
#: resumable state is worth more than a model file (a model can be saved again).
_KINDS = {"archive": "minidl archive (.npz)", "model": "minidl archive (.npz)",
          "history": "minidl history (CSV or JSON)"}


def _holds_kind(path, kind):
    """Whether the existing file ``path`` is one minidl writes as ``kind`` (so replacing it loses nothing else)."""
    if os.path.getsize(path) == 0:  # an empty file holds nothing to lose (e.g. a fallback made by mkstemp)
        return True
    if kind in ("archive", "model"):
        try:
            with open_archive(path, "file"):
                return True
        except Exception:
            return False
    try:
        with open(path, encoding="utf-8") as file:
            text = file.read(1 << 16)
    except (OSError, UnicodeDecodeError):
        return False
    if str(path).lower().endswith(".csv"):
        return text.startswith("epoch,") or not text
    try:
        record = json.loads(text)
    except ValueError:
        return not text
    return isinstance(record, dict) and record.get("format") == "minidl-history"


def _check_link(link, what):
    """Refuse a link the kernel's protected-symlinks rule would not let this user follow.

    In a sticky folder anyone may write to (/tmp), the kernel follows a link
    only for its owner or the folder's; another user's link planted there
    would otherwise redirect minidl's write onto the victim's file.
    """
    if not hasattr(os, "getuid"):
        return
    info, folder = os.lstat(link), os.stat(link.parent if str(link.parent) else ".")
    shared = folder.st_mode & stat.S_ISVTX and folder.st_mode & stat.S_IWOTH
    if shared and info.st_uid not in (os.getuid(), folder.st_uid):
        raise ValueError(f"{what}: it is a symbolic link of another user (uid {info.st_uid}) in the shared "
                         f"folder {str(link.parent)!r}, which the kernel would not follow; choose another path")


def _create_temporary(folder, name, what, made):
    """Create ``.NAME.PID.RANDOM.tmp`` in ``folder``, append its path to the list ``made``; return its descriptor.

    The path is listed before the file is created, so that a caller's clean-up
    finds it even when Ctrl-C or SIGTERM comes between the two (a name that
    turns out to be taken already is taken off the list again).

    ``os.open`` with mode ``0o666`` lets the kernel apply the umask of this
    very moment, as for any new file: nothing reads or changes the process's
    umask, which no other thread could then rely on. ``NAME`` is
    :func:`companion_stem` of ``name``: the name itself, shortened only when
    a name of the longest legal length leaves no room for the rest.
    """
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0) | getattr(os, "O_CLOEXEC", 0)
    stem = companion_stem(folder, name)
    while True:
        temporary = folder / f".{stem}.{os.getpid()}.{secrets.token_hex(4)}.tmp"
        made.append(temporary)
        try:
            return os.open(temporary, flags, 0o666)
        except FileExistsError:  # not ours: never to be removed
            made.remove(temporary)
            continue
        except PermissionError as exc:
            problem = "is not writable; choose a folder you can write to"
            raise ValueError(f"{what}: folder {str(folder)!r} {problem}") from exc
        except OSError as exc:
            if exc.errno == errno.EROFS:
                problem = "is on a read-only file system; choose a folder on another disk"
            else:
                problem = f"cannot hold a new file ({exc.strerror}); choose another folder"
            raise ValueError(f"{what}: folder {str(folder)!r} {problem}") from exc


#: Bytes that the files minidl keeps beside an output add to its name:
#: ``.`` before it, ``.PID.RANDOM.tmp`` (a PID of up to 10 digits) or ``.lock`` after.
_COMPANION_RESERVE = 1 + 1 + 10 + 1 + 8 + 4


def companion_stem(folder, name):
    """The part of the names of ``name``'s temporary and lock files that ties them to ``name``.

    ``name`` itself, unless the longest of those names (``.NAME.PID.RANDOM.tmp``)
    would pass the longest file name the folder's file system allows
    (``NAME_MAX``, 255 bytes on most): then as much of ``name`` as fits,
    ``~`` and 8 hex digits of the SHA-256 of the whole ``name``, so that two long
    names with the same beginning still get companions of their own, and a
    legal name never fails for want of room for minidl's own files.
    """
    limit = _name_max(folder)
    encoded = os.fsencode(name)
    if len(encoded) + _COMPANION_RESERVE <= limit:
        return name
    digest = hashlib.sha256(encoded).hexdigest()[:8]
    kept = encoded[:max(limit - _COMPANION_RESERVE - len(digest) - 1, 1)]
    while kept:  # do not cut a character of several bytes in two
        try:
            kept.decode("utf-8")
            break
        except UnicodeDecodeError:
            kept = kept[:-1]
    return f"{os.fsdecode(kept)}~{digest}"


def _name_max(folder):
    """The longest file name, in bytes, that ``folder``'s file system allows."""
    try:
        return os.pathconf(folder, "PC_NAME_MAX")
    except (AttributeError, OSError, ValueError):  # Windows has no pathconf; 255 is NTFS's limit too
        return 255


def _remove_abandoned_temporaries(target):
    """Delete the temporary files of earlier writes to ``target`` whose process no longer runs."""
    stem = companion_stem(target.parent, target.name)
    pattern = re.compile(rf"\.{re.escape(stem)}\.(\d+)\.[0-9a-f]+\.tmp")
    with contextlib.suppress(OSError), os.scandir(target.parent) as entries:
        for entry in entries:
            found = pattern.fullmatch(entry.name)
            if found and not _process_running(int(found[1])):
                with contextlib.suppress(OSError):
                    os.unlink(entry.path)


def _process_running(pid):
    """Whether a process ``pid`` may still be writing its temporary file (when in doubt, yes)."""
    if pid == os.getpid() or os.name == "nt":  # Windows' os.kill(pid, 0) would send Ctrl-C
        return True
    try:
        os.kill(pid, 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return False
    except OSError:  # e.g. PermissionError: it exists, run by another user
        return True
    return True


def same_file(first, second):
    """Whether two paths name one file: same path once links are followed, or the same file on disk."""
    if os.path.realpath(first) == os.path.realpath(second):
        return True
    try:
        return os.path.samefile(first, second)
    except OSError:  # one of them does not exist yet
        return False


def save_or_rescue(save, path):
    """Call ``save(path)``; if that fails, save to a fallback file instead, so the work is kept.

    Parameters
    ----------
    save : callable
        Writes the result to the path it is given (e.g. a ``save_model`` call).
    path : str or os.PathLike
        Where the user asked for it.

    Returns
    -------
    written : pathlib.Path
        ``path``, or the fallback file if ``save(path)`` failed.
    error : Exception or None
        Why ``path`` could not be written (a full disk, a folder made
        read-only during training, ...), or None.

    Notes
    -----
    The fallback is a new file named after ``path`` (``model-rescued-XXXX.npz``)
    in the system's temporary folder, else in the current folder; it is
    private (mode ``0o600``), since the temporary folder is shared. If every
    attempt fails, the first error is raised.
    """
    try:
        save(path)
        return Path(path), None
    except (OSError, ValueError) as error:
        name = Path(path)
        for folder in (tempfile.gettempdir(), os.getcwd()):
            with contextlib.suppress(OSError, ValueError):
                handle, fallback = tempfile.mkstemp(prefix=f"{name.stem}-rescued-", suffix=name.suffix, dir=folder)
                os.close(handle)
                try:
                    save(fallback)
                    return Path(fallback), error
                except BaseException:
                    os.unlink(fallback)
                    raise
        raise


def save_npz(path, arrays, meta=None, overwrite=False, kind="archive"):
    """Atomically write ``arrays`` (a dict name -> array) and JSON ``meta`` to ``path``.

    Numpy would append ``.npz`` to a name without it; we write exactly the
    ``path`` given, so what the user typed is what appears on disk.
    ``kind`` is ``"archive"`` (it replaces any archive) or ``"model"`` (not
    a checkpoint, unless ``overwrite``); see :func:`atomic_write`.
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
    with atomic_write(path, kind=kind, overwrite=overwrite) as file:
        write_npz(file, payload)


def write_npz(file, arrays):
    """Write ``arrays`` (name -> array) into the open binary ``file`` as an uncompressed ``.npz``.

    Member by member, as ``numpy.savez`` does, but in a ``with`` block:
    numpy before 2.0 left its ZipFile open when interrupted (Ctrl-C during a
    checkpoint), and the ZipFile's later clean-up printed a traceback.
    """
    with zipfile.ZipFile(file, mode="w", compression=zipfile.ZIP_STORED, allowZip64=True) as archive:
        for name, value in arrays.items():
            with archive.open(f"{name}.npy", mode="w", force_zip64=True) as member:
                np.lib.format.write_array(member, value, allow_pickle=False)


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


def write_json(path, record, indent=2, kind=None):
    """Atomically write ``record`` (numpy values allowed) to ``path`` as strict, indented JSON.

    ``kind`` is the kind of file it is (see :func:`atomic_write`).
    """
    with atomic_write(path, "w", kind=kind) as file:
        json.dump(json_ready(record), file, indent=indent, allow_nan=False)
        file.write("\n")


# ====================================================== what a file holds
def describe_existing(path):
    """Say what the existing file ``path`` holds, for a refusal to replace it; None if there is no file.

    A minidl archive is named by its format (and a checkpoint by its
    epoch, ``epoch 400 of 400``); anything else is "a file that is not
    one of minidl's".
    """
    try:
        info = os.stat(path)
    except OSError:
        return None
    if not stat.S_ISREG(info.st_mode):
        return None  # folders and devices are refused by _output_target, with their own words
    try:
        with open_archive(path, "file") as archive:
            meta = archive.meta
    except Exception:  # not an archive, or a damaged one: either way not something to replace silently
        return "a file that is not one of minidl's archives"
    kind = meta.get("format") if isinstance(meta, dict) else None
    if kind == "minidl-checkpoint":
        state = meta.get("tree", {}).get("trainer", {}) if isinstance(meta.get("tree"), dict) else {}
        return f"a minidl checkpoint at epoch {state.get('epoch', '?')} of {state.get('epochs', '?')}"
    if isinstance(kind, str) and kind.startswith("minidl-"):
        return f"a minidl {kind[len('minidl-'):]}"  # "a minidl model"
    return "an archive that is not minidl's"


def check_fresh_output(path, overwrite=False, option=None, resume_hint=None):
    """Refuse to let a fresh run replace an existing file at ``path`` unless ``overwrite`` is true.

    A fresh run (one that does not continue ``path``) would replace a
    possibly long run's file with its own; up-arrow and a forgotten
    ``--resume`` make that easy. The error names what the file holds and
    the ways on: continue it (``resume_hint``), another name, or the
    explicit overwrite option.
    """
    if overwrite:
        return
    held = describe_existing(path)
    if held is None:
        return
    ways = [resume_hint] if resume_hint and held.startswith("a minidl checkpoint") else []
    ways += ["choose another file name",
             "pass --overwrite (overwrite=True in Python) to replace it" if option else
             "pass overwrite=True (--overwrite on the command line) to replace it"]
    name = f"{option} {str(path)!r}" if option else repr(str(path))
    raise ValueError(f"{name} already holds {held}, which this new run would replace; "
                          + ", or ".join(ways))
