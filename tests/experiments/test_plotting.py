"""Drawing helpers: smoothing against hand-computed means, the missing-matplotlib message."""

import sys

import numpy as np
import pytest

from minidl.experiments import plotting


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
    with pytest.raises(ModuleNotFoundError, match=r"pip install 'minidl\[plot\]'"):
        plotting.pyplot()


def test_save_figure_writes_a_png(tmp_path):
    plt = plotting.pyplot()
    figure, axes = plt.subplots()
    axes.plot([0, 1], [1, 0])
    plotting.save_figure(figure, tmp_path / "figure.png")
    assert (tmp_path / "figure.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not plt.fignum_exists(figure.number)  # closed, so long runs do not leak figures
