"""JSON files that every reader accepts: numpy values made plain, NaN and infinity as ``null``.

Python's ``json`` module writes a NaN as ``NaN`` and infinity as
``Infinity`` by default. Those words are not JSON: browsers, ``jq`` and
most other languages refuse the whole file. A diverged loss is NaN, so a
training history or an experiment's results meet them sooner or later.
Here they become ``null`` (JSON's "no value"), and ``allow_nan=False``
makes sure nothing else slips through.

Histories (:meth:`minidl.training.History.to_json`) and the experiments'
records (:mod:`minidl.experiments.results`) are written with these two
functions.
"""

from __future__ import annotations

import json
import math

import numpy as np

from minidl.files import atomic_write


def json_ready(value):
    """``value`` with numpy scalars, arrays and tuples turned into plain Python values.

    Non-finite floats (``nan``, ``inf``, ``-inf``) become ``None``, which
    JSON writes as ``null``; a reader gets ``None`` back, not the number.
    Dicts and lists are converted item by item; dict keys become strings.
    """
    if isinstance(value, dict):
        return {str(key): json_ready(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_ready(item) for item in value]
    if isinstance(value, np.ndarray):
        return json_ready(value.tolist())
    if isinstance(value, np.generic):
        return json_ready(value.item())
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def write_json(path, record, indent=2):
    """Atomically write ``record`` (numpy values allowed) to ``path`` as strict, indented JSON."""
    with atomic_write(path, "w") as file:
        json.dump(json_ready(record), file, indent=indent, allow_nan=False)
        file.write("\n")
