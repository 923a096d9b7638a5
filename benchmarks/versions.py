"""Did a change make training slower? One minidl epoch, two installations, taking turns.

Each installation is a Python interpreter that imports its own minidl (for
example a second virtual environment with an older checkout installed)::

    git worktree add --detach /tmp/old main
    python -m venv --system-site-packages /tmp/venv-old && /tmp/venv-old/bin/pip install -e /tmp/old
    python benchmarks/versions.py --old /tmp/venv-old/bin/python --new python --repeats 30

Both train the network of ``epoch.py`` (784-[100, 100, 100, 100]-10, ReLU,
Adam, batches of 100, float32) on the same data, each in a child process of
its own that runs one ``Trainer.fit`` over all its epochs. After every epoch
a child reports the epoch's time and waits; the parent then lets the other
one run an epoch. The order alternates (old-new, new-old, ...) so that a
slow spell of the machine falls on both alike, and each pair of neighbouring
epochs gives one ratio new / old. The figures, for the wall-clock time of an epoch and
for the CPU time the child used (steadier on a busy machine, where wall time
includes waiting for a core): medians, the spread of the ratios
(quartiles), and how busy the machine was with other work.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent


# ================================================================ the child: one installation
def run_worker(samples, threads, seed):
    """Train epoch after epoch, reporting each epoch's wall and CPU seconds on stdout, waiting for "go" on stdin."""
    import benchmark_data  # sibling files of this folder
    import epoch
    import threadpoolctl

    from minidl.training import Callback

    limit = threadpoolctl.threadpool_limits(threads, user_api="blas")

    class TakeTurns(Callback):
        def on_train_begin(self, trainer):
            self.wait()

        def on_epoch_end(self, trainer, epoch_number, metrics):
            wall, cpu = time.perf_counter() - self.start, time.process_time() - self.start_cpu
            print(json.dumps({"wall": wall, "cpu": cpu}), flush=True)
            self.wait()

        def wait(self):
            if sys.stdin.readline().strip() != "go":
                raise SystemExit(0)
            self.start, self.start_cpu = time.perf_counter(), time.process_time()

    x, t, _ = benchmark_data.training_data(samples, seed)
    training = epoch.MinidlTraining(x, t, seed)
    import minidl

    print(json.dumps({"ready": str(Path(minidl.__file__).parent)}), flush=True)
    training.fit(10**6, callbacks=[TakeTurns()])
    del limit


# ================================================================ the parent
def start(python, arguments):
    command = [python, str(Path(__file__).resolve()), "--worker", "--samples", str(arguments.samples),
               "--threads", str(arguments.threads), "--seed", str(arguments.seed)]
    # The child's working folder is this one, so `import minidl` finds the interpreter's own installation.
    child = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=HERE)
    ready = json.loads(child.stdout.readline())
    return child, ready["ready"]


def machine_times(children):
    """(busy, total) CPU seconds of the machine since boot, and the CPU seconds of this benchmark's processes."""
    with open("/proc/stat") as stat:
        ticks = [int(value) for value in stat.readline().split()[1:]]
    ours = sum(os.times()[:2])
    for child in children:
        fields = Path(f"/proc/{child.pid}/stat").read_text().rsplit(")", 1)[1].split()
        ours += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime
    idle = ticks[3] + ticks[4]
    hertz = os.sysconf("SC_CLK_TCK")
    return (sum(ticks) - idle) / hertz, sum(ticks) / hertz, ours


def other_work(start, end):
    """Fraction of the machine's CPU time used by processes other than this benchmark's."""
    busy, total, ours = (after - before for after, before in zip(end, start))
    return max(0.0, busy - ours) / total


def one_epoch(child):
    child.stdin.write("go\n")
    child.stdin.flush()
    line = child.stdout.readline()
    if not line:
        raise RuntimeError("a child process stopped early; run it alone to see its error")
    return json.loads(line)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--old", help="Python interpreter of the reference installation")
    parser.add_argument("--new", help="Python interpreter of the installation under test")
    parser.add_argument("--repeats", type=int, default=20, help="timed epochs each (after one warm-up)")
    parser.add_argument("--samples", type=int, default=60_000)
    parser.add_argument("--threads", type=int, default=len(os.sched_getaffinity(0)))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--save", help="also write every epoch's times to this JSON file")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    arguments = parser.parse_args(argv)
    if arguments.worker:
        return run_worker(arguments.samples, arguments.threads, arguments.seed)
    if not (arguments.old and arguments.new) or arguments.repeats < 1:
        parser.error("give --old and --new (two Python interpreters) and --repeats >= 1")

    children, epochs = {}, {"old": [], "new": []}
    for name in ("old", "new"):
        children[name], folder = start(getattr(arguments, name), arguments)
        print(f"{name}: minidl from {folder}")
    for name in ("old", "new"):
        one_epoch(children[name])  # warm-up
    at_start = machine_times(children.values())
    for round_number in range(arguments.repeats):
        order = ("old", "new") if round_number % 2 == 0 else ("new", "old")
        for name in order:
            epochs[name].append(one_epoch(children[name]))
    busy = other_work(at_start, machine_times(children.values()))
    for child in children.values():
        child.stdin.close()
        child.wait()

    print(f"{arguments.repeats} epochs each, {arguments.samples:,} samples, {arguments.threads} BLAS threads, "
          "after one warm-up epoch each")
    for clock in ("wall", "cpu"):
        old, new = (np.array([epoch[clock] for epoch in epochs[name]]) for name in ("old", "new"))
        print(f"{clock} time (the {'time an epoch took' if clock == 'wall' else 'CPU time the child used'}):")
        for name, values in (("old", old), ("new", new)):
            low, median, high = np.percentile(values, [25, 50, 75])
            print(f"  {name}: median {median:.3f} s (quartiles {low:.3f} to {high:.3f}, "
                  f"range {values.min():.3f} to {values.max():.3f})")
        low, median, high = np.percentile(new / old, [25, 50, 75])
        print(f"  new / old, epoch by epoch: median {median:.3f} (quartiles {low:.3f} to {high:.3f}); "
              f"ratio of the medians {np.median(new) / np.median(old):.3f}")
    print(f"other processes used {busy:.0%} of the machine's CPU time meanwhile; load average "
          f"{Path('/proc/loadavg').read_text().split()[0]} at the end")
    if arguments.save:
        Path(arguments.save).write_text(json.dumps({"settings": vars(arguments), "epochs": epochs}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
