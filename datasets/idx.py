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

import gzip
import math
import zlib
from pathlib import Path

import numpy as np

from .convert import prepare_images, prepare_labels

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


def _read_bytes(path):
    """The file's content, decompressed if its name ends in ``.gz``."""
    try:
        if path.suffix == ".gz":
            with gzip.open(path, "rb") as file:
                return file.read()
        return path.read_bytes()
    except (EOFError, OSError, zlib.error) as exc:
        raise ValueError(
            f"IDX file {str(path)!r} could not be read ({exc}); it is probably "
            "truncated or not gzip data: download it again"
        ) from exc


def read_idx(path):
    """Read one IDX file (optionally gzip-compressed) into a numpy array.

    Parameters
    ----------
    path : str or os.PathLike
        The file. A name ending in ``.gz`` is decompressed first.

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
    content = _read_bytes(path)
    if len(content) < 4 or content[0] != 0 or content[1] != 0 or content[2] not in IDX_TYPES:
        raise ValueError(
            f"{str(path)!r} is not an IDX file: its magic number is "
            f"{content[:4].hex() or 'missing'}, expected 0000 followed by a type byte "
            f"({', '.join(f'{code:02x}' for code in IDX_TYPES)}) and a dimension count; "
            "check that this is the right file and that it is not HTML or gzip "
            "data under a name without .gz"
        )
    dtype = IDX_TYPES[content[2]]
    n_dimensions = content[3]
    header_size = 4 + 4 * n_dimensions
    if len(content) < header_size:
        raise ValueError(
            f"IDX file {str(path)!r} is truncated: its header announces {n_dimensions} "
            f"dimensions ({header_size} header bytes) but the file has only "
            f"{len(content)} bytes; download it again"
        )
    sizes = np.frombuffer(content, dtype=">u4", count=n_dimensions, offset=4)
    shape = tuple(int(size) for size in sizes)
    # math.prod on Python ints: a forged header cannot overflow the count to a small number.
    expected_bytes = header_size + math.prod(shape) * dtype.itemsize
    if len(content) != expected_bytes:
        problem = "truncated" if len(content) < expected_bytes else "longer than its header says"
        raise ValueError(
            f"IDX file {str(path)!r} is {problem}: its header announces shape {shape} "
            f"of {dtype.name} ({expected_bytes} bytes in all) but the file has "
            f"{len(content)} bytes; download it again"
        )
    data = np.frombuffer(content, dtype=dtype, offset=header_size).reshape(shape)
    # astype makes a writable array in the machine's own byte order.
    return data.astype(dtype.newbyteorder("="))


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


def _read_checked(directory, key):
    stem, magic = IDX_FILES[key]
    path = _find(directory, stem)
    array = read_idx(path)
    expected_ndim = magic & 0xFF
    if array.dtype != np.uint8 or array.ndim != expected_ndim:
        raise ValueError(
            f"{str(path)!r} holds {array.dtype} data of shape {array.shape}, but a "
            f"{stem} file must hold unsigned bytes in {expected_ndim} dimension(s) "
            f"(magic number {magic}); check the file names"
        )
    return path, array


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
        paths[key], arrays[key] = _read_checked(directory, key)
    for part in ("train", "test"):
        images, labels = arrays[f"{part}_images"], arrays[f"{part}_labels"]
        if len(images) != len(labels):
            raise ValueError(
                f"{str(paths[part + '_images'])!r} holds {len(images)} images but "
                f"{str(paths[part + '_labels'])!r} holds {len(labels)} labels; "
                "the two files must come from the same data set"
            )
    image_shape = arrays["train_images"].shape[1:]
    if arrays["test_images"].shape[1:] != image_shape:
        raise ValueError(
            f"training images are {image_shape} but test images are "
            f"{arrays['test_images'].shape[1:]}; the files come from different data sets"
        )
    largest_label = max(arrays["train_labels"].max(initial=0), arrays["test_labels"].max(initial=0))
    n_classes = int(largest_label) + 1

    def prepare(part):
        images = prepare_images(arrays[f"{part}_images"], image_shape, 255, normalize, flatten)
        return images, prepare_labels(arrays[f"{part}_labels"], one_hot, n_classes)

    return prepare("train"), prepare("test")
