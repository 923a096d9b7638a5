"""Read the classic IDX files in which MNIST was first distributed.

Use this when OpenML cannot be reached but the four files are at hand (from a
course page, a USB stick, a mirror). Fashion-MNIST, KMNIST and EMNIST use
the same format and the same file names.

The IDX format
--------------
A file is a header followed by the raw numbers, all in big-endian byte order:

* bytes 0-1: always zero;
* byte 2: the type of the numbers (0x08 unsigned byte, 0x09 signed byte,
  0x0B int16, 0x0C int32, 0x0D float32, 0x0E float64);
* byte 3: the number of dimensions ``d``;
* then ``d`` unsigned 32-bit sizes;
* then the ``prod(sizes)`` numbers, in row-major (C) order.

The first four bytes read as one integer are the "magic number": 2051
(0x00000803) for an image file (unsigned bytes, 3 dimensions: count, rows,
columns) and 2049 (0x00000801) for a label file (unsigned bytes, 1 dimension).
"""

from __future__ import annotations

import contextlib
import gzip
import math
import zlib
from pathlib import Path

import numpy as np

from .convert import prepare_split

# The type byte of the header -> the big-endian numpy type it stands for.
IDX_TYPES = {
    0x08: np.dtype(">u1"),
    0x09: np.dtype(">i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}

# (file stem, expected magic number) for the four files of a data set.
IDX_FILES = {
    "train_images": ("train-images-idx3-ubyte", 0x0803),
    "train_labels": ("train-labels-idx1-ubyte", 0x0801),
    "test_images": ("t10k-images-idx3-ubyte", 0x0803),
    "test_labels": ("t10k-labels-idx1-ubyte", 0x0801),
}


#: Bytes read from a file at a time: memory follows what the file really holds, not what its header claims.
CHUNK_BYTES = 1 << 20


@contextlib.contextmanager
def _reading(path):
    """A binary stream of the file, decompressed if its name ends in ``.gz``; read errors become ``ValueError``."""
    try:
        with (gzip.open(path, "rb") if path.suffix == ".gz" else open(path, "rb")) as stream:
            yield stream
    except (EOFError, OSError, zlib.error) as exc:
        raise ValueError(
            f"IDX file {str(path)!r} could not be read ({exc}); it is probably "
            "truncated or not gzip data: download it again"
        ) from exc


def _read_header(stream, path):
    """The dtype and shape that the header at the start of ``stream`` announces (its bytes only are read)."""
    start = stream.read(4)
    if len(start) < 4 or start[0] != 0 or start[1] != 0 or start[2] not in IDX_TYPES:
        raise ValueError(
            f"{str(path)!r} is not an IDX file: its magic number is "
            f"{start[:4].hex() or 'missing'}, expected 0000 followed by a type byte "
            f"({', '.join(f'{code:02x}' for code in IDX_TYPES)}) and a dimension count; "
            "check that this is the right file and that it is not HTML or gzip "
            "data under a name without .gz"
        )
    n_dimensions = start[3]
    header_size = 4 + 4 * n_dimensions
    sizes = stream.read(4 * n_dimensions)
    if len(sizes) < 4 * n_dimensions:
        raise ValueError(
            f"IDX file {str(path)!r} is truncated: its header announces {n_dimensions} "
            f"dimensions ({header_size} header bytes) but the file has only "
            f"{4 + len(sizes)} bytes; download it again"
        )
    shape = tuple(int(size) for size in np.frombuffer(sizes, dtype=">u4"))
    return IDX_TYPES[start[2]], shape


def _read_body(stream, path, dtype, shape):
    """The numbers after the header: exactly ``prod(shape)`` of ``dtype``, read a chunk at a time."""
    header_size = 4 + 4 * len(shape)
    # math.prod on Python ints: a forged header cannot overflow the count to a small number.
    body_size = math.prod(shape) * dtype.itemsize
    expected_bytes = header_size + body_size
    body = bytearray()
    while len(body) < body_size:
        chunk = stream.read(min(CHUNK_BYTES, body_size - len(body)))
        if not chunk:
            break
        body += chunk
    extra = stream.read(1) if len(body) == body_size else b""
    if len(body) < body_size or extra:
        problem = "truncated" if len(body) < body_size else "longer than its header says"
        size = header_size + len(body) + len(extra) + (len(stream.read()) if extra else 0)
        raise ValueError(
            f"IDX file {str(path)!r} is {problem}: its header announces shape {shape} "
            f"of {dtype.name} ({expected_bytes} bytes in all) but the file has "
            f"{size} bytes; download it again"
        )
    # astype makes a writable array in the machine's own byte order.
    return np.frombuffer(body, dtype=dtype).reshape(shape).astype(dtype.newbyteorder("="))


def read_idx(path):
    """Read one IDX file (optionally gzip-compressed) into a numpy array.

    The body is read a chunk at a time, up to the size the header
    announces: a small file whose header claims millions of images costs
    what the file holds, not what it claims.

    Parameters
    ----------
    path : str or os.PathLike
        The file. A name ending in ``.gz`` is decompressed as it is read.

    Returns
    -------
    ndarray
        Shape given by the header, dtype given by the type byte, converted to
        the machine's native byte order.

    Raises
    ------
    ValueError
        If the header is malformed (bad magic number, unknown type) or the
        file holds fewer or more numbers than its header announces. The
        message names the file.
    """
    path = Path(path)
    with _reading(path) as stream:
        dtype, shape = _read_header(stream, path)
        return _read_body(stream, path, dtype, shape)


def _find(directory, stem):
    """Path of ``stem`` or ``stem.gz`` in ``directory``; both there is an error, since they may differ."""
    found = [directory / name for name in (stem, stem + ".gz") if (directory / name).is_file()]
    if len(found) == 2:
        raise ValueError(
            f"IDX folder {str(directory)!r} holds both {stem!r} and {stem + '.gz'!r}, which may hold different "
            "data; keep one of them (e.g. delete the .gz once it is unpacked)"
        )
    if found:
        return found[0]
    raise FileNotFoundError(
        f"IDX file {stem!r} (or {stem + '.gz'!r}) not found in {str(directory)!r}; "
        f"the folder must hold {', '.join(stem for stem, _ in IDX_FILES.values())} "
        "(each optionally .gz)"
    )


def _check_header(path, key, dtype, shape):
    """Refuse a header that is not that of the ``key`` file (images: 3 dimensions, labels: 1; unsigned bytes)."""
    stem, magic = IDX_FILES[key]
    expected_ndim = magic & 0xFF
    if dtype != np.uint8 or len(shape) != expected_ndim:
        raise ValueError(
            f"{str(path)!r} holds {dtype.newbyteorder('=')} data of shape {shape}, but a "
            f"{stem} file must hold unsigned bytes in {expected_ndim} dimension(s) "
            f"(magic number {magic}); check the file names"
        )


def _read_part(directory, part):
    """The images and labels of ``part`` ("train" or "test"): both headers are checked before either body is read."""
    keys = (f"{part}_images", f"{part}_labels")
    paths = {key: _find(directory, IDX_FILES[key][0]) for key in keys}
    with contextlib.ExitStack() as files:
        headers = {}
        for key in keys:
            stream = files.enter_context(_reading(paths[key]))
            headers[key] = (stream, *_read_header(stream, paths[key]))
            _check_header(paths[key], key, *headers[key][1:])
        n_images, n_labels = headers[keys[0]][2][0], headers[keys[1]][2][0]
        if n_images != n_labels:
            raise ValueError(
                f"{str(paths[keys[0]])!r} holds {n_images} images but "
                f"{str(paths[keys[1]])!r} holds {n_labels} labels; "
                "the two files must come from the same data set"
            )
        arrays = {key: _read_body(stream, paths[key], dtype, shape) for key, (stream, dtype, shape) in headers.items()}
    return paths, arrays


def load_idx(directory, normalize=True, flatten=True, one_hot=False):
    """Load a data set stored as the four classic IDX files.

    Parameters
    ----------
    directory : str or os.PathLike
        Folder holding ``train-images-idx3-ubyte``, ``train-labels-idx1-ubyte``,
        ``t10k-images-idx3-ubyte`` and ``t10k-labels-idx1-ubyte``, each
        optionally compressed as ``.gz`` (as downloaded), but not both.
    normalize : bool, default=True
        If True, pixels are float32 in [0, 1] (stored value / 255); otherwise
        uint8.
    flatten : bool, default=True
        If True, images have shape (N, rows * columns); otherwise
        (N, 1, rows, columns).
    one_hot : bool, default=False
        If True, labels are float32 one-hot rows with one column per class
        (largest label + 1 columns); otherwise int64 class numbers.

    Returns
    -------
    (x_train, t_train), (x_test, t_test) : tuple of tuples of ndarray
        For MNIST: 60,000 training and 10,000 test images of 28x28 pixels.

    Raises
    ------
    FileNotFoundError
        If a file is missing (the message lists the four names).
    ValueError
        If a file is malformed or the files disagree (image count differs
        from label count, or train and test images differ in size).
    """
    directory = Path(directory).expanduser()
    if not directory.is_dir():
        raise FileNotFoundError(
            f"IDX folder {str(directory)!r} does not exist; "
            "pass the folder holding the four IDX files"
        )
    paths, arrays = {}, {}
    for key in IDX_FILES:
        _find(directory, IDX_FILES[key][0])  # every file there, before any is read
    for part in ("train", "test"):
        part_paths, part_arrays = _read_part(directory, part)
        paths.update(part_paths)
        arrays.update(part_arrays)
    image_shape = arrays["train_images"].shape[1:]
    if arrays["test_images"].shape[1:] != image_shape:
        raise ValueError(
            f"training images are {image_shape} but test images are "
            f"{arrays['test_images'].shape[1:]}; the files come from different data sets"
        )
    largest_label = max(arrays["train_labels"].max(initial=0), arrays["test_labels"].max(initial=0))
    n_classes = int(largest_label) + 1
    return prepare_split((arrays["train_images"], arrays["train_labels"]), (arrays["test_images"], arrays["test_labels"]),
                         image_shape, 255, n_classes, normalize=normalize, flatten=flatten, one_hot=one_hot)
