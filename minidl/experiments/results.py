"""Writing the numbers behind each figure: a CSV table and a JSON record.

Every experiment saves two files beside its picture:

- ``NAME.csv``: a *tidy* table, one observation a row (for example
  ``optimizer, seed, iteration, loss``). It opens in a spreadsheet, in
  pandas (``pandas.read_csv``) or in numpy (``numpy.genfromtxt``), and it is
  what you would plot yourself.
- ``NAME.json``: the settings the experiment ran with (dataset, seed,
  hyperparameters, ...) and a short summary, so a figure can always be traced
  back to the exact run that made it, and under ``environment`` the numpy,
  BLAS kernel, thread counts and platform that computed it
  (:mod:`minidl.environment`): the numbers repeat bit for bit only where
  those are the same. It is strict JSON: a diverged run's
  NaN is written as ``null`` (:func:`minidl.files.write_json`).

Both are written atomically (see :func:`minidl.files.atomic_write`): an
interrupted run never leaves a half-written file that looks complete.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from minidl.environment import environment
from minidl.files import atomic_write, check_output_folder, check_writable_folder, json_ready, write_json
from minidl.threads import thread_counts_used


def check_folder(out, names=()):
    """Raise the error :func:`prepare_folder` or a write would, without creating anything.

    Called before an experiment runs, so that a bad ``--out`` is reported at
    once, while a failed run still leaves no empty folder behind. A file is
    created and removed in the folder (or, if it is still to be made, in the
    nearest folder above it) to prove it writable; ``names``, the files the
    experiment will write into it, must not be folders or read-only files.
    """
    folder = Path(out)
    if folder.exists() and not folder.is_dir():
        raise ValueError(
            f"output folder {str(folder)!r} exists and is a file, not a folder; "
            "choose another --out"
        )
    existing = next((parent for parent in folder.parents if parent.exists()), None)
    if existing is not None and not existing.is_dir():
        raise ValueError(
            f"cannot create output folder {str(folder)!r}: {str(existing)!r} is a file, not a folder; "
            "choose another --out"
        )
    check_writable_folder(folder if folder.is_dir() else existing or Path("."), f"--out {str(folder)!r}")
    for name in names if folder.is_dir() else ():
        check_output_folder(folder / name, "--out")
    return folder


def prepare_folder(out):
    """Create the output folder ``out`` (and its parents) and return it as a Path.

    Raises
    ------
    ValueError
        If ``out`` exists but is a file, or cannot be created.
    """
    folder = check_folder(out)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ValueError(
            f"cannot create output folder {str(folder)!r} ({exc}); choose another --out"
        ) from exc
    return folder


def write_csv(path, header, rows):
    """Atomically write a CSV file with one ``header`` line and then ``rows``.

    Parameters
    ----------
    path : str or os.PathLike
        Destination file.
    header : sequence of str
        Column names.
    rows : iterable of sequences
        One sequence a row, as long as ``header``. Floats are written with
        ``repr`` precision, so reading them back gives the very same numbers.
    """
    header = list(header)
    with atomic_write(path, "w") as file:
        writer = csv.writer(file, lineterminator="\n")
        writer.writerow(header)
        for row in rows:
            row = json_ready(list(row))
            if len(row) != len(header):
                raise ValueError(
                    f"CSV row {row!r} has {len(row)} values but the header "
                    f"{header!r} has {len(header)} columns"
                )
            writer.writerow(row)


def curve_rows(keys, seeds, *curves):
    """Tidy rows ``(key, seed, step, value, ...)`` of curves of shape (keys, seeds, steps).

    The rows of the tables of the experiments that train several
    configurations (``keys``) for several seeds (``seeds``: the random seeds, or
    any second label such as ``(False, True)``): one row a step, counted
    from 1, with the value of each of ``curves`` at that step.
    """
    rows = []
    for index, key in enumerate(keys):
        for seed_index, seed in enumerate(seeds):
            steps = zip(*(curve[index, seed_index] for curve in curves))
            rows += [(key, seed, step, *values) for step, values in enumerate(steps, start=1)]
    return rows


def loss_record(losses):
    """The per-seed final training ``losses`` of one configuration and their mean, as a record's entries."""
    return {"final_training_loss": losses, "mean_final_training_loss": float(np.mean(losses))}


def saved(result, out, name):
    """``result``, after writing its numbers as ``out/NAME.csv`` and ``.json`` if ``out`` is not None."""
    if out is not None:
        save_numbers(result, out, name)
    return result


def save_numbers(result, out, name):
    """Write ``result``'s table and record as ``out/NAME.csv`` and ``out/NAME.json``.

    ``result`` is any experiment result: it provides ``table() -> (header,
    rows)`` and ``record() -> dict``; the JSON file is that record with the
    :func:`~minidl.environment.environment` of this process added as
    ``"environment"``. Returns the two paths written.
    """
    folder = prepare_folder(out)
    header, rows = result.table()
    csv_path = folder / f"{name}.csv"
    json_path = folder / f"{name}.json"
    write_csv(csv_path, header, rows)
    write_json(json_path, {**result.record(), "environment": environment(thread_counts_used() or None)})
    return csv_path, json_path
