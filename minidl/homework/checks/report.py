"""The result of a homework check: what was checked, what passed, what is wrong.

Every ``check_*`` function of :mod:`minidl.homework.checks` returns a :class:`CheckReport`.
Printing it shows a table a student can read top to bottom::

    check_layer(Affine) on input shape (4, 3)
      ok    forward output       shape (4, 2), dtype float64
      FAIL  gradient db          max relative error 6.0e-01 at index (0,) (analytic -0.9259, numerical -3.704)
                                 hint: db is the mean of dout over axis 0 (the batch) instead of its sum ...
      ...
    1 problem found.

Each row has one of four statuses: ``ok`` (passed), ``FAIL``, ``warn`` (a
pitfall worth knowing that does not fail the report) and ``TODO`` (the code
under test raised ``NotImplementedError``: not implemented yet).

A grader script can test ``report.ok``, read the rows as data
(``report.to_dict()``), or call :meth:`CheckReport.raise_if_failed`, which
raises :class:`CheckFailed` (an ``AssertionError``, so pytest shows the whole
table). In a notebook the report shows as a table by itself.
"""

from __future__ import annotations

import html
import os
import traceback
from dataclasses import dataclass, field

import numpy as np

#: The statuses of a row, and how the text table labels them.
LABELS = {"pass": "ok", "warn": "warn", "fail": "FAIL", "todo": "TODO"}

#: What a report says of a part that raised ``NotImplementedError`` (a starter file's TODO).
TODO = "not implemented yet (TODO)"

# Frames in these folders are the checker's or numpy's, never the student's.
_LIBRARY_FOLDERS = tuple(os.path.join(folder, "") for folder in
                         (os.path.dirname(os.path.dirname(os.path.abspath(__file__))), os.path.dirname(np.__file__)))


class CheckFailed(AssertionError):
    """Raised by :meth:`CheckReport.raise_if_failed`.

    Its message is the report's headline (the subject and the names of the
    failed checks, on one line, for pytest's short summary) followed by the
    whole table.
    """


class Row(tuple):
    """One row of a report: a check's name, its status, what was found and a hint.

    Parameters
    ----------
    name : str
        The check, e.g. ``"gradient db"``.
    status : {"pass", "warn", "fail", "todo"}
        ``"warn"`` marks a pitfall that does not fail the report; ``"todo"`` a
        part that is not implemented yet (it raised ``NotImplementedError``).
    detail : str
        What was found, with the numbers (for a failure: what, where, how much).
    hint : str, optional
        The likely cause, read from the numbers (e.g. ``"db is 0.25x the
        numerical gradient ..."``); empty when no pattern was recognised.

    Notes
    -----
    A row is also the triple ``(name, passed, message)``, which is what the
    rows of earlier versions were: ``for name, passed, message in report.rows``
    and ``("parameters", True, "W, b") in report.rows`` keep working, and
    compare the triple only. ``passed`` is True for ``"pass"`` and ``"warn"``;
    ``message`` is the detail followed by ``"; hint: ..."`` when there is one.
    """

    def __new__(cls, name, status, detail="", hint=""):
        if status not in LABELS:
            raise ValueError(f"a row's status must be one of {list(LABELS)}; got {status!r}")
        message = f"{detail}; hint: {hint}" if hint else str(detail)
        row = super().__new__(cls, (str(name), status in ("pass", "warn"), message))
        row.status, row.detail, row.hint = status, str(detail), str(hint)
        return row

    def __getnewargs__(self):
        # copy.copy and copy.deepcopy rebuild the row from these.
        return (self[0], self.status, self.detail, self.hint)

    @property
    def name(self):
        """str: the check's name."""
        return self[0]

    @property
    def passed(self):
        """bool: True for the statuses ``"pass"`` and ``"warn"``."""
        return self[1]

    @property
    def message(self):
        """str: the detail, then ``"; hint: ..."`` if there is a hint."""
        return self[2]

    def to_dict(self):
        """The row as plain JSON-ready data: name, status, passed, message, detail, hint."""
        return {"name": self.name, "status": self.status, "passed": self.passed, "message": self.message,
                "detail": self.detail, "hint": self.hint}

    def __repr__(self):
        hint = f", hint={self.hint!r}" if self.hint else ""
        return f"Row({self.name!r}, {self.status!r}, {self.detail!r}{hint})"


@dataclass
class CheckReport:
    """What one ``check_*`` call found.

    Attributes
    ----------
    subject : str
        What was checked, e.g. ``"check_layer(Affine) on input shape (4, 3)"``.
    rows : list of Row
        One row per check, in the order run: ``row.name``, ``row.status``
        (``"pass"``, ``"warn"``, ``"fail"`` or ``"todo"``), ``row.detail``
        (what was found, with the numbers), ``row.hint`` (the likely cause,
        or ``""``). Each row is also the triple ``(name, passed, message)``.
    notes : list of str
        Text shown after the table, such as the reference rule a failed
        optimizer should equal; they do not change the verdict.

    Notes
    -----
    For a grader, :meth:`to_dict` gives the whole report as JSON-ready data;
    ``report.ok`` (no failure and nothing left to do) and ``report.status``
    sum it up. The report shows as a table in a notebook (``_repr_html_``)
    and in IPython (``_repr_pretty_``), and as text with ``print(report)``.
    """

    subject: str
    rows: list = field(default_factory=list)
    notes: list = field(default_factory=list)

    def __post_init__(self):
        # Rows given as plain (name, passed, detail) triples, as earlier versions stored them.
        self.rows = [row if isinstance(row, Row) else Row(row[0], "pass" if row[1] else "fail", *row[2:3])
                     for row in self.rows]

    # ================================================================ adding rows
    def add(self, name, passed, detail="", *, hint=""):
        """Append a passed or failed row; return ``passed`` so a caller can stop after a failure."""
        self.rows.append(Row(name, "pass" if passed else "fail", detail, hint))
        return bool(passed)

    def warn(self, name, detail, *, hint=""):
        """Append a warning: a pitfall worth knowing that does not fail the report."""
        self.rows.append(Row(name, "warn", detail, hint))

    def add_error(self, name, error, context, *, hint=""):
        """Append the row for an exception raised by the code under test; return False.

        ``NotImplementedError`` (the ``raise NotImplementedError`` of a starter
        file's TODO) gives a ``"todo"`` row reading "not implemented yet
        (TODO)"; any other exception a failed row naming its type, its message
        and the line of the student's code that raised it. ``context`` says
        what was running, e.g. ``"backward"`` or ``"step 1: update"``; ``hint``
        is kept for other exceptions only.
        """
        said = str(error).strip()
        if isinstance(error, NotImplementedError):
            # A starter's "Affine.forward: not implemented yet (TODO)" would say it twice,
            # and its own source line is that same raise: keep the name and the place.
            said = said.replace(TODO, "").strip().rstrip(":").strip()
            said = f": {said}" if said else ""
            self.rows.append(Row(name, "todo", f"{TODO}: {context} raised "
                                               f"NotImplementedError{said}{_where_raised(error, source=False)}"))
        else:
            self.rows.append(Row(name, "fail", f"{context} raised {type(error).__name__}: {said}"
                                               f"{_where_raised(error)}", hint))
        return False

    # ================================================================ the verdict
    @property
    def problems(self):
        """list of str: ``"name: message"`` for every failed or unfinished (TODO) row, in order."""
        return [f"{row.name}: {row.message}" for row in self.rows if row.status in ("fail", "todo")]

    @property
    def warnings(self):
        """list of str: ``"name: message"`` for every warning row, in order."""
        return [f"{row.name}: {row.message}" for row in self.rows if row.status == "warn"]

    @property
    def ok(self):
        """bool: True when no row failed and none is left to do (warnings allowed)."""
        return not self.problems

    @property
    def status(self):
        """str: ``"fail"`` if a row failed, else ``"todo"`` if one is not implemented yet, else
        ``"warn"`` if one warns, else ``"pass"``."""
        statuses = {row.status for row in self.rows}
        return next((status for status in ("fail", "todo", "warn") if status in statuses), "pass")

    @property
    def summary(self):
        """str: the last line of the table, e.g. ``"1 problem found."``."""
        counts = {status: sum(row.status == status for row in self.rows) for status in LABELS}
        if not self.problems:
            warnings = counts["warn"]
            return "All checks passed." + (f" {_count(warnings, 'warning')}." if warnings else "")
        parts = [f"{_count(counts['fail'], 'problem')} found"] if counts["fail"] else []
        if counts["todo"]:
            parts.append(f"{_count(counts['todo'], 'part')} {TODO}")
        return "; ".join(parts) + "."

    @property
    def headline(self):
        """str: one line, the subject, the summary and the names of the failed rows."""
        names = ", ".join(row.name for row in self.rows if row.status in ("fail", "todo"))
        return f"{self.subject}: {self.summary.rstrip('.')}" + (f" ({names})" if names else "")

    def __bool__(self):
        # ``if check_layer(...):`` reads naturally in a grader script.
        return self.ok

    def raise_if_failed(self):
        """Raise :class:`CheckFailed` with the headline and the full table if any row failed."""
        __tracebackhide__ = True  # pytest shows the caller's line, not this one
        if not self.ok:
            table = str(self).split("\n", 1)[1]  # the subject is in the headline already; notes follow the table
            # "from None": an exception of the student's code, already reported in a row, is not
            # shown again by pytest with the checker's frames around it.
            raise CheckFailed(f"{self.headline}\n{table}") from None
        return self

    # ================================================================ showing it
    def __str__(self):
        width = max([len(row.name) for row in self.rows] + [10])
        lines = [self.subject]
        for row in self.rows:
            lines.append(f"  {LABELS[row.status]:<4}  {row.name:<{width}}  {row.detail}".rstrip())
            if row.hint:
                lines.append(f"  {'':<4}  {'':<{width}}  hint: {row.hint}")
        lines.append(self.summary)
        lines += ["", *self.notes] if self.notes else []
        return "\n".join(lines)

    def __repr__(self):
        return f"CheckReport({self.subject!r}, ok={self.ok}, problems={len(self.problems)})"

    def _repr_pretty_(self, printer, cycle):
        """IPython's pretty printer: the text table, as ``print(report)`` shows it."""
        printer.text(repr(self) if cycle else str(self))

    def _repr_html_(self):
        """A notebook's view: an HTML table, one row a check, every text escaped."""
        colours = {"pass": "#1a7f37", "warn": "#9a6700", "fail": "#cf222e", "todo": "#6639ba"}
        cells = []
        for row in self.rows:
            hint = f"<br><em>hint: {html.escape(row.hint)}</em>" if row.hint else ""
            cells.append(
                f'<tr><td style="color:{colours[row.status]};font-weight:bold">{LABELS[row.status]}</td>'
                f"<td>{html.escape(row.name)}</td><td style=\"text-align:left\">{html.escape(row.detail)}{hint}</td></tr>"
            )
        return (f'<table class="minidl-check-report"><caption style="text-align:left">'
                f"<code>{html.escape(self.subject)}</code></caption>"
                "<thead><tr><th></th><th>check</th><th style=\"text-align:left\">detail</th></tr></thead>"
                f"<tbody>{''.join(cells)}</tbody>"
                f'<tfoot><tr><td colspan="3" style="text-align:left">{html.escape(self.summary)}</td></tr></tfoot>'
                "</table>" + "".join(f"<pre>{html.escape(note)}</pre>" for note in self.notes))

    def to_dict(self):
        """The report as plain JSON-ready data, for a grader.

        Returns
        -------
        dict
            ``subject`` (str), ``ok`` (bool), ``status`` (``"pass"``,
            ``"warn"``, ``"fail"`` or ``"todo"``, see :attr:`status`),
            ``summary`` (str, the table's last line), ``text`` (str, the
            whole table and its notes), ``notes`` (list of str) and ``rows``: a list of dicts with ``name``,
            ``status``, ``passed``, ``message``, ``detail`` and ``hint``
            (see :class:`Row`).
        """
        return {"subject": self.subject, "ok": self.ok, "status": self.status, "summary": self.summary,
                "text": str(self), "notes": list(self.notes), "rows": [row.to_dict() for row in self.rows]}


def _count(number, noun):
    return f"{number} {noun}{'s' if number != 1 else ''}"


def _where_raised(error, source=True):
    """`` (file.py line 12, in backward: the line)`` for the innermost frame outside minidl and numpy.

    ``source=False`` leaves out the line's text: `` (file.py line 12, in backward)``.
    """
    for frame in reversed(traceback.extract_tb(error.__traceback__)):
        if not frame.filename.startswith(_LIBRARY_FOLDERS):
            line = f": {frame.line}" if frame.line and source else ""
            return f" ({os.path.basename(frame.filename)} line {frame.lineno}, in {frame.name}{line})"
    return ""


def finish(report, raise_on_failure):
    """Return the report, or raise :class:`CheckFailed` with it if asked to and it failed."""
    __tracebackhide__ = True
    return report.raise_if_failed() if raise_on_failure else report


def format_number(value):
    """Short, readable number: ``0.51``, ``3.2e-05``, ``0``."""
    value = float(value)
    if value == 0:
        return "0"
    if 1e-3 <= abs(value) < 1e4:
        return f"{value:.4g}"
    return f"{value:.2e}"


#: Relative errors closer than this to the largest count as equally large (see :func:`compare_arrays`).
TIE = 1e-6


def compare_arrays(first, second, tolerance, floor, labels=("analytic", "numerical")):
    """Locate the worst disagreement between two arrays of the same shape.

    Parameters
    ----------
    first, second : numpy.ndarray
        The two arrays (a backward pass and a finite-difference estimate, or
        a student's parameters and the reference's).
    tolerance : float
        The largest relative error accepted.
    floor : float
        Denominator floor of the relative error (see Notes).
    labels : (str, str)
        What to call the two arrays in the detail sentence.

    Returns
    -------
    passed : bool
        True when the largest relative error is at most ``tolerance``.
    detail : str
        The largest relative error, where, and both values there, e.g.
        ``"max relative error 3.2e-01 at index (2, 1) (analytic 0.51, numerical 0.12)"``.

    Notes
    -----
    The relative error of one element is that of
    :func:`minidl.gradcheck.relative_error`,

    .. math:: e_i = \\frac{|a_i - n_i|}{\\max(|a_i| + |n_i|, \\text{floor})}

    a number in [0, 1]: 1 means the two values have opposite signs or one of
    them is zero. The floor keeps two values that are both almost zero from
    looking wildly different (their difference is then divided by the floor).
    Here we also need *where* the worst element is, hence the element-wise form:
    the first (in C order) of those within :data:`TIE` of the largest error.
    """
    first = np.asarray(first, dtype=np.float64)
    second = np.asarray(second, dtype=np.float64)
    if first.size == 0:
        return True, "empty array"
    finite = np.isfinite(first) & np.isfinite(second)
    if not finite.all():
        index = tuple(int(i) for i in np.argwhere(~finite)[0])
        return False, f"non-finite value at index {index} ({labels[0]} {first[index]}, {labels[1]} {second[index]})"
    errors = np.abs(first - second) / np.maximum(np.abs(first) + np.abs(second), floor)
    # Errors equal but for rounding (a whole array off by one factor) tie: the first of them is
    # reported, so the report does not change with the last bits of the BLAS.
    worst = np.unravel_index(int(np.flatnonzero(errors >= errors.max() - TIE)[0]), errors.shape)
    index = tuple(int(i) for i in worst)
    detail = (
        f"max relative error {errors[worst]:.1e} at index {index} "
        f"({labels[0]} {format_number(first[worst])}, {labels[1]} {format_number(second[worst])})"
    )
    return bool(errors[worst] <= tolerance), detail
