"""Regenerate the gallery: run the commands of docs/gallery.md, copy their figures and records.

Every command shown in docs/gallery.md (and the README's gallery section,
which repeats some of them) writes into ``--out results``, a folder git
ignores, exactly as a reader who types it would. This script runs those
commands, several at a time, from the root of the repository, then copies
each command's figure (``NAME.png``) and record (``NAME.json``) from
``results/`` into ``docs/gallery/``, where the page and the README show
them. Run it after changing an experiment, then commit ``docs/gallery/``::

    python docs/make_gallery.py            # every command, as many at a time as there are cores
    python docs/make_gallery.py overfit    # only the commands writing overfit.json and .png
    python docs/make_gallery.py --jobs 1   # one at a time

``tests/test_gallery.py`` reads the commands with :func:`page_commands`
too, runs them again and checks that each committed record equals what its
command gives now, so the gallery cannot silently go stale.
"""

from __future__ import annotations

import argparse
import os
import re
import shlex
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
PAGE = DOCS / "gallery.md"
README = ROOT / "README.md"
GALLERY = DOCS / "gallery"


def commands_in(markdown):
    """The ``minidl experiment ...`` lines of the ```bash blocks of ``markdown``, in order."""
    blocks = re.findall(r"^```bash\n(.*?)^```", markdown, flags=re.MULTILINE | re.DOTALL)
    return [line.strip() for block in blocks for line in block.splitlines()
            if line.strip().startswith("minidl experiment ")]


def page_commands():
    """The commands of docs/gallery.md: one for each figure of the gallery."""
    return commands_in(PAGE.read_text(encoding="utf-8"))


def readme_commands():
    """The gallery commands the README shows (between its gallery heading and the next one)."""
    text = README.read_text(encoding="utf-8")
    section = re.search(r"^## Gallery.*?(?=^## )", text, flags=re.MULTILINE | re.DOTALL)
    return commands_in(section.group(0)) if section else []


def parse(command):
    """The options of ``command`` as ``minidl`` itself reads them (an argparse namespace)."""
    from minidl.cli import build_parser

    words = shlex.split(command)
    if words[0] != "minidl":
        raise ValueError(f"a gallery command starts with 'minidl', got {command!r}")
    return build_parser().parse_args(words[1:])


def output_stem(command):
    """The file name stem ``command`` writes: ``compare`` for ``compare.json`` and ``compare.png``."""
    from minidl.cli.experiments import output_stem as stem_of

    return stem_of(parse(command))


def arguments(command, out=None, extra=()):
    """The process arguments that run ``command`` with this Python, ``--out`` replaced by ``out`` if given."""
    words = shlex.split(command)[1:]
    if out is not None:
        words[words.index("--out") + 1] = str(out)
    return [sys.executable, "-m", "minidl.cli", *words, *extra]


def run_commands(commands, jobs, out=None, extra=()):
    """Run ``commands``, ``jobs`` at a time, from the repository root.

    Each runs in its own process with one BLAS thread (the ``minidl
    experiment`` default), so running them side by side changes no number.
    ``out`` and ``extra`` are passed to :func:`arguments`.

    Returns
    -------
    list of (str, subprocess.CompletedProcess, float)
        Each command, its finished process (output captured) and its wall
        time in seconds, in the order of ``commands``.
    """
    def run_one(command):
        start = time.perf_counter()
        process = subprocess.run(arguments(command, out, extra), cwd=ROOT, capture_output=True, text=True)
        return command, process, time.perf_counter() - start

    with ThreadPoolExecutor(max_workers=jobs) as pool:
        return list(pool.map(run_one, commands))


def usable_cores():
    """The number of cores this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def copy_into_gallery(command):
    """Copy the figure and record that ``command`` wrote into docs/gallery/; return the copies."""
    from minidl.files import atomic_write

    folder, stem = ROOT / parse(command).out, output_stem(command)
    copies = []
    for suffix in (".json", ".png"):
        with atomic_write(GALLERY / f"{stem}{suffix}", "wb") as file:
            file.write((folder / f"{stem}{suffix}").read_bytes())
        copies.append(GALLERY / f"{stem}{suffix}")
    return copies


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("stems", nargs="*", metavar="NAME",
                        help="run only the commands writing NAME.json (e.g. overfit, activations-relu)")
    parser.add_argument("--jobs", type=int, default=usable_cores(), help="commands run at a time (default: cores)")
    options = parser.parse_args(argv)
    commands = page_commands()
    unknown = set(options.stems) - {output_stem(command) for command in commands}
    if unknown:
        parser.error(f"no command of docs/gallery.md writes {sorted(unknown)}")
    if options.stems:
        commands = [command for command in commands if output_stem(command) in options.stems]
    failed = False
    for command, process, seconds in run_commands(commands, max(1, options.jobs)):
        print(f"{seconds:6.1f} s  {command}")
        if process.returncode != 0:
            print(process.stderr, file=sys.stderr)
            failed = True
    if failed:
        print("some commands failed; docs/gallery/ was left unchanged", file=sys.stderr)
        return 1
    for command in commands:
        print("copied " + ", ".join(str(path.relative_to(ROOT)) for path in copy_into_gallery(command)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
