"""The starter notebooks run from top to bottom on the answer key, each in a fresh kernel."""

import asyncio
import re

import nbformat
from nbclient import NotebookClient

from minidl.homework import write_assignment
from minidl.homework.assignment import NOTEBOOKS
from minidl.homework.catalogue import chapter_exercises


def printed(notebook):
    """Everything the notebook's cells printed, in order."""
    return "".join(output.get("text", "") for cell in notebook.cells for output in cell.get("outputs", [])
                   if output.get("output_type") == "stream" and output.get("name") == "stdout")


def test_the_notebooks_run_on_the_key(tmp_path):
    write_assignment(tmp_path / "key", chapter_exercises(5, 6, 7), solutions=True)
    notebooks = {name: nbformat.read(tmp_path / "key" / name, as_version=4) for name in NOTEBOOKS}
    # A student with only adam.py done: the other optimizers are skipped with a note, Adam is shown.
    write_assignment(tmp_path / "adam_only", solutions=True)
    write_assignment(tmp_path / "adam_only", ["sgd", "momentum", "nesterov", "adagrad", "rmsprop"], force=True)
    partial = nbformat.read(tmp_path / "adam_only" / "chapter6_optimizers.ipynb", as_version=4)
    # Chapter 7 as handed out: every exercise still TODO, each part skipped with a note.
    write_assignment(tmp_path / "starter7", chapter_exercises(7))
    starter7 = nbformat.read(tmp_path / "starter7" / "chapter7_convolution.ipynb", as_version=4)
    folders = {"key": list(notebooks.values()), "adam_only": [partial], "starter7": [starter7]}
    clients = [NotebookClient(notebook, timeout=120, kernel_name="python3",
                              resources={"metadata": {"path": str(tmp_path / folder)}})
               for folder, chosen in folders.items() for notebook in chosen]

    async def run_all():  # two kernels at once: each spends most of its time starting and importing
        # At most two: kernels started together pick their ports before binding them, and five at once
        # collided ("Address already in use", a dead kernel) once in a CI run.
        two_at_once = asyncio.Semaphore(2)

        async def execute(client):
            async with two_at_once:
                await client.async_execute()

        await asyncio.gather(*(execute(client) for client in clients))

    asyncio.run(run_all())  # raises CellExecutionError if any cell fails

    backprop = printed(notebooks["chapter5_backprop.ipynb"])
    assert backprop.count("All checks passed.") == 4  # Affine, ReLU, Sigmoid, the two-layer net
    differences = [float(value) for value in re.findall(r"largest difference (\S+)", backprop)]
    assert len(differences) == 8 and max(differences) < 1e-7
    accuracy = float(re.findall(r"accuracy (\S+)", backprop)[-1])
    assert accuracy > 0.9

    optimizers = printed(notebooks["chapter6_optimizers.ipynb"])
    path_gaps = [float(value) for value in re.findall(r"gap to minidl's path (\S+)", optimizers)]
    curve_gaps = [float(value) for value in re.findall(r"gap to minidl's curve (\S+)", optimizers)]
    assert len(path_gaps) == len(curve_gaps) == 6
    assert max(path_gaps) < 1e-9 and max(curve_gaps) < 1e-3  # float64 paths; float32 networks
    figures = [output for cell in notebooks["chapter6_optimizers.ipynb"].cells
               for output in cell.get("outputs", []) if "image/png" in output.get("data", {})]
    assert len(figures) == 2

    adam_only = printed(partial)
    assert len(re.findall(r"skipped: its update in \w+\.py is still TODO", adam_only)) == 2 * 5, adam_only
    assert re.search(r"^Adam .*gap to minidl's path", adam_only, re.MULTILINE), adam_only
    assert re.search(r"^Adam .*gap to minidl's curve", adam_only, re.MULTILINE), adam_only
    # No warning under the figures (an empty legend on a skipped panel gave "No artists with labels").
    warned = [output.get("text", "") for cell in partial.cells for output in cell.get("outputs", [])
              if output.get("output_type") == "stream" and output.get("name") == "stderr"]
    assert not warned, warned

    convolution = printed(notebooks["chapter7_convolution.ipynb"])
    differences = [float(value) for value in re.findall(r"largest difference (\S+)", convolution)]
    assert len(differences) == 4 and max(differences) < 1e-12, convolution  # forward and dx, two layers
    assert float(re.search(r"test accuracy (\S+),", convolution).group(1)) > 0.9, convolution
    assert "drew 8 filters, before and after training" in convolution
    filters = [output for cell in notebooks["chapter7_convolution.ipynb"].cells
               for output in cell.get("outputs", []) if "image/png" in output.get("data", {})]
    assert len(filters) == 1
    untouched = printed(starter7)
    assert untouched.count("skipped: still TODO") == 2 and "SimpleConvNet.__init__: not implemented yet" in untouched
