"""minidl homework new: the folder's files, the refusal to overwrite, atomic writing, the pytest file."""

import json
import runpy

import pytest

from minidl.homework import EXERCISES, assignment, write_assignment
from minidl.homework.catalogue import chapter_exercises


def test_a_full_homework_has_every_file_the_checks_notebooks_and_a_readme(tmp_path):
    written = write_assignment(tmp_path / "hw")
    names = {path.name for path in written}
    assert names == {EXERCISES[name].file for name in chapter_exercises(5, 6)} | {
        "test_homework.py", "README.md", "chapter5_backprop.ipynb", "chapter6_optimizers.ipynb"}
    assert {path.name for path in (tmp_path / "hw").iterdir()} == names
    readme = (tmp_path / "hw" / "README.md").read_text()
    assert "| `affine.py` | Affine layer: forward and backward | 5 | 10 |" in readme and "**100**" in readme
    for notebook in ("chapter5_backprop.ipynb", "chapter6_optimizers.ipynb"):
        assert json.loads((tmp_path / "hw" / notebook).read_text())["nbformat"] == 4
    assert list(tmp_path.iterdir()) == [tmp_path / "hw"]  # no temporary folder left behind


def test_chapter_7_is_a_homework_of_its_own_with_its_notebook(tmp_path):
    names = {path.name for path in write_assignment(tmp_path / "hw7", chapter_exercises(7))}
    assert names == {"im2col.py", "convolution.py", "pooling.py", "simple_conv_net.py", "test_homework.py",
                     "README.md", "chapter7_convolution.ipynb"}
    readme = (tmp_path / "hw7" / "README.md").read_text()
    assert readme.startswith("# Homework: convolutional networks\n\nChapter 7 of the book")
    assert "| `pooling.py` | Max pooling: forward and backward, ties included | 7 | 10 |" in readme
    assert "**40**" in readme
    with pytest.raises(ValueError, match="no exercise of chapter 8; the chapters are 5, 6, 7"):
        chapter_exercises(8)


def test_some_exercises_only_and_a_notebook_when_all_it_uses_are_there(tmp_path):
    names = {path.name for path in write_assignment(tmp_path / "week", ["sgd", "adam"])}
    assert names == {"sgd.py", "adam.py", "test_homework.py", "README.md"}
    names = {path.name for path in write_assignment(tmp_path / "optimizers", [
        "sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam"])}
    assert "chapter6_optimizers.ipynb" in names and "chapter5_backprop.ipynb" not in names


def test_a_folder_that_is_not_empty_is_refused_unless_forced(tmp_path):
    folder = tmp_path / "hw"
    folder.mkdir()
    write_assignment(folder, ["relu"])  # empty: fine
    (folder / "notes.txt").write_text("mine")
    (folder / "relu.py").write_text("my work")
    with pytest.raises(ValueError, match="exists and is not empty; choose a new folder, or pass --force"):
        write_assignment(folder, ["relu"])
    assert (folder / "relu.py").read_text() == "my work"
    write_assignment(folder, ["relu"], solutions=True, force=True)
    assert "np.maximum" in (folder / "relu.py").read_text() and (folder / "notes.txt").read_text() == "mine"
    (tmp_path / "file").write_text("")
    with pytest.raises(ValueError, match="is a file"):
        write_assignment(tmp_path / "file")


def test_an_interrupted_write_leaves_nothing_behind(tmp_path, monkeypatch):
    calls = []

    def failing(content):
        calls.append(content)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return content if isinstance(content, bytes) else content.encode()

    monkeypatch.setattr(assignment, "_bytes", failing)
    with pytest.raises(KeyboardInterrupt):
        write_assignment(tmp_path / "hw")
    assert list(tmp_path.iterdir()) == []


def test_the_pytest_file_runs_the_visible_checks(tmp_path):
    write_assignment(tmp_path / "key", ["relu"], solutions=True)
    write_assignment(tmp_path / "starter", ["relu"])
    runpy.run_path(str(tmp_path / "key" / "test_homework.py"))["test_visible_checks"]("relu")
    with pytest.raises(pytest.fail.Exception, match="ReLU.forward: not implemented yet") as failure:
        runpy.run_path(str(tmp_path / "starter" / "test_homework.py"))["test_visible_checks"]("relu")
    # pytest's short summary shows the first line: the exercise and what failed, not a folder's path.
    assert str(failure.value).splitlines()[0] == "relu: 0 of 4 points: forward values, gradient dx still TODO"
