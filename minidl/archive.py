"""Reading ``.npz`` archives from anywhere: a file costs what its arrays hold, no more.

A model file may come from a classmate, a course page, a download that
stopped half-way or someone who edited it by hand. ``np.load`` trusts what a
file says about itself: an array's header decides how much memory is taken
before a byte of data is read, and a compressed member inflates to whatever
it holds. This module reads the same archives in three steps, each bounded
by what the step before has checked:

1. **The file** (:func:`open_archive`): ``os.stat`` first, so a folder, a
   named pipe (FIFO) or a device is refused without being opened (opening a
   FIFO for reading would wait for a writer forever); then the zip directory
   at the end of the file.
2. **The directory and the array headers**: each member's ``.npy`` header
   (at most :data:`MAX_HEADER_SIZE` bytes) gives its dtype and shape, and
   the uncompressed size the zip directory declares must be exactly the
   header plus ``prod(shape) * itemsize`` bytes. The JSON metadata may take
   at most :data:`MAX_META_BYTES` bytes and :data:`MAX_META_DEPTH` levels.
   No array data is read yet: a caller compares the shapes with what the file
   claims (see :func:`minidl.serialization.load_model`) before building anything.
3. **The data** (:meth:`Archive.read`): streamed, a chunk at a time, into an
   array of exactly the declared size. A member that inflates to more than it
   declared (a zip bomb) or to less (a truncated file) is refused as soon as
   that shows, and zip's CRC-32 checksum catches changed bytes.

Errors say which of three things went wrong. ``FileNotFoundError``: there is
no such file. ``OSError`` (e.g. ``PermissionError``): the file cannot be read,
which says nothing about its content, so the message never calls it damaged.
``ValueError``: the content is not an archive minidl can read; the message
names the file and what is wrong with it. No message suggests deleting a file.
"""

from __future__ import annotations

import copy
import io
import json
import math
import os
import stat
import struct
import zipfile
import zlib
from typing import NamedTuple

import numpy as np

#: The name of the JSON metadata inside an archive (a 0-d unicode array, stored without pickling).
META_KEY = "__meta__"

#: The longest ``.npy`` header read, in bytes: numpy's own limit for files it does not trust.
MAX_HEADER_SIZE = 10_000

#: The largest JSON metadata read, in bytes of the ``.npy`` member (4 bytes a character).
#: A checkpoint's metadata grows with its history, about 80 bytes a recorded step:
#: this allows some 1.6 million steps, while parsing it stays a matter of seconds.
MAX_META_BYTES = 128 * 2**20

#: The deepest nesting of lists and dicts in the metadata; minidl writes about 6 levels.
MAX_META_DEPTH = 64

#: Deflate shrinks data at most 1032-fold (one 258-byte match per 2 bits), so a
#: member declaring more than this ratio of its compressed size is a lie.
MAX_DEFLATE_RATIO = 1032

_CHUNK = 2**20  # bytes decompressed at a time: the memory a read needs beyond the array itself
_ARRAY_KINDS = "biufU"  # booleans, integers, floats and text: what minidl files hold
_NPY_MAGIC = b"\x93NUMPY"
_ZIP_MAGIC = b"PK"  # the start of every part of a zip file


class ArrayHeader(NamedTuple):
    """What a member's ``.npy`` header says about its array (nothing of the data is read)."""

    shape: tuple
    dtype: np.dtype
    fortran_order: bool
    data_offset: int  # bytes of the member before the data: magic, version, length and header
    member: zipfile.ZipInfo

    @property
    def nbytes(self):
        """Bytes of array data, ``prod(shape) * itemsize``."""
        return math.prod(self.shape) * self.dtype.itemsize


#: An ONNX file starts with its ModelProto's first field, ir_version (protobuf
#: tag 0x08, then a small number), then the tag of a later field
#: (producer_name 0x12, producer_version 0x1a, ..., graph 0x3a, opset_import 0x42).
_ONNX_IR_VERSION_TAG = 0x08
_ONNX_NEXT_FIELD_TAGS = (0x12, 0x1A, 0x22, 0x2A, 0x32, 0x3A, 0x42)


def starts_like_onnx(start):
    """Whether the bytes ``start`` (3 or more) begin an ONNX model, as ``minidl export`` writes one.

    ``minidl export`` files start with ``b'\\x08\\x08\\x12\\x06minidl'``.
    """
    return (len(start) >= 3 and start[0] == _ONNX_IR_VERSION_TAG and start[1] < 0x80
            and start[2] in _ONNX_NEXT_FIELD_TAGS)


def open_archive(path, what="archive"):
    """Open the ``.npz`` file at ``path`` and read its directory, array headers and metadata.

    Parameters
    ----------
    path : str or os.PathLike
        The file. It is never opened unless ``os.stat`` says it is a regular file.
    what : str
        What the file is to the user ("model", "checkpoint"), for messages.

    Returns
    -------
    Archive
        Use it in a ``with`` block: ``headers`` and ``meta`` are ready, array
        data is read by :meth:`Archive.read` or :meth:`Archive.read_all`.

    Raises
    ------
    FileNotFoundError
        If there is no file at ``path``.
    OSError
        If the file cannot be read (no permission, an I/O error).
    ValueError
        If ``path`` is a folder or not a regular file, or the file is not an
        ``.npz`` archive whose headers, sizes and metadata are sound.
    """
    check_path(path, what)
    name = f"{what} {str(path)!r}"
    try:
        status = os.stat(path)
    except FileNotFoundError:
        raise FileNotFoundError(f"{name} does not exist") from None
    except OSError as exc:
        raise _unreadable(exc, name) from exc
    _check_regular(status, name)
    if status.st_size == 0:
        raise ValueError(f"{name} is empty (0 bytes), not an .npz archive: was it saved completely? save it again")
    try:
        # O_NONBLOCK: should a FIFO replace the file after the stat above, opening it returns at once.
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except OSError as exc:
        raise _unreadable(exc, name) from exc
    file = os.fdopen(descriptor, "rb")
    try:
        _check_regular(os.fstat(descriptor), name)
        return Archive(file, name)
    except BaseException:
        file.close()
        raise


class Archive:
    """An ``.npz`` file opened by :func:`open_archive`: headers checked, data not yet read.

    Attributes
    ----------
    name : str
        The file as messages call it, e.g. ``"model 'm.npz'"``.
    headers : dict of str -> ArrayHeader
        Every array by name (without ``.npy``), the metadata excepted.
    meta : dict, list, str, number or None
        The parsed JSON metadata; None when the archive has none.
    """

    def __init__(self, file, name):
        self.name = name
        self._file = file
        self._zip = self._open_zip(file)
        self.headers = {}
        for member in self._members():
            self.headers[member.filename[:-len(".npy")]] = self._guarded(self._read_header, member)
        meta_header = self.headers.pop(META_KEY, None)
        self._check_memory()
        self.meta = None if meta_header is None else self._read_meta(meta_header)

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    def close(self):
        """Close the file; reading is no longer possible."""
        self._zip.close()
        self._file.close()

    # ================================================================ reading
    def read(self, name):
        """The array ``name``, read in chunks into memory of exactly its declared size."""
        return self._guarded(self._read_data, self.headers[name])

    def read_all(self):
        """Every array, name -> numpy array (the metadata excepted)."""
        return {name: self.read(name) for name in self.headers}

    # ============================================================== the steps
    def _open_zip(self, file):
        try:
            return zipfile.ZipFile(file)
        except OSError as exc:
            raise _unreadable(exc, self.name) from exc
        except (zipfile.BadZipFile, ValueError, EOFError, struct.error, NotImplementedError) as exc:
            file.seek(0)
            start = file.read(len(_NPY_MAGIC))
            if start == _NPY_MAGIC:
                raise ValueError(
                    f"{self.name} is a single-array .npy file (written by numpy.save), not an .npz archive; "
                    "pass a file written by minidl (minidl train --save or --checkpoint, minidl.save_model)"
                ) from None
            if start.startswith(_ZIP_MAGIC):
                raise self._damaged(
                    "it starts like a zip archive, but the directory that ends one is missing or damaged, "
                    "as when a copy or download stops half-way"
                ) from exc
            if starts_like_onnx(start):
                raise ValueError(f"{self.name} is an ONNX file (what minidl export writes), not an .npz archive; "
                                 "pass the .npz model it was exported from (minidl train --save or --checkpoint)"
                                 ) from None
            raise ValueError(
                f"{self.name} is not an .npz archive (it starts with {start!r}); "
                "pass a file written by minidl (minidl train --save or --checkpoint, minidl.save_model)"
            ) from None

    def _members(self):
        """The zip directory's entries, after checking their names, methods, sizes and places."""
        members, seen = self._zip.infolist(), set()
        for member in members:
            if not member.filename.endswith(".npy"):
                raise ValueError(f"{self.name} is not a minidl .npz file: it holds {member.filename!r}, not an array")
            if member.filename in seen:
                raise self._damaged(f"it holds {member.filename!r} twice")
            seen.add(member.filename)
            if member.flag_bits & 0x1:
                raise ValueError(f"{self.name} is encrypted ({member.filename!r}); minidl reads only plain archives")
            if member.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                raise ValueError(
                    f"{self.name} holds {member.filename!r} compressed with zip method {member.compress_type}; "
                    "numpy writes only stored or deflated members: save it with numpy.savez"
                )
            stored = member.compress_type == zipfile.ZIP_STORED
            if (member.file_size != member.compress_size if stored
                    else member.file_size > MAX_DEFLATE_RATIO * (member.compress_size + 1)):
                raise self._damaged(
                    f"{member.filename!r} declares {member.file_size} bytes from {member.compress_size} "
                    "compressed ones, more than compression can give (a zip bomb?)"
                )
        # Each member's data must lie after its own local header and before the next
        # member: entries sharing one compressed block are the classic zip bomb.
        places = sorted(members, key=lambda member: member.header_offset)
        ends = [member.header_offset + 30 + _stored_name_length(member) + member.compress_size for member in places]
        limits = [member.header_offset for member in places[1:]] + [os.fstat(self._file.fileno()).st_size]
        for member, end, limit in zip(places, ends, limits):
            if end > limit:
                raise self._damaged(f"{member.filename!r} overlaps the next member or runs past the end of the file")
        return members

    def _check_memory(self):
        # The checks so far hold the arrays to the file's own sizes; a sound file can
        # still be larger than this machine's memory: refuse it before reading any of it.
        needed, available = sum(header.nbytes for header in self.headers.values()), _memory_size()
        if available is not None and needed > available:
            raise ValueError(
                f"{self.name} holds {_size(needed)} of arrays, more than the {_size(available)} "
                "of memory of this machine; load it on a larger machine"
            )

    def _read_header(self, member):
        """The :class:`ArrayHeader` of ``member``: its first few bytes only."""
        with self._zip.open(_unchecked(member)) as stream:
            prefix = stream.read(len(_NPY_MAGIC) + 2)
            array = repr(member.filename[:-len(".npy")])
            if len(prefix) < len(_NPY_MAGIC) + 2 or not prefix.startswith(_NPY_MAGIC):
                raise self._damaged(f"array {array} does not start with a .npy header")
            version = (prefix[-2], prefix[-1])
            if version not in ((1, 0), (2, 0)):
                # Version 3 exists only for structured dtypes with non-ASCII field names.
                raise ValueError(f"{self.name} holds array {array} in .npy format {version}, which minidl never writes")
            length_bytes = stream.read(2 if version == (1, 0) else 4)
            length = int.from_bytes(length_bytes, "little")
            if length > MAX_HEADER_SIZE:
                raise self._damaged(
                    f"array {array} has a header of {length} bytes, more than the {MAX_HEADER_SIZE} "
                    "read from files that are not trusted (a .npy header is about 100 bytes)"
                )
            header = stream.read(length)
        reader = np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
        try:
            shape, fortran_order, dtype = reader(io.BytesIO(length_bytes + header), max_header_size=MAX_HEADER_SIZE)
        except Exception as exc:  # numpy's parser fails on bad text in many ways (tokenize, ast, ...)
            raise self._damaged(f"the header of array {array} cannot be read ({type(exc).__name__}: {exc})") from None
        if dtype.hasobject:
            raise ValueError(
                f"{self.name} holds Python objects in array {array}: that is a pickle, which minidl "
                "never loads, since unpickling can run any code; save the arrays as numbers"
            )
        if dtype.kind not in _ARRAY_KINDS or dtype.fields is not None or dtype.subdtype is not None:
            raise ValueError(
                f"{self.name} holds array {array} of dtype {dtype}; minidl files hold only numbers and text"
            )
        if dtype.itemsize == 0 or any(size < 0 for size in shape):
            raise self._damaged(f"array {array} has shape {shape} and dtype {dtype}, which no array has")
        data_offset = len(prefix) + len(length_bytes) + length
        result = ArrayHeader(shape, dtype, fortran_order, data_offset, member)
        if member.file_size != data_offset + result.nbytes:
            raise self._damaged(
                f"array {array} ({dtype}, shape {shape}) takes {data_offset + result.nbytes} bytes with its "
                f"header, but the zip directory declares {member.file_size}"
            )
        return result

    def _read_data(self, header):
        array = repr(header.member.filename[:-len(".npy")])
        # Open the member as one byte longer than declared, so that a byte beyond
        # the declared end shows instead of being cut off by zipfile.
        longer = _unchecked(header.member)
        longer.file_size += 1
        buffer = np.empty(header.nbytes, dtype=np.uint8)
        view = memoryview(buffer)
        with self._zip.open(longer) as stream:
            prefix = stream.read(header.data_offset)
            if len(prefix) < header.data_offset:
                raise self._damaged(f"array {array} is cut short")
            checksum, done = zlib.crc32(prefix), 0
            while done < header.nbytes:
                chunk = stream.read(min(_CHUNK, header.nbytes - done))
                if not chunk:
                    raise self._damaged(f"array {array} ends after {done} of its {header.nbytes} bytes of data")
                view[done:done + len(chunk)] = chunk
                checksum, done = zlib.crc32(chunk, checksum), done + len(chunk)
            if stream.read(1):
                raise self._damaged(
                    f"array {array} holds more data than the {header.member.file_size} bytes it declares (a zip bomb?)"
                )
        if checksum != header.member.CRC:
            raise self._damaged(f"the bytes of array {array} do not match their CRC-32 checksum: they were changed")
        values = buffer.view(header.dtype)
        if header.fortran_order:
            return values.reshape(header.shape[::-1]).transpose()
        return values.reshape(header.shape)

    def _read_meta(self, header):
        if header.dtype.kind != "U" or header.shape != ():
            raise self._damaged(f"its metadata is a {header.dtype} array of shape {header.shape}, not a JSON text")
        if header.member.file_size > MAX_META_BYTES:
            raise ValueError(
                f"{self.name} has {_size(header.member.file_size)} of metadata, more than the "
                f"{_size(MAX_META_BYTES)} minidl reads; a minidl file holds arrays and a short JSON text"
            )
        text = str(self._guarded(self._read_data, header))
        try:
            meta = json.loads(text)
        except RecursionError:
            raise self._damaged(f"its metadata is nested more than {MAX_META_DEPTH} levels deep") from None
        except ValueError as exc:
            raise self._damaged(f"its metadata is not valid JSON ({exc})") from None
        if _depth(meta) > MAX_META_DEPTH:
            raise self._damaged(f"its metadata is nested more than {MAX_META_DEPTH} levels deep")
        return meta

    # ================================================================ errors
    def _guarded(self, step, *arguments):
        """Run ``step``, turning zip, zlib and I/O failures into errors that name the file."""
        try:
            return step(*arguments)
        except OSError as exc:
            raise _unreadable(exc, self.name) from exc
        except (zipfile.BadZipFile, zlib.error, EOFError, struct.error, NotImplementedError) as exc:
            raise self._damaged(f"{type(exc).__name__}: {exc}") from exc

    def _damaged(self, problem):
        return ValueError(
            f"{self.name} is corrupt: {problem}; get the file again (copy, download or save it anew)"
        )


def _stored_name_length(member):
    """Bytes of ``member``'s name in the file: UTF-8 if its flags say so, else code page 437."""
    return len(member.filename.encode("utf-8" if member.flag_bits & 0x800 else "cp437"))


def _unchecked(member):
    """A copy of ``member`` that zipfile reads without its CRC-32 check, which we do, on the whole data.

    zipfile checks the CRC when it reaches a member's end, and a small member
    ends in the first read: its header would then fail for damage in its data.
    """
    copied = copy.copy(member)
    copied.CRC = None
    return copied


def check_path(path, what):
    """Refuse anything but a file's path (a ``str``, ``bytes`` or ``os.PathLike``) with a TypeError.

    ``os.stat(3)`` and ``open(3)`` would take the number as an open file
    descriptor (and say "Bad file descriptor"); an open file object would
    fail deep inside. ``what`` names the file to the user ("model").
    """
    if isinstance(path, (str, bytes, os.PathLike)):
        return
    if hasattr(path, "read") or hasattr(path, "write"):
        name = getattr(path, "name", None)
        hint = f"; pass its name instead, {name!r}" if isinstance(name, str) else ""
        raise TypeError(f"the {what} must be given as a path such as 'model.npz', not as an open file "
                        f"({type(path).__name__}){hint}")
    raise TypeError(f"the {what} must be given as a path (a str or pathlib.Path such as 'model.npz'); "
                    f"got {path!r} of type {type(path).__name__}")


def _check_regular(status, name):
    """Refuse anything but a regular file, by its ``stat`` alone: nothing is opened."""
    if stat.S_ISDIR(status.st_mode):
        raise ValueError(f"{name} is a folder, not a file; give the path of a .npz file in it")
    if not stat.S_ISREG(status.st_mode):
        kinds = [(stat.S_ISFIFO, "a named pipe (FIFO)"), (stat.S_ISSOCK, "a socket"),
                 (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device")]
        kind = next((text for test, text in kinds if test(status.st_mode)), "not a regular file")
        raise ValueError(f"{name} is {kind}, not a file; give the path of a .npz file")


def _unreadable(exc, name):
    """The error for a file that exists but cannot be read: its content is not in question."""
    if isinstance(exc, PermissionError):
        return PermissionError(
            f"cannot read {name}: permission denied; check its permissions (ls -l) or ask its owner"
        )
    reason = exc.strerror or str(exc) or type(exc).__name__
    return OSError(f"cannot read {name}: {reason}; the file itself may be fine: check the disk or the path")


def _size(count):
    """A number of bytes as a person reads it: ``"512 bytes"``, ``"3.2 MiB"``, ``"12.0 GiB"``."""
    for unit, scale in (("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if count >= scale:
            return f"{count / scale:.1f} {unit}"
    return f"{count} bytes"


def _memory_size():
    """The machine's physical memory in bytes, or None where the system does not say."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):
        return None


def _depth(value):
    """How deeply lists and dicts nest in ``value`` (a plain value: 0), without recursion."""
    deepest, pending = 0, [(value, 1)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, (dict, list)):
            deepest = max(deepest, depth)
            if deepest > MAX_META_DEPTH:
                break
            pending.extend((child, depth + 1) for child in (item.values() if isinstance(item, dict) else item))
    return deepest
