"""Fixtures for the data set tests: a network that is always off, and a tiny
OpenML download cache laid out exactly as scikit-learn stores it.

The OpenML tests run the real ``sklearn.datasets.fetch_openml`` code; nothing
in it is patched. Instead:

* ``offline`` points the standard ``https_proxy``/``http_proxy`` variables at
  a closed local port, so any request that is *not* answered from the cache
  fails at once with a connection error -- also on a machine that is online.
* ``write_openml_cache`` writes the four JSON answers and the gzipped ARFF
  file that scikit-learn would have downloaded and cached, under
  ``<home>/openml/openml.org/<path of the URL>.gz``. The ARFF file's URL
  depends on the installed scikit-learn: 1.6 asks for
  ``data/v1/download/<file_id>``, 1.7 and later follow the ``url`` of the
  data set's description (``data/v1/download/<file_id>/<name>.arff``).
"""

from __future__ import annotations

import gzip
import hashlib
import json
import urllib.request
from pathlib import Path

import numpy as np
import pytest
import sklearn

FAKE_DATA_ID = 90001
FAKE_FILE_ID = 90002


def _arff_url_path(name):
    """The path of the ARFF URL that the installed scikit-learn downloads (and caches)."""
    major, minor = (int(part) for part in sklearn.__version__.split(".")[:2])
    if (major, minor) < (1, 7):
        return f"data/v1/download/{FAKE_FILE_ID}"
    return f"data/v1/download/{FAKE_FILE_ID}/{name}.arff"


@pytest.fixture
def offline(monkeypatch):
    for variable in ("no_proxy", "NO_PROXY"):
        monkeypatch.delenv(variable, raising=False)
    for variable in ("https_proxy", "http_proxy", "HTTPS_PROXY", "HTTP_PROXY"):
        monkeypatch.setenv(variable, "http://127.0.0.1:9")
    # urlopen builds its opener (which reads the proxy variables) once per
    # process; forget it so the next request sees the variables above.
    urllib.request.install_opener(None)
    yield
    urllib.request.install_opener(None)


def _write_gzip(path, content):
    path.parent.mkdir(parents=True, exist_ok=True)
    with gzip.open(path, "wb") as file:
        file.write(content)


def _arff_text(name, pixels, labels):
    lines = [f"@RELATION {name}", ""]
    lines += [f"@ATTRIBUTE pixel{index + 1} NUMERIC" for index in range(pixels.shape[1])]
    lines += ["@ATTRIBUTE class {0,1,2,3,4,5,6,7,8,9}", "", "@DATA"]
    for row, label in zip(pixels, labels):
        lines.append(",".join(str(int(value)) for value in row) + f",{int(label)}")
    return ("\n".join(lines) + "\n").encode()


def _feature(index, name, data_type, is_target):
    feature = {
        "index": str(index),
        "name": name,
        "data_type": data_type,
        "is_target": "true" if is_target else "false",
        "is_ignore": "false",
        "is_row_identifier": "false",
        "number_of_missing_values": "0",
    }
    if data_type == "nominal":
        feature["nominal_value"] = [str(digit) for digit in range(10)]
    return feature


@pytest.fixture
def write_openml_cache():
    """Return ``write(home, dataset, pixels, labels, md5=None) -> arff_path``."""

    def write(home, dataset, pixels, labels, md5=None):
        name = dataset.openml_name.lower()  # fetch_openml lower-cases the name
        root = Path(home) / "openml" / "openml.org"
        api = root / "api" / "v1" / "json" / "data"
        arff = _arff_text(name, pixels, labels)
        arff_url_path = _arff_url_path(name)
        listing = {
            "data": {
                "dataset": [
                    {
                        "did": FAKE_DATA_ID,
                        "name": name,
                        "version": dataset.version,
                        "status": "active",
                        "format": "ARFF",
                        "file_id": FAKE_FILE_ID,
                    }
                ]
            }
        }
        description = {
            "data_set_description": {
                "id": str(FAKE_DATA_ID),
                "name": name,
                "version": str(dataset.version),
                "description": "A tiny stand-in built by the minidl tests.",
                "format": "ARFF",
                "url": f"https://api.openml.org/data/v1/download/{FAKE_FILE_ID}/{name}.arff",
                "file_id": str(FAKE_FILE_ID),
                "default_target_attribute": "class",
                "status": "active",
                # scikit-learn checks this against the md5 of the ARFF text.
                "md5_checksum": md5 or hashlib.md5(arff).hexdigest(),
            }
        }
        features = [_feature(i, f"pixel{i + 1}", "numeric", False) for i in range(pixels.shape[1])]
        features.append(_feature(pixels.shape[1], "class", "nominal", True))
        qualities = {
            "data_qualities": {
                "quality": [
                    {"name": "NumberOfInstances", "value": f"{len(pixels)}.0"},
                    {"name": "NumberOfFeatures", "value": f"{pixels.shape[1] + 1}.0"},
                ]
            }
        }
        # fetch_openml(name, version=V) first asks for this listing.
        listing_path = api / "list/data_name" / name / "limit/2/data_version" / str(dataset.version)
        answers = {
            listing_path: listing,
            api / str(FAKE_DATA_ID): description,
            api / "features" / str(FAKE_DATA_ID): {"data_features": {"feature": features}},
            api / "qualities" / str(FAKE_DATA_ID): qualities,
        }
        for path, answer in answers.items():
            _write_gzip(path.with_name(path.name + ".gz"), json.dumps(answer).encode())
        arff_path = root / (arff_url_path + ".gz")
        _write_gzip(arff_path, arff)
        return arff_path

    return write


@pytest.fixture
def tiny_images():
    """10 random 28x28 uint8 images with labels: 6 for training, 4 for testing."""
    rng = np.random.default_rng(1234)
    pixels = rng.integers(0, 256, size=(10, 784), dtype=np.uint8)
    pixels[0, :3] = (0, 255, 128)  # the extremes must survive the round trip
    labels = np.array([5, 0, 4, 1, 9, 2, 1, 3, 1, 4])
    return pixels, labels
