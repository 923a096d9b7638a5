"""Shared drawing helpers: new figures, smoothing, bands, saving PNGs.

matplotlib is an optional dependency (the ``plot`` extra). Only the functions
that draw import it, and only when called, so every experiment computes its
numbers (and the tests check them) on an installation without matplotlib.

Figures are made with ``matplotlib.figure.Figure`` directly, not through
``pyplot``: pyplot keeps a global list of open figures and a global
backend, which a library must not touch. So a ``plot()`` here never opens a
window, never changes the backend you chose, needs no display on a server,
and its memory is freed like any object's once unused. In Jupyter a
returned figure shows as a picture, with or without ``%matplotlib inline``
(see :mod:`minidl.inline_figure`).
"""

from __future__ import annotations

import numpy as np

from minidl.files import atomic_write
from minidl.optional import install_hint
from minidl.settings import Integer, check

INSTALL_HINT = install_hint("plot")


def new_figure(**options):
    """A new ``matplotlib.figure.Figure`` (``options`` such as ``figsize``), unknown to pyplot.

    It is an :class:`~minidl.inline_figure.InlineFigure`, which
    a notebook displays as a picture.

    Raises
    ------
    ModuleNotFoundError
        If matplotlib is not installed; the message says how to install it.
    """
    try:
        import matplotlib.figure  # noqa: F401  (first: fails without matplotlib even if the module below is loaded)

        from minidl.inline_figure import InlineFigure
    except ModuleNotFoundError as exc:
        raise ModuleNotFoundError(f"drawing figures needs matplotlib; {INSTALL_HINT}") from exc
    return InlineFigure(**options)


def check_plotting_available():
    """Fail early, before minutes of training, if figures cannot be drawn."""
    new_figure()


def save_figure(figure, path):
    """Write ``figure`` as a PNG at ``path`` atomically (matplotlib renders it with Agg, in memory)."""
    with atomic_write(path, "wb") as file:
        figure.savefig(file, format="png", dpi=110, bbox_inches="tight")
    return path


def smooth(values, window):
    """Moving average of ``values`` over ``window`` points along the last axis.

    Parameters
    ----------
    values : numpy.ndarray, shape (..., n)
        A curve (or curves) such as a mini-batch loss per iteration.
    window : int
        Points to average. ``1`` (or ``0``) returns ``values`` unchanged.

    Returns
    -------
    numpy.ndarray, shape (..., n)
        Point ``i`` is the mean of points ``max(0, i - window + 1) .. i``:
        only past values, so a curve is never shifted left, and the first
        points average what exists so far instead of being dropped.

    Notes
    -----
    Mini-batch losses jump from batch to batch; averaging them shows the
    trend. The cumulative-sum form computes all means in one pass:
    ``mean_i = (c_i - c_{i-window}) / count_i`` with ``c`` the running sum.
    """
    values = np.asarray(values, dtype=np.float64)
    window = check(window, Integer(0), "smoothing window")
    if window <= 1:
        return values
    cumulative = np.cumsum(values, axis=-1)
    shifted = np.zeros_like(cumulative)
    shifted[..., window:] = cumulative[..., :-window]
    counts = np.minimum(np.arange(1, values.shape[-1] + 1), window)
    return (cumulative - shifted) / counts


def draw_band(axes, x, runs, label, color=None, smoothing=1):
    """Draw the mean of ``runs`` (shape (seeds, n)) and a band of one standard deviation.

    With a single run there is no spread to show, so only the line is drawn.
    """
    runs = smooth(np.asarray(runs, dtype=np.float64), smoothing)
    mean = runs.mean(axis=0)
    (line,) = axes.plot(x, mean, label=label, color=color, linewidth=1.4)
    if runs.shape[0] > 1:
        spread = runs.std(axis=0)
        axes.fill_between(x, mean - spread, mean + spread, color=line.get_color(), alpha=0.2, linewidth=0)
    return line


def grid_shape(count, columns):
    """Rows and columns of a panel grid holding ``count`` panels, at most ``columns`` wide."""
    columns = max(1, min(columns, count))
    rows = -(-count // columns)
    return rows, columns


def panel_grid(count, columns, panel_size=(3.2, 2.6), **subplot_options):
    """Create a figure with a grid of ``count`` panels; unused panels are hidden.

    Returns the figure and a flat list of the ``count`` axes in reading order.
    """
    rows, columns = grid_shape(count, columns)
    figure = new_figure(figsize=(panel_size[0] * columns, panel_size[1] * rows))
    axes = figure.subplots(rows, columns, squeeze=False, **subplot_options)
    flat = list(axes.ravel())
    for spare in flat[count:]:
        spare.set_visible(False)
    return figure, flat[:count]
