"""IDX files: small files written byte by byte here, and malformed ones."""

from __future__ import annotations

import gzip
import struct

import numpy as np
import pytest
from minidl.datasets import load_idx, read_idx

TYPE_CODES = {
    np.uint8: 0x08,
    np.int8: 0x09,
    np.int16: 0x0B,
    np.int32: 0x0C,
    np.float32: 0x0D,
    np.float64: 0x0E,
}


def idx_bytes(array):
    """The IDX encoding, written out from the format description."""
    array = np.asarray(array)
    header = bytes([0, 0, TYPE_CODES[array.dtype.type], array.ndim])
    header += struct.pack(f">{array.ndim}I", *array.shape)
    return header + array.astype(array.dtype.newbyteorder(">")).tobytes()


def write(path, array, compress=False):
    content = idx_bytes(array)
    if compress:
        with gzip.open(path, "wb") as file:
            file.write(content)
    else:
        path.write_bytes(content)
    return path


@pytest.fixture
def mnist_like(tmp_path):
    """A 5 + 3 image data set of 4x3 images, half the files gzip-compressed."""
    rng = np.random.default_rng(7)
    data = {
        "train-images-idx3-ubyte": rng.integers(0, 256, size=(5, 4, 3), dtype=np.uint8),
        "train-labels-idx1-ubyte": np.array([0, 1, 2, 1, 0], dtype=np.uint8),
        "t10k-images-idx3-ubyte": rng.integers(0, 256, size=(3, 4, 3), dtype=np.uint8),
        "t10k-labels-idx1-ubyte": np.array([2, 2, 1], dtype=np.uint8),
    }
    for index, (stem, array) in enumerate(data.items()):
        compress = index % 2 == 1
        write(tmp_path / (stem + (".gz" if compress else "")), array, compress)
    return tmp_path, data


def test_header_of_a_real_mnist_image_file():
    content = idx_bytes(np.zeros((60000, 28, 28), dtype=np.uint8))
    assert content[:16] == bytes.fromhex("00000803 0000ea60 0000001c 0000001c")


@pytest.mark.parametrize("dtype", list(TYPE_CODES))
def test_read_idx_every_type_big_endian(tmp_path, dtype):
    # Values up to 110 fit every type; read in the wrong byte order, 10 would be 2560.
    expected = (np.arange(12) * 10).reshape(3, 4).astype(dtype)
    result = read_idx(write(tmp_path / "file", expected))
    assert result.dtype == np.dtype(dtype) and result.dtype.isnative
    np.testing.assert_array_equal(result, expected)


def test_read_idx_known_int16_bytes(tmp_path):
    path = tmp_path / "file"
    path.write_bytes(bytes([0, 0, 0x0B, 1, 0, 0, 0, 2, 0x01, 0x02, 0xFF, 0xFE]))
    np.testing.assert_array_equal(read_idx(path), [258, -2])


def test_load_idx_plain_and_gzip(mnist_like):
    folder, data = mnist_like
    (x_train, t_train), (x_test, t_test) = load_idx(folder)
    assert x_train.shape == (5, 12) and x_train.dtype == np.float32
    expected = data["train-images-idx3-ubyte"].reshape(5, 12) / 255
    np.testing.assert_allclose(x_train, expected, rtol=1e-6)
    np.testing.assert_array_equal(t_train, [0, 1, 2, 1, 0])
    assert t_test.dtype == np.int64
    np.testing.assert_array_equal(t_test, [2, 2, 1])
    assert x_test.shape == (3, 12)


def test_load_idx_raw_unflattened_one_hot(mnist_like):
    folder, data = mnist_like
    options = dict(normalize=False, flatten=False, one_hot=True)
    (x_train, t_train), (_, t_test) = load_idx(str(folder), **options)
    assert x_train.shape == (5, 1, 4, 3) and x_train.dtype == np.uint8
    np.testing.assert_array_equal(x_train[:, 0], data["train-images-idx3-ubyte"])
    assert t_train.shape == (5, 3)  # classes 0..2
    np.testing.assert_array_equal(t_test.argmax(axis=1), [2, 2, 1])


def test_a_plain_file_beside_its_gz_is_refused_not_guessed(mnist_like):
    folder, _ = mnist_like
    # t10k-labels-idx1-ubyte.gz holds [2, 2, 1]; a plain file beside it holds other labels.
    write(folder / "t10k-labels-idx1-ubyte", np.zeros(3, dtype=np.uint8))
    with pytest.raises(ValueError, match=r"holds both 't10k-labels-idx1-ubyte' and 't10k-labels-idx1-ubyte.gz'"):
        load_idx(folder)
    (folder / "t10k-labels-idx1-ubyte.gz").unlink()
    _, (_, t_test) = load_idx(folder)
    np.testing.assert_array_equal(t_test, [0, 0, 0])


def test_missing_file_lists_the_expected_names(mnist_like):
    folder, _ = mnist_like
    (folder / "t10k-labels-idx1-ubyte.gz").unlink()
    with pytest.raises(FileNotFoundError, match="t10k-labels-idx1-ubyte"):
        load_idx(folder)


def test_missing_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        load_idx(tmp_path / "nowhere")


def test_wrong_magic_number_names_the_file(tmp_path):
    path = tmp_path / "train-images-idx3-ubyte"
    path.write_bytes(b"<html>not found</html>")
    with pytest.raises(ValueError, match="magic number.*3c68746d") as caught:
        read_idx(path)
    assert str(path) in str(caught.value)


def test_gzip_data_without_gz_name_is_not_idx(tmp_path):
    path = tmp_path / "labels"
    path.write_bytes(gzip.compress(idx_bytes(np.zeros(3, dtype=np.uint8))))
    with pytest.raises(ValueError, match="not an IDX file"):
        read_idx(path)


def test_unknown_type_byte(tmp_path):
    path = tmp_path / "file"
    path.write_bytes(bytes([0, 0, 0x07, 1, 0, 0, 0, 1, 5]))
    with pytest.raises(ValueError, match="not an IDX file"):
        read_idx(path)


def test_truncated_header(tmp_path):
    path = tmp_path / "file"
    path.write_bytes(idx_bytes(np.zeros((2, 2, 2), dtype=np.uint8))[:9])
    with pytest.raises(ValueError, match="truncated.*3 dimensions"):
        read_idx(path)


def test_truncated_data(tmp_path):
    path = tmp_path / "file"
    path.write_bytes(idx_bytes(np.zeros((2, 3, 3), dtype=np.uint8))[:-1])
    with pytest.raises(ValueError, match=r"truncated.*\(2, 3, 3\).*34 bytes in all.*33 bytes"):
        read_idx(path)


def test_extra_trailing_bytes(tmp_path):
    path = tmp_path / "file"
    path.write_bytes(idx_bytes(np.zeros(4, dtype=np.uint8)) + b"\x00")
    with pytest.raises(ValueError, match="longer than its header says"):
        read_idx(path)


def test_truncated_gzip(tmp_path):
    path = tmp_path / "file.gz"
    content = gzip.compress(idx_bytes(np.arange(200, dtype=np.uint8)))
    path.write_bytes(content[: len(content) // 2])
    with pytest.raises(ValueError, match="file.gz.*could not be read"):
        read_idx(path)


def test_image_and_label_counts_must_agree(mnist_like):
    folder, _ = mnist_like
    write(folder / "train-labels-idx1-ubyte.gz", np.zeros(4, dtype=np.uint8), compress=True)
    with pytest.raises(ValueError, match="5 images.*4 labels"):
        load_idx(folder)


def test_labels_where_images_belong(mnist_like):
    folder, _ = mnist_like
    (folder / "t10k-images-idx3-ubyte").unlink()
    write(folder / "t10k-images-idx3-ubyte", np.zeros(3, dtype=np.uint8))
    with pytest.raises(ValueError, match="t10k-images-idx3-ubyte.*magic number 2051"):
        load_idx(folder)


def test_train_and_test_image_sizes_must_agree(mnist_like):
    folder, _ = mnist_like
    write(folder / "t10k-images-idx3-ubyte", np.zeros((3, 4, 4), dtype=np.uint8))
    with pytest.raises(ValueError, match=r"\(4, 3\).*\(4, 4\)"):
        load_idx(folder)


def test_home_folder_shorthand_is_expanded(mnist_like, monkeypatch):
    folder, data = mnist_like
    monkeypatch.setenv("HOME", str(folder.parent))
    (x_train, t_train), _ = load_idx(f"~/{folder.name}", normalize=False, flatten=False)
    np.testing.assert_array_equal(x_train[:, 0], data["train-images-idx3-ubyte"])


def test_forged_dimensions_cannot_overflow_the_size_check(tmp_path):
    # 2**31 cubed overflows int64 arithmetic to 0 bytes; the check must still see a huge file.
    path = tmp_path / "forged"
    path.write_bytes(bytes([0, 0, 0x08, 3]) + struct.pack(">3I", 2**31, 2**31, 2**31))
    with pytest.raises(ValueError, match="forged"):
        read_idx(path)


def test_a_header_claiming_millions_of_images_costs_what_the_file_holds(tmp_path):
    import tracemalloc

    # 2,000,000 images of 28x28 announced (1.5 GB), 1,000 held (0.8 MB).
    header = bytes([0, 0, 0x08, 3]) + np.array([2_000_000, 28, 28], dtype=">u4").tobytes()
    path = tmp_path / "claims.gz"
    path.write_bytes(gzip.compress(header + bytes(1000 * 28 * 28)))
    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match=r"is truncated: its header announces shape \(2000000, 28, 28\)"):
            read_idx(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 8 * 2**20  # a few chunks, not the 1.5 GB announced


def test_image_and_label_headers_are_compared_before_either_body_is_read(mnist_like, monkeypatch):
    import minidl.datasets.idx as idx

    folder, _ = mnist_like
    write(folder / "train-labels-idx1-ubyte.gz", np.zeros(4, dtype=np.uint8), compress=True)
    monkeypatch.setattr(idx, "_read_body", lambda *args: pytest.fail("a body was read"))
    with pytest.raises(ValueError, match="5 images.*4 labels"):
        load_idx(folder)
