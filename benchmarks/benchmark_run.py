"""What the epoch benchmarks share: their options, the lines naming the machine, and the table of results.

``epoch.py`` (the MLP) and ``conv_epoch.py`` (the book's SimpleConvNet) take
the same options, with defaults of their own, and report alike: which
machine, libraries and PyTorch they ran with, how busy the machine was, and
a table of measure, minidl, reference, ratio, target and result (which
``threads.py`` prints too).
"""

from __future__ import annotations

import argparse
import os
import platform
import time

import machine  # a sibling file of this folder
import numpy as np

from minidl import __version__ as minidl_version

FULL_SAMPLES = 60_000


def parse_arguments(argv, description, *, quick_samples, repeats, threads, quick_also="", hidden=()):
    """Parse a benchmark's options; ``--samples`` and ``--repeats`` come back filled in for a full or a quick run.

    Parameters
    ----------
    argv : list of str or None
        The command line (None: ``sys.argv[1:]``).
    description : str
        The first line of ``--help``.
    quick_samples : int
        Training samples of a ``--quick`` run (a full one has 60,000).
    repeats : int
        Timed epochs of each contender in a full run (a quick one times 1).
    threads : dict
        The keyword arguments of ``--threads``, which each benchmark takes its
        own way (one count, or the counts to measure in turn).
    quick_also : str
        What else ``--quick`` does, said in its help after "one repetition".
    hidden : sequence of str
        Flags of the benchmark's own plumbing, left out of ``--help``.

    Returns
    -------
    parser : argparse.ArgumentParser
        For :func:`refuse_too_little`.
    arguments : argparse.Namespace
    """
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--quick", action="store_true",
                        help=f"smoke run: {quick_samples:,} samples, one repetition{quick_also} (figures not meaningful)")
    parser.add_argument("--samples", type=int, default=None,
                        help=f"training samples (default {FULL_SAMPLES}, quick {quick_samples})")
    parser.add_argument("--repeats", type=int, default=None, help=f"timed epochs each (default {repeats}, quick 1)")
    parser.add_argument("--threads", type=int, **threads)
    parser.add_argument("--no-torch", action="store_true", help="skip PyTorch even if it is installed")
    parser.add_argument("--seed", type=int, default=0)
    for flag in hidden:
        parser.add_argument(flag, action="store_true", help=argparse.SUPPRESS)
    arguments = parser.parse_args(argv)
    arguments.samples = arguments.samples or (quick_samples if arguments.quick else FULL_SAMPLES)
    arguments.repeats = arguments.repeats or (1 if arguments.quick else repeats)
    return parser, arguments


def refuse_too_little(parser, arguments, batch_size, thread_counts):
    """Exit with the usage if there is less than one batch, one repetition or one thread to measure."""
    if arguments.samples < batch_size or arguments.repeats < 1 or min(thread_counts) < 1:
        parser.error(f"need --samples >= {batch_size}, --repeats >= 1 and --threads >= 1")


def print_machine(title, quick, torch_line):
    """The header: what ran, when, on which CPU, Python, numpy, BLAS and minidl, and with which PyTorch.

    ``torch_line`` describes the PyTorch loaded, or is None when there is none
    (not installed, or ``--no-torch``).
    """
    print(f"{title}, {time.strftime('%Y-%m-%d')}{' (QUICK MODE: figures not meaningful)' * quick}")
    print(f"machine: {os.cpu_count()} cores, {machine.cpu_model()}, Python {platform.python_version()}")
    print(f"numpy {np.__version__}, BLAS: {machine.blas_description()}; minidl {minidl_version}")
    print(torch_line or "torch: not installed (or --no-torch), so the PyTorch comparison is skipped; "
                        "install it with `pip install torch==2.13.0` (CPU wheel)")


def verdict(passed):
    return "PASS" if passed else "MISS"


def print_table(rows):
    header = ("measure", "minidl", "reference", "ratio", "target", "result")
    for line in (header, ("---",) * len(header), *rows):
        print("| " + " | ".join(line) + " |")


def print_results(rows, machine_at_start, quick):
    """How busy the machine was since ``machine_at_start`` (:func:`machine.cpu_times`), then the table of ``rows``."""
    busy = machine.other_processes_share(machine_at_start)
    if busy is not None:
        print(f"\nother processes used {busy:.0%} of the machine's CPU time during the run"
              + (": the timings are unreliable, run again on an idle machine" if busy > 0.05 else ""))
    print()
    print_table(rows)
    if quick:
        print("\nquick mode: small data and one repetition; run without --quick for meaningful figures")
