"""Small tables for people: the text and HTML forms of the notebook displays.

Jupyter shows an object by the richest form it offers: ``_repr_html_``
(an HTML table here) in a notebook, ``_repr_pretty_`` (the same table as
aligned text) in IPython at a terminal. :class:`~minidl.training.History`
and :class:`~minidl.MLP` build their tables with these two functions, so
both forms always hold the same cells.
"""

from __future__ import annotations

from html import escape


def text_table(header, rows, title=None):
    """Aligned columns: text left-aligned, numbers right-aligned, a rule under the header.

    Parameters
    ----------
    header : sequence of str
    rows : sequence of sequences of str
        Cells already formatted. A column whose cells all read as numbers
        (``"0.9612"``, ``"2,410"``; empty and ``"..."`` cells aside) is
        right-aligned, header included.
    title : str, optional
        A first line above the table.
    """
    widths = [max(len(cell) for cell in column) for column in zip(header, *rows)]
    right = _numeric_columns(header, rows)
    lines = [] if title is None else [title]
    for row in [header, ["-" * width for width in widths], *rows]:
        cells = (cell.rjust(width) if numeric else cell.ljust(width)
                 for cell, width, numeric in zip(row, widths, right))
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)


def html_table(header, rows, title=None):
    """The same table as HTML, for Jupyter; the title is its caption."""
    right = _numeric_columns(header, rows)
    caption = "" if title is None else f"<caption style='text-align: left'>{escape(title)}</caption>"

    def cells(tag, row):
        return "".join(f"<{tag} style='text-align: {'right' if numeric else 'left'}'>{escape(cell)}</{tag}>"
                       for cell, numeric in zip(row, right))

    body = "".join(f"<tr>{cells('td', row)}</tr>" for row in rows)
    return f"<table>{caption}<thead><tr>{cells('th', header)}</tr></thead><tbody>{body}</tbody></table>"


def _numeric_columns(header, rows):
    """For each column, whether all its cells (but empty and "..." ones) read as numbers."""
    return [any(cell not in ("", "...") for cell in column)
            and all(_is_number(cell) for cell in column if cell not in ("", "..."))
            for column in zip(*rows)] if rows else [False] * len(header)


def _is_number(cell):
    try:
        float(cell.replace(",", ""))
    except ValueError:
        return False
    return True
