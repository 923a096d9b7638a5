"""A matplotlib figure that shows itself as a picture in Jupyter, with no ``%matplotlib`` magic.

minidl draws on ``matplotlib.figure.Figure`` objects made directly, never
through ``pyplot`` (see :mod:`minidl.plotting`). Such a figure
has no backend to display it: returned as the last value of a notebook cell
it shows as text, ``<Figure size 1440x480 with 8 Axes>``, unless the user
knows to type ``%matplotlib inline``. Jupyter asks every value for its
``_repr_png_``; this subclass answers with the PNG, rendered in memory by
matplotlib's Agg renderer. With ``%matplotlib inline`` on, IPython's own
figure display takes precedence, so the picture still shows once.

This module imports matplotlib: import it only where a figure is drawn.
"""

from __future__ import annotations

import io

import matplotlib.figure


class InlineFigure(matplotlib.figure.Figure):
    """A ``matplotlib.figure.Figure`` that Jupyter and IPython display as a PNG picture."""

    def _repr_png_(self):
        """The figure as PNG bytes, as :meth:`savefig` would write it."""
        buffer = io.BytesIO()
        self.savefig(buffer, format="png", dpi=100, bbox_inches="tight")
        return buffer.getvalue()
