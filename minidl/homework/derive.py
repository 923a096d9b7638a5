"""Starter files and solutions, both derived from the answer key.

The key's files (:mod:`minidl.homework.key`) hold the solutions between two
marker comments::

        # BEGIN SOLUTION: dW = x^T dout, db = dout summed over the rows, return dx
        self.dW = self.x.T @ dout
        ...
        # END SOLUTION

:func:`starter` replaces every such region by its hint and a ``raise``, at
the region's indentation::

        # TODO: dW = x^T dout, db = dout summed over the rows, return dx
        raise NotImplementedError("Affine.backward: not implemented yet (TODO)")

:func:`solution` only drops the two marker lines. Everything outside the
regions (docstrings, signatures, given code) is the same in both, character
for character, so the starter files and the key cannot drift apart.
"""

from __future__ import annotations

import ast
import re

from minidl.homework.checks.report import TODO

BEGIN = re.compile(r"^(?P<indent>[ \t]*)# BEGIN SOLUTION(?::\s*(?P<hint>.*?))?\s*$")
END = re.compile(r"^(?P<indent>[ \t]*)# END SOLUTION\s*$")


class MarkerError(ValueError):
    """A key file whose solution markers do not pair up."""


def regions(source, filename="<key>"):
    """The marked regions of ``source``: a list of ``(begin, end, indent, hint)``.

    ``begin`` and ``end`` are the 0-based line numbers of the two marker
    lines. Raises :class:`MarkerError` for a marker without its partner, a
    nested region, an empty region or an ``END`` indented differently from
    its ``BEGIN``.
    """
    found, opened = [], None
    for number, line in enumerate(source.splitlines()):
        begin, end = BEGIN.match(line), END.match(line)
        if begin:
            if opened is not None:
                raise MarkerError(f"{filename}:{number + 1}: BEGIN SOLUTION inside the region opened at line "
                                  f"{opened[0] + 1}; close it with # END SOLUTION first")
            opened = (number, begin["indent"], begin["hint"] or "write this part")
        elif end:
            if opened is None:
                raise MarkerError(f"{filename}:{number + 1}: END SOLUTION without a BEGIN SOLUTION before it")
            start, indent, hint = opened
            if end["indent"] != indent:
                raise MarkerError(f"{filename}:{number + 1}: END SOLUTION is indented differently from its "
                                  f"BEGIN SOLUTION at line {start + 1}; indent both like the code between them")
            if number == start + 1:
                raise MarkerError(f"{filename}:{start + 1}: empty solution region; put the answer between the markers")
            found.append((start, number, indent, hint))
            opened = None
    if opened is not None:
        raise MarkerError(f"{filename}:{opened[0] + 1}: BEGIN SOLUTION is never closed; add # END SOLUTION")
    return found


def starter(source, filename="<key>"):
    """The student's version of a key file: each marked region becomes ``# TODO`` and ``raise NotImplementedError``."""
    marked = regions(source, filename)
    lines = source.splitlines(keepends=True)
    names = _enclosing_names(source, filename)
    for begin, end, indent, hint in reversed(marked):
        where = names.get(begin + 1, filename)
        lines[begin : end + 1] = [
            f"{indent}# TODO: {hint}\n",
            f'{indent}raise NotImplementedError("{where}: {TODO}")\n',
        ]
    return "".join(lines)


def solution(source, filename="<key>"):
    """The filled-in version of a key file: the marker lines removed, the answers kept."""
    markers = {line for begin, end, _, _ in regions(source, filename) for line in (begin, end)}
    return "".join(line for number, line in enumerate(source.splitlines(keepends=True)) if number not in markers)


def _enclosing_names(source, filename):
    """1-based line -> qualified name of the innermost function around it, e.g. ``"Affine.backward"``."""
    tree = ast.parse(source, filename=filename)
    names = {}

    def visit(node, prefix):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                name = f"{prefix}{child.name}"
                if not isinstance(child, ast.ClassDef):
                    # Inner functions visited later overwrite: the innermost name wins.
                    names.update({line: name for line in range(child.lineno, child.end_lineno + 1)})
                visit(child, name + ".")

    visit(tree, "")
    return names
