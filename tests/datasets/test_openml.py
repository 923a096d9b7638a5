"""OpenML loading through the real fetch_openml, offline, on a tiny cache."""

from __future__ import annotations

import dataclasses
import shutil

import numpy as np
import pytest
import sklearn
from minidl.datasets import DatasetUnavailableError, load_dataset, load_fashion_mnist, load_mnist
from minidl.datasets.cache import load_cache
from minidl.datasets.openml import MNIST, load_openml

from minidl.files import load_npz, save_npz

# The real MNIST request (name "mnist_784", version 1), but only 6 + 4 rows.
TINY_MNIST = dataclasses.replace(MNIST, n_train=6, n_test=4)
# scikit-learn 1.7 and 1.8 delete a cached file that fails its check under a
# wrong name (the whole URL), so they keep it: minidl then says what to delete.
SKLEARN_KEEPS_A_CORRUPT_ARFF = (1, 7) <= tuple(int(part) for part in sklearn.__version__.split(".")[:2]) < (1, 9)


@pytest.fixture
def home(tmp_path, offline, write_openml_cache, tiny_images):
    write_openml_cache(tmp_path, TINY_MNIST, *tiny_images)
    return tmp_path


def test_first_load_parses_arff_and_writes_compact_cache(home, tiny_images):
    pixels, labels = tiny_images
    (x_train, t_train), (x_test, t_test) = load_openml(TINY_MNIST, data_home=home)

    assert x_train.dtype == np.float32 and x_train.shape == (6, 784)
    np.testing.assert_array_equal(x_train, pixels[:6].astype(np.float32) / np.float32(255))
    np.testing.assert_array_equal(x_test, pixels[6:].astype(np.float32) / np.float32(255))
    assert t_train.dtype == np.int64
    np.testing.assert_array_equal(t_train, labels[:6])
    np.testing.assert_array_equal(t_test, labels[6:])
    assert x_train.min() == 0.0 and x_train.max() == 1.0

    cache_path = home / "minidl" / "mnist_784.npz"
    arrays, meta = load_npz(cache_path)
    assert {name: array.dtype for name, array in arrays.items()} == dict.fromkeys(
        ("x_train", "t_train", "x_test", "t_test"), np.uint8
    )
    np.testing.assert_array_equal(arrays["x_train"], pixels[:6])
    assert len(meta["sha256"]) == 64


def test_second_load_reads_only_the_compact_cache(home, tiny_images):
    pixels, labels = tiny_images
    load_openml(TINY_MNIST, data_home=home)
    # Without scikit-learn's ARFF cache, and offline, only our cache can answer.
    shutil.rmtree(home / "openml")

    (x_train, t_train), (x_test, t_test) = load_openml(
        TINY_MNIST, normalize=False, flatten=False, one_hot=True, data_home=home
    )
    assert x_train.dtype == np.uint8 and x_train.shape == (6, 1, 28, 28)
    np.testing.assert_array_equal(x_test, pixels[6:].reshape(4, 1, 28, 28))
    assert t_train.shape == (6, 10) and t_train.dtype == np.float32
    np.testing.assert_array_equal(t_train.argmax(axis=1), labels[:6])
    np.testing.assert_array_equal(t_test.sum(axis=1), np.ones(4))


def test_truncated_cache_is_detected_and_rebuilt(home, tiny_images):
    load_openml(TINY_MNIST, data_home=home)
    cache_path = home / "minidl" / "mnist_784.npz"
    content = cache_path.read_bytes()
    cache_path.write_bytes(content[: len(content) // 2])

    with pytest.warns(UserWarning, match="mnist_784.npz"):
        (x_train, _), _ = load_openml(TINY_MNIST, normalize=False, data_home=home)
    np.testing.assert_array_equal(x_train, tiny_images[0][:6])
    assert cache_path.read_bytes() == content  # rebuilt identically


def _tamper(cache_path):
    """Change one pixel but keep the old metadata, as silent bit rot would."""
    arrays, meta = load_npz(cache_path)
    arrays["x_train"][0, 0] ^= 1
    save_npz(cache_path, arrays, meta=meta)


def test_altered_cache_fails_its_checksum_and_is_rebuilt(home, tiny_images):
    load_openml(TINY_MNIST, data_home=home)
    cache_path = home / "minidl" / "mnist_784.npz"
    _tamper(cache_path)

    with pytest.warns(UserWarning, match="SHA-256"):
        (x_train, _), _ = load_openml(TINY_MNIST, normalize=False, data_home=home)
    np.testing.assert_array_equal(x_train, tiny_images[0][:6])
    load_cache(cache_path, TINY_MNIST.source)  # valid again: does not raise


def test_altered_cache_without_download_names_the_file(home):
    load_openml(TINY_MNIST, data_home=home)
    cache_path = home / "minidl" / "mnist_784.npz"
    _tamper(cache_path)
    shutil.rmtree(home / "openml")

    with pytest.warns(UserWarning), pytest.raises(DatasetUnavailableError) as caught:
        load_openml(TINY_MNIST, data_home=home)
    message = str(caught.value)
    assert str(cache_path) in message and "corrupt" in message


def test_a_cache_for_other_sizes_is_not_served(home):
    load_openml(TINY_MNIST, data_home=home)
    other = dataclasses.replace(TINY_MNIST, n_train=5, n_test=5)
    with pytest.warns(UserWarning, match="written for"):
        (x_train, _), (x_test, _) = load_openml(other, data_home=home)
    assert len(x_train) == 5 and len(x_test) == 5


def test_md5_of_the_arff_is_verified_by_scikit_learn(
    tmp_path, offline, write_openml_cache, tiny_images
):
    arff_path = write_openml_cache(tmp_path, TINY_MNIST, *tiny_images, md5="0" * 32)
    if SKLEARN_KEEPS_A_CORRUPT_ARFF:
        # It warns, misses the file it meant to delete and fails on the same one.
        with pytest.warns(RuntimeWarning, match="Invalid cache"):
            with pytest.raises(ValueError, match="Delete the folder") as caught:
                load_openml(TINY_MNIST, data_home=tmp_path)
        assert str(tmp_path / "openml") in str(caught.value) and arff_path.exists()
        return
    # scikit-learn warns, deletes the ARFF, tries to download it again: offline.
    with pytest.warns(RuntimeWarning, match="Invalid cache"):
        with pytest.raises(DatasetUnavailableError):
            load_openml(TINY_MNIST, data_home=tmp_path)
    assert not arff_path.exists()


def test_scikit_learn_data_variable_is_the_default_home(home, monkeypatch, tiny_images):
    monkeypatch.setenv("SCIKIT_LEARN_DATA", str(home))
    (_, t_train), _ = load_openml(TINY_MNIST)
    np.testing.assert_array_equal(t_train, tiny_images[1][:6])
    assert (home / "minidl" / "mnist_784.npz").is_file()


@pytest.mark.parametrize("load", [load_mnist, load_fashion_mnist])
def test_offline_without_cache_gives_one_clear_error(tmp_path, offline, load):
    with pytest.raises(DatasetUnavailableError) as caught:
        load(data_home=tmp_path)
    error = caught.value
    message = str(error)
    assert "Could not download" in message
    assert str(tmp_path) in message
    assert "load_digits" in message and "--dataset digits" in message
    assert "load_idx" in message and "idx:DIR" in message
    assert isinstance(error, RuntimeError)
    assert isinstance(error.reason, OSError)
    # No urllib traceback chained in front of ours.
    assert error.__cause__ is None and error.__suppress_context__
    assert not (tmp_path / "minidl").exists()


def test_load_dataset_reaches_the_openml_loader(tmp_path, offline):
    with pytest.raises(DatasetUnavailableError, match="Fashion-MNIST"):
        load_dataset("Fashion-MNIST", data_home=tmp_path)
