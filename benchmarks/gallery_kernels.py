"""Run the gallery's commands under several OpenBLAS kernels; check the page's lessons on each.

OpenBLAS picks its kernel by processor; ``OPENBLAS_CORETYPE`` makes it use
another one that this processor can run, so one machine can compute like
another CPU. For each kernel this runs every command of docs/gallery.md
(``--no-plot``, into a temporary folder), prints the kernel that really ran
(threadpoolctl's ``architecture``, from the record's ``environment``), the
key figures of the page and whether each lesson of docs/gallery_lessons.py
holds. Those figures are where the tolerances of the lessons come from::

    python benchmarks/gallery_kernels.py                       # SkylakeX Haswell Sandybridge Nehalem
    python benchmarks/gallery_kernels.py Haswell Zen --jobs 1

A kernel this CPU cannot run falls back to another: the printed
architecture says which.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import tempfile
from pathlib import Path

DOCS = Path(__file__).resolve().parent.parent / "docs"


def load(name):
    spec = importlib.util.spec_from_file_location(name, DOCS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def key_figures(records):
    """The numbers the page quotes, from one kernel's records."""
    compare, init = records["compare"]["optimizers"], records["init"]["initialisations"]
    overfit, search = records["overfit"]["configurations"], records["search"]["ranking"]
    return {
        "compare final losses": {name: round(run["mean_final_training_loss"], 5) for name, run in compare.items()},
        "init final losses": {name: round(run["mean_final_training_loss"], 4) for name, run in init.items()},
        "overfit test accuracy, gap": {run["name"]: (round(run["final_test_accuracy"], 4), round(run["final_gap"], 4))
                                       for run in overfit},
        "search best (lr, accuracy)": [(round(trial["learning_rate"], 4), trial["validation_accuracy"])
                                       for trial in search[:3]],
        "filters neighbour correlation (initial, trained), change": (
            round(records["filters"]["filters"]["initial"]["mean_neighbour_correlation"], 4),
            round(records["filters"]["filters"]["trained"]["mean_neighbour_correlation"], 4),
            round(records["filters"]["relative_change"], 3)),
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("kernels", nargs="*", default=["SkylakeX", "Haswell", "Sandybridge", "Nehalem"])
    parser.add_argument("--jobs", type=int, default=None, help="commands at a time (default: cores)")
    options = parser.parse_args(argv)
    make_gallery, lessons = load("make_gallery"), load("gallery_lessons")
    commands = make_gallery.page_commands()
    broken = 0
    for kernel in options.kernels:
        os.environ["OPENBLAS_CORETYPE"] = kernel  # read by each command's new process
        with tempfile.TemporaryDirectory() as folder:
            runs = make_gallery.run_commands(commands, options.jobs or make_gallery.usable_cores(), out=folder,
                                             extra=("--no-plot", "--quiet"))
            for command, process, _ in runs:
                if process.returncode != 0:
                    raise SystemExit(f"{command!r} failed under {kernel}:\n{process.stderr}")
            records = {stem: json.loads((Path(folder) / f"{stem}.json").read_text(encoding="utf-8"))
                       for stem in map(make_gallery.output_stem, commands)}
        ran = records["compare"]["environment"]["blas"]["architecture"]
        print(f"OPENBLAS_CORETYPE={kernel}: ran {ran}")
        for name, value in key_figures(records).items():
            print(f"  {name}: {value}")
        for stem, record in records.items():
            for lesson, failure in lessons.broken_lessons(stem, record):
                broken += 1
                print(f"  {stem}: lesson {lesson.__name__!r} no longer holds: {failure}")
        print(f"  lessons: {sum(map(len, lessons.LESSONS.values()))} checked")
    return 1 if broken else 0


if __name__ == "__main__":
    raise SystemExit(main())
