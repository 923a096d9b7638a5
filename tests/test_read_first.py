"""docs/read-first.md stays true: its pieces exist, and their line counts and total are what it says.

The path from a mini-batch to a weight update must stay about 200 lines:
the test fails when the code behind it grows past that or the table drifts.
"""

import importlib
import inspect
import re
from pathlib import Path

DOCUMENT = Path(__file__).resolve().parents[1] / "docs" / "read-first.md"
AT_MOST = 200


def resolve(dotted):
    """The object named ``minidl.module.Class.member``: the longest importable module, then attributes."""
    parts = dotted.split(".")
    for split in range(len(parts), 0, -1):
        try:
            found = importlib.import_module(".".join(parts[:split]))
        except ImportError:
            continue
        for attribute in parts[split:]:
            found = getattr(found, attribute)
        return found
    raise ImportError(dotted)


def table_rows():
    """(names, stated line count) of each row of the table."""
    rows = []
    for line in DOCUMENT.read_text().splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) == 4 and cells[0].isdigit():
            rows.append((re.findall(r"`(minidl(?:\.\w+)+)`", cells[1]), int(cells[3])))
    return rows


def test_the_read_first_path_is_at_most_200_lines_as_the_document_says():
    rows = table_rows()
    assert len(rows) >= 8
    counted = 0
    for names, stated in rows:
        assert names, "a row names no code"
        lines = sum(len(inspect.getsource(resolve(name)).splitlines()) for name in names)
        assert lines == stated, f"{', '.join(names)}: {lines} lines, the table says {stated}"
        counted += lines
    total = int(re.search(r"\*\*(\d+) lines in all\*\*", DOCUMENT.read_text()).group(1))
    assert counted == total <= AT_MOST
