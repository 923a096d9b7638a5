"""Writing a homework folder: starter files (or the key), the visible checks, notebooks, a README.

:func:`write_assignment` is ``minidl homework new``. A new folder is built
beside its destination and renamed into place once complete, so an
interruption never leaves half a homework behind; an existing folder that is
not empty is refused unless ``force=True``.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from importlib import resources
from pathlib import Path

from minidl.files import atomic_write
from minidl.homework.catalogue import select
from minidl.homework.derive import solution, starter

#: Starter notebook -> the exercises it uses; it is written when all of them are.
NOTEBOOKS = {
    "chapter5_backprop.ipynb": ("affine", "relu", "sigmoid", "softmax_with_loss", "numerical_gradient",
                                "two_layer_net"),
    "chapter6_optimizers.ipynb": ("sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam"),
    "chapter7_convolution.ipynb": ("convolution", "pooling", "simple_conv_net"),
}

#: The title of a homework's README, by the chapters of its exercises.
TITLES = {5: "backpropagation", 6: "optimizers", 7: "convolutional networks"}

CHECKS_FILE = '''"""The visible checks of this homework, for pytest: ``pytest test_homework.py``.

``minidl homework check .`` runs the same checks and prints their reports as
tables. The grader runs them too, and hidden checks with other shapes and
values: write code that works for any shape, not for these numbers.
"""

from pathlib import Path

import pytest

from minidl.homework import check

HERE = Path(__file__).resolve().parent
EXERCISES = {exercises!r}


@pytest.mark.parametrize("exercise", EXERCISES)
def test_visible_checks(exercise):
    report = check(HERE, [exercise])
    if not report.all_passed:
        pytest.fail(f"{{report.headline}}\\n\\n{{report}}", pytrace=False)
'''


def key_source(exercise):
    """The answer key's file of ``exercise``, markers included."""
    return (resources.files("minidl.homework.key") / exercise.file).read_text(encoding="utf-8")


def assignment_files(exercises=None, solutions=False):
    """Dict file name -> text or bytes: everything ``minidl homework new`` writes."""
    chosen = select(exercises)
    derive = solution if solutions else starter
    files = {exercise.file: derive(key_source(exercise), exercise.file) for exercise in chosen}
    names = [exercise.name for exercise in chosen]
    files["test_homework.py"] = CHECKS_FILE.format(exercises=names)
    notebooks = [name for name, needs in NOTEBOOKS.items() if set(needs) <= set(names)]
    for notebook in notebooks:
        files[notebook] = (resources.files("minidl.homework") / "notebooks" / notebook).read_bytes()
    files["README.md"] = _readme(chosen, notebooks, solutions)
    return files


def write_assignment(directory, exercises=None, *, solutions=False, force=False):
    """Write a homework folder: the starter files (or the key), the visible checks, notebooks and a README.

    Parameters
    ----------
    directory : str or os.PathLike
        The folder to create. It may exist if it is empty.
    exercises : list of str, optional
        The exercises to include (``minidl homework list``); all by default.
        A notebook comes along when all the exercises it uses are included.
    solutions : bool, default False
        Write the filled-in answer key instead of the starter files.
    force : bool, default False
        Write into a folder that is not empty, replacing the files of the
        same names (other files stay).

    Returns
    -------
    list of pathlib.Path
        The files written.
    """
    directory = Path(directory).expanduser()
    files = assignment_files(exercises, solutions)
    if directory.exists() and not directory.is_dir():
        raise ValueError(f"{str(directory)!r} is a file; give the name of a folder to create")
    if directory.is_dir() and any(directory.iterdir()):
        if not force:
            raise ValueError(f"folder {str(directory)!r} exists and is not empty; choose a new folder, "
                             "or pass --force to overwrite the homework files in it")
        for name, content in files.items():
            with atomic_write(directory / name, "wb") as file:
                file.write(_bytes(content))
        return [directory / name for name in files]
    directory.parent.mkdir(parents=True, exist_ok=True)
    building = Path(tempfile.mkdtemp(prefix=f".{directory.name}.", dir=directory.parent))
    try:
        for name, content in files.items():
            (building / name).write_bytes(_bytes(content))
        building.chmod(0o777 & ~_umask())
        if directory.is_dir():
            directory.rmdir()  # empty: make way for the finished folder
        building.rename(directory)
    except BaseException:
        shutil.rmtree(building, ignore_errors=True)
        raise
    return [directory / name for name in files]


def _bytes(content):
    return content if isinstance(content, bytes) else content.encode("utf-8")


def _listed(words):
    """``"a"``, ``"a and b"``, ``"a, b and c"``."""
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"


def _umask():
    # mkdtemp makes a private folder (0700); give it the permissions mkdir would.
    current = os.umask(0)
    os.umask(current)
    return current


def _readme(exercises, notebooks, solutions):
    rows = "\n".join(f"| `{exercise.file}` | {exercise.title} | {exercise.chapter} | {exercise.points:g} |"
                     for exercise in exercises)
    total = sum(exercise.points for exercise in exercises)
    if solutions:
        intro = ("This is the **answer key**: every exercise filled in. It scores full marks with "
                 "`minidl homework grade .`. Keep it away from students.")
    else:
        intro = ("Fill in the parts marked `# TODO` (each file's docstrings give the maths and the shapes), "
                 "then check your work. Each exercise is one idea of the book; you can do them in any order.")
    notebook_text = ""
    if notebooks:
        listed = ", ".join(f"`{name}`" for name in notebooks)
        notebook_text = (f"\n## Notebooks\n\n{listed}: use your code on real problems, beside minidl's. "
                         "Open them with Jupyter (`pip install jupyterlab`, then `jupyter lab`) from this folder.\n")
    chapters = sorted({exercise.chapter for exercise in exercises})
    title = _listed([TITLES[chapter] for chapter in chapters])
    numbers = ("Chapter " if len(chapters) == 1 else "Chapters ") + _listed([str(chapter) for chapter in chapters])
    return f"""# Homework: {title}

{numbers} of the book "Deep Learning from Scratch", written by you and
checked by minidl.

{intro}

| file | exercise | chapter | points |
| --- | --- | --- | --- |
{rows}
| | **total** | | **{total:g}** |

## Check your work

```bash
minidl homework check .        # the visible checks, as readable tables
pytest test_homework.py        # the same checks, with pytest
```

The grader runs these checks and hidden ones, on other shapes and values:
code that works only for the numbers above will lose points. Each exercise is
graded on its own, so a mistake in one file costs only that exercise's points.
An exercise still marked TODO reads "not implemented yet (TODO)".
{notebook_text}
## Hand in

The `.py` files above, as your teacher tells you.
"""
