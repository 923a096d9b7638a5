"""The compact cache: round trip, checksum, and every way it can go bad."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest
from minidl.datasets.cache import CorruptCacheError, checksum, load_cache, save_cache

from minidl.files import load_npz, save_npz

SOURCE = "test source"


@pytest.fixture
def arrays():
    rng = np.random.default_rng(0)
    return {
        "x_train": rng.integers(0, 256, size=(5, 12), dtype=np.uint8),
        "t_train": np.array([0, 1, 2, 3, 4], dtype=np.uint8),
        "x_test": rng.integers(0, 256, size=(3, 12), dtype=np.uint8),
        "t_test": np.array([9, 8, 7], dtype=np.uint8),
    }


def test_round_trip_gives_the_same_arrays(tmp_path, arrays):
    path = tmp_path / "data.npz"
    save_cache(path, arrays, SOURCE)
    loaded = load_cache(path, SOURCE)
    for name, array in arrays.items():
        assert loaded[name].dtype == array.dtype
        np.testing.assert_array_equal(loaded[name], array)


def test_checksum_matches_a_hand_built_sha256(arrays):
    digest = hashlib.sha256()
    for name in ("x_train", "t_train", "x_test", "t_test"):
        digest.update(f"{name}:|u1:{arrays[name].shape};".encode())
        digest.update(arrays[name].tobytes())
    assert checksum(arrays) == digest.hexdigest()


def test_checksum_sees_a_reshape_with_the_same_bytes(arrays):
    reshaped = dict(arrays, x_train=arrays["x_train"].reshape(12, 5))
    assert checksum(reshaped) != checksum(arrays)


def test_one_changed_byte_fails_the_checksum(tmp_path, arrays):
    path = tmp_path / "data.npz"
    save_cache(path, arrays, SOURCE)
    stored, meta = load_npz(path)
    stored["t_test"][0] = 0
    save_npz(path, stored, meta=meta)
    with pytest.raises(CorruptCacheError, match="SHA-256") as caught:
        load_cache(path, SOURCE)
    assert str(path) in str(caught.value)


def test_truncated_file_is_reported_with_its_name(tmp_path, arrays):
    path = tmp_path / "data.npz"
    save_cache(path, arrays, SOURCE)
    path.write_bytes(path.read_bytes()[:100])
    with pytest.raises(CorruptCacheError, match="data.npz"):
        load_cache(path, SOURCE)


def test_flipped_byte_inside_the_archive_is_caught(tmp_path, arrays):
    path = tmp_path / "data.npz"
    save_cache(path, arrays, SOURCE)
    content = bytearray(path.read_bytes())
    # The pixels of x_train sit early in the archive, after the member header.
    position = content.index(arrays["x_train"].tobytes())
    content[position] ^= 0xFF
    path.write_bytes(bytes(content))
    with pytest.raises(CorruptCacheError):
        load_cache(path, SOURCE)


def test_cache_for_another_source_is_refused(tmp_path, arrays):
    path = tmp_path / "data.npz"
    save_cache(path, arrays, SOURCE)
    with pytest.raises(CorruptCacheError, match="written for 'test source'"):
        load_cache(path, "another source")


def test_archive_without_metadata_is_refused(tmp_path, arrays):
    path = tmp_path / "data.npz"
    save_npz(path, arrays)
    with pytest.raises(CorruptCacheError, match="metadata"):
        load_cache(path, SOURCE)


def test_missing_array_is_refused(tmp_path, arrays):
    path = tmp_path / "data.npz"
    save_cache(path, arrays, SOURCE)
    stored, meta = load_npz(path)
    del stored["t_test"]
    save_npz(path, stored, meta=meta)
    with pytest.raises(CorruptCacheError, match="t_test"):
        load_cache(path, SOURCE)


def test_missing_file_is_a_file_not_found_error(tmp_path):
    with pytest.raises(FileNotFoundError):
        load_cache(tmp_path / "nothing.npz", SOURCE)


def test_corrupt_cache_error_is_a_value_error():
    assert issubclass(CorruptCacheError, ValueError)
