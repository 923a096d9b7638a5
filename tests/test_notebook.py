"""minidl in a real Jupyter kernel: figures as pictures, rich tables, progress without a red block per epoch.

One notebook runs in one fresh kernel (starting a kernel takes seconds) and
the tests below read its cells' outputs, as a notebook front end would show
them. Its first cells train with ipywidgets made impossible to import, the
next ones with ipywidgets available again, so both kinds of progress are seen.
"""

import re

import pytest

nbformat = pytest.importorskip("nbformat", reason="the notebook tests need the dev extra: pip install -e '.[dev]'")
nbclient = pytest.importorskip("nbclient", reason="the notebook tests need the dev extra: pip install -e '.[dev]'")
pytest.importorskip("ipykernel", reason="the notebook tests need the dev extra: pip install -e '.[dev]'")
pytest.importorskip("matplotlib", reason="the notebook figures need matplotlib (dev extra)")

CELLS = {
    "setup": """
import sys, warnings
sys.modules["ipywidgets"] = None          # `import ipywidgets` now fails, as where it is not installed
from tqdm import TqdmWarning
warnings.simplefilter("error", TqdmWarning)   # a TqdmWarning would fail the cell
import minidl
from minidl.datasets import load_digits
(x, t), (x_test, t_test) = load_digits()
""",
    "text_progress": """
net = minidl.MLP(64, [32], 10, seed=0)
history = minidl.fit(net, x, t, epochs=3, batch_size=64, validation_data=(x_test, t_test))
""",
    "text_experiment_progress": """
from minidl.experiments import compare_optimizers
result = compare_optimizers("digits", ("sgd", "adam"), iterations=20, batch_size=64)
""",
    "widget_progress": """
del sys.modules["ipywidgets"]             # installed after all
history = minidl.fit(net, x, t, epochs=2, batch_size=64, validation_data=(x_test, t_test))
""",
    "history": "history",
    "network": "net",
    "history_plot": "history.plot()",
    "experiment_plot": "result.plot()",
}


@pytest.fixture(scope="module")
def outputs(tmp_path_factory):
    """Cell name -> the outputs of that cell, from one run of the notebook in a fresh kernel."""
    from ipykernel.kernelspec import write_kernel_spec
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import KernelManager

    # A kernel of this very Python (and so this minidl), whatever kernels the machine has installed.
    kernels = tmp_path_factory.mktemp("kernels")
    write_kernel_spec(kernels / "this-python")
    manager = KernelManager(kernel_name="this-python", kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(kernels)]))
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code.strip()) for code in CELLS.values()])
    nbclient.NotebookClient(notebook, km=manager, timeout=300).execute()
    return {name: cell.outputs for name, cell in zip(CELLS, notebook.cells)}


def rendered_stderr(cell_outputs):
    """Standard error as a front end shows it: streams joined, each line as left by its last carriage return."""
    text = "".join(output.get("text", "") for output in cell_outputs
                   if output.output_type == "stream" and output.name == "stderr")
    return [line.split("\r")[-1] for line in text.split("\n") if line.split("\r")[-1].strip()]


def mime_types(cell_outputs):
    return {kind for output in cell_outputs for kind in output.get("data", {})}


def test_without_ipywidgets_training_is_one_line_redrawn_in_place(outputs):
    lines = rendered_stderr(outputs["text_progress"])
    assert len(lines) == 1, lines  # not one line (one red block) per epoch
    assert re.match(r"epoch 3/3 \[\d\d:\d\d\] loss \d\.\d{4} acc \d\.\d{4} val_loss \d\.\d{4} val_acc \d\.\d{4}",
                    lines[0]), lines
    assert "Warning" not in "".join(output.get("text", "") for output in outputs["text_progress"])


def test_without_ipywidgets_an_experiment_leaves_no_line_per_run(outputs):
    # Its bar closes without leaving a line (leave=False), and never warns.
    assert rendered_stderr(outputs["text_experiment_progress"]) == []


def test_with_ipywidgets_training_shows_the_notebook_widget_and_writes_no_stderr(outputs):
    assert "application/vnd.jupyter.widget-view+json" in mime_types(outputs["widget_progress"])
    assert not [output for output in outputs["widget_progress"] if output.output_type == "stream"]


def test_history_shows_as_a_table(outputs):
    (result,) = outputs["history"]
    assert result.data["text/html"].startswith("<table>")
    assert "History: 2 epochs, 46 steps; best val_accuracy" in result.data["text/html"]
    header = result.data["text/plain"].splitlines()[1].split()
    assert header == ["epoch", "train_loss", "train_accuracy", "val_loss", "val_accuracy", "learning_rate", "seconds",
                      "threads"]


def test_a_network_shows_as_its_summary(outputs):
    (result,) = outputs["network"]
    assert "<td style='text-align: left'>Affine1</td>" in result.data["text/html"]
    assert result.data["text/plain"].splitlines()[0] == "MLP 64 -> 32 -> 10 (relu), float32, seed 0: 2,410 parameters"


@pytest.mark.parametrize("cell", ["history_plot", "experiment_plot"])
def test_figures_show_as_pictures_without_a_magic_command(outputs, cell):
    (result,) = outputs[cell]
    assert "image/png" in result.data
    assert result.data["text/plain"].startswith("<InlineFigure size")
