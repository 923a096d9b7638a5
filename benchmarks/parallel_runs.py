"""Speed-up of ``--n-jobs 2`` over ``--n-jobs 1`` for ``minidl experiment compare --seeds 4``.

The comparison trains 4 optimizers x 4 seeds = 16 independent runs. With
``--n-jobs 2`` two of joblib's worker processes train two runs at a time,
each with one BLAS thread; with ``--n-jobs 1`` they run one after another
in the command's own process, with one BLAS thread (minidl's choice for
these networks when ``--threads`` is left out). On two idle cores the ideal is 2 x, less the cost of starting the
workers and sending them the data.

How it measures:

- the whole command, as a user types it (``python -m minidl.cli experiment
  compare --seeds 4 --no-plot --quiet``), in a fresh process each time, so the
  start of Python, the imports and the workers are in the figure;
- serial and parallel side by side: each repeat runs both, in alternating
  order (serial first, then parallel first), so a burst of other work on the
  machine slows both alike; the table gives medians and the ratio of each pair;
- the load it saw: the 1-minute load average before each pair, and the share
  of the machine's CPU time that *other* processes used during the whole
  benchmark (from ``/proc/stat``). Two cores shared with others cannot give
  2 x: the figure is honest only next to that load;
- the CPU seconds each command used, its worker processes included: on a
  machine shared with other users, the wall-clock speed-up says how much of
  the machine the two workers could get, the CPU seconds what parallel runs
  cost on top of the training (starting the workers, sending them the data);
- the numbers both write are compared byte for byte: they must be identical.

Usage::

    python benchmarks/parallel_runs.py                 # 3 repeats of the full comparison (2000 iterations)
    python benchmarks/parallel_runs.py --quick         # a smoke run, 100 iterations, 1 repeat
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# A sibling file of this folder: Python puts a script's own folder on sys.path.
import machine


def children_cpu_seconds():
    """User and system CPU seconds of every finished child process (and their children) so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_compare(folder, n_jobs, iterations, seeds):
    """Wall-clock and CPU seconds of one ``minidl experiment compare`` command, and the bytes of its CSV."""
    command = [sys.executable, "-m", "minidl.cli", "experiment", "compare", "--seeds", str(seeds),
               "--iterations", str(iterations), "--no-plot", "--quiet", "--out", str(folder), "--n-jobs", str(n_jobs)]
    start, cpu_start = time.perf_counter(), children_cpu_seconds()
    subprocess.run(command, check=True)
    seconds, cpu_seconds = time.perf_counter() - start, children_cpu_seconds() - cpu_start
    return seconds, cpu_seconds, (Path(folder) / "compare.csv").read_bytes()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100 iterations, 1 repeat: checks the script runs")
    parser.add_argument("--repeats", type=int, default=None, help="pairs of runs (default 3, quick 1)")
    parser.add_argument("--iterations", type=int, default=None, help="iterations a run (default 2000, quick 100)")
    parser.add_argument("--seeds", type=int, default=4, help="seeds of the comparison (default 4)")
    arguments = parser.parse_args(argv)
    repeats = arguments.repeats or (1 if arguments.quick else 3)
    iterations = arguments.iterations or (100 if arguments.quick else 2000)

    cores = len(os.sched_getaffinity(0))
    print(f"minidl experiment compare --seeds {arguments.seeds} --iterations {iterations}: "
          f"--n-jobs 1 against --n-jobs 2, {repeats} pair(s) in alternating order")
    print(f"machine: {machine.cpu_model()}, {cores} usable cores")
    usage_at_start = machine.cpu_times()
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        for repeat in range(repeats):
            load = os.getloadavg()[0]
            order = (1, 2) if repeat % 2 == 0 else (2, 1)
            timed = {n_jobs: run_compare(Path(folder) / f"jobs{n_jobs}", n_jobs, iterations, arguments.seeds)
                     for n_jobs in order}
            (serial, serial_cpu, serial_csv), (parallel, parallel_cpu, parallel_csv) = timed[1], timed[2]
            if serial_csv != parallel_csv:
                raise SystemExit("the two runs wrote different numbers: parallel runs must not change them")
            rows.append((repeat + 1, load, serial, parallel, serial / parallel, serial_cpu, parallel_cpu))
            print(f"  pair {repeat + 1}: load {load:.2f}, --n-jobs 1 {serial:.2f} s ({serial_cpu:.1f} s CPU), "
                  f"--n-jobs 2 {parallel:.2f} s ({parallel_cpu:.1f} s CPU), speed-up {serial / parallel:.2f} x "
                  "(same numbers)", flush=True)
    others = machine.other_processes_share(usage_at_start)

    print("\n| pair | load (1 min) before | --n-jobs 1 | --n-jobs 2 | speed-up | CPU --n-jobs 1 | CPU --n-jobs 2 |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for pair, load, serial, parallel, ratio, serial_cpu, parallel_cpu in rows:
        print(f"| {pair} | {load:.2f} | {serial:.2f} s | {parallel:.2f} s | {ratio:.2f} x | {serial_cpu:.1f} s "
              f"| {parallel_cpu:.1f} s |")
    serial, parallel, serial_cpu, parallel_cpu = (statistics.median(row[index] for row in rows) for index in (2, 3, 5, 6))
    ratios = [row[4] for row in rows]
    print(f"| median | | {serial:.2f} s | {parallel:.2f} s | {statistics.median(ratios):.2f} x "
          f"(range {min(ratios):.2f} to {max(ratios):.2f}) | {serial_cpu:.1f} s | {parallel_cpu:.1f} s |")
    if others is not None:
        print(f"\nother processes used {others:.0%} of the machine's CPU time during the benchmark"
              + (": the machine was busy, so the speed-up is below what two idle cores give" if others > 0.05 else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
