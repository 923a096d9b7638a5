"""Homework folders for the tests, and a way to edit the student's files in them."""

import importlib.util

import pytest

from minidl.homework import EXERCISES, write_assignment


@pytest.fixture
def key(tmp_path):
    """A fresh folder holding the answer key of every exercise, chapters 5 to 7."""
    write_assignment(tmp_path / "key", list(EXERCISES), solutions=True)
    return tmp_path / "key"


@pytest.fixture
def edit():
    """``edit(path, old, new)``: replace the one occurrence of ``old`` in the file ``path`` by ``new``."""

    def replace(path, old, new):
        text = path.read_text()
        assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times in {path.name}"
        path.write_text(text.replace(old, new))

    return replace


@pytest.fixture
def load():
    """``load(path)``: import a student's file as a fresh module, to run an exercise's checks on it directly."""

    def import_file(path):
        spec = importlib.util.spec_from_file_location(path.stem, path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module

    return import_file
