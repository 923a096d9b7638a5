"""Drawing helpers: smoothing against hand-computed means, the missing-matplotlib message."""

import sys

import numpy as np
import pytest

from minidl import plotting


def test_smooth_is_a_trailing_moving_average():
    values = np.array([1.0, 2.0, 3.0, 4.0, 5.0])
    # By hand: (1)/1, (1+2)/2, (1+2+3)/3, (2+3+4)/3, (3+4+5)/3.
    np.testing.assert_allclose(plotting.smooth(values, 3), [1.0, 1.5, 2.0, 3.0, 4.0])


def test_smooth_works_on_each_row_and_leaves_window_one_unchanged():
    values = np.array([[0.0, 2.0, 4.0], [1.0, 1.0, 7.0]])
    np.testing.assert_allclose(plotting.smooth(values, 2), [[0.0, 1.0, 3.0], [1.0, 1.0, 4.0]])
    np.testing.assert_array_equal(plotting.smooth(values, 1), values)


@pytest.mark.parametrize("window", [-1, 2.5])
def test_smooth_refuses_a_bad_window(window):
    with pytest.raises(ValueError, match="smoothing window"):
        plotting.smooth([1.0, 2.0], window)


def test_grid_shape():
    assert plotting.grid_shape(7, 4) == (2, 4)
    assert plotting.grid_shape(3, 4) == (1, 3)
    assert plotting.grid_shape(16, 4) == (4, 4)


def test_missing_matplotlib_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # makes `import matplotlib` fail
    with pytest.raises(ModuleNotFoundError, match=r"pip install \"matplotlib>=3.6\" \(minidl's \[plot\] extra\)"):
        plotting.new_figure()


def test_save_figure_writes_a_png(tmp_path):
    import matplotlib.pyplot as plt

    open_before = plt.get_fignums()
    figure = plotting.new_figure()
    figure.subplots().plot([0, 1], [1, 0])
    plotting.save_figure(figure, tmp_path / "figure.png")
    assert (tmp_path / "figure.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # Never registered with pyplot, so long runs cannot leak open figures.
    assert plt.get_fignums() == open_before


def test_plotting_leaves_the_backend_and_pyplot_alone(tmp_path, monkeypatch):
    import matplotlib
    import matplotlib.pyplot as plt

    from minidl.experiments import optimizer_paths

    def refuse_use(*args, **kwargs):
        raise AssertionError("a plot must not switch the caller's matplotlib backend (e.g. Jupyter's inline)")

    backend, open_before = matplotlib.rcParams["backend"], plt.get_fignums()
    monkeypatch.setattr(matplotlib, "use", refuse_use)
    figure = optimizer_paths(("sgd", "adam"), steps=3).plot()
    plotting.save_figure(figure, tmp_path / "paths.png")
    assert matplotlib.rcParams["backend"] == backend and plt.get_fignums() == open_before
    assert len([axes for axes in figure.axes if axes.get_visible()]) == 2


def test_a_figure_displays_as_a_picture_in_ipython_without_a_magic_command():
    from IPython.core.formatters import DisplayFormatter

    figure = plotting.new_figure(figsize=(2, 1))
    figure.subplots().plot([0, 1], [1, 0])
    data, _ = DisplayFormatter().format(figure)
    assert data["image/png"][:8] == b"\x89PNG\r\n\x1a\n"


def test_training_and_its_curves_load_no_experiment():
    # The figure helpers sit below both the training loop and the experiments,
    # so drawing a History never imports the seven experiments.
    import subprocess

    code = ("import sys, minidl.training, minidl.training.curves\n"
            "print(sorted(m for m in sys.modules if m.startswith('minidl.experiments')))")
    found = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert found.strip() == "[]", f"minidl.training imports experiments: {found}"
