"""Does minidl stay fast when another program keeps a core busy? Its thread policy, measured.

Run from any folder::

    python benchmarks/threads.py            # the full benchmark, two to four minutes
    python benchmarks/threads.py --quick    # a smoke run, a few seconds; figures not meaningful

A BLAS library splits every matrix product between its threads, one a core by
default. When another process keeps one of the cores busy, a thread waiting
for its turn on that core holds up the others at every product: small
products, such as those of the digits quick start, then take many times
longer. ``minidl.threads`` chooses the thread count of minidl's own work
(``threads=None``); this benchmark measures what that choice gives.

Every measure runs in two *phases*, ``idle`` (the benchmark's child process
waits) and ``busy`` (it spins in a loop and keeps one core busy), one
right after the other, measure after measure, round after round, in the same
run; the table gives medians over the rounds, so a burst of background work
slows idle and busy alike. The load averages before and after
and the CPU share of other processes are printed with the results.

Measured:

1. The quick start, ``minidl train --dataset digits``: its training
   (64-256-10, Adam lr 0.001, 40 epochs, batches of 32, the time of
   ``Trainer.fit`` that the command reports) busy with minidl's choice,
   against idle on one thread. Target: at most 1.5 x. Also busy on every
   thread the BLAS starts with, minidl's behaviour before the policy (timed
   over fewer epochs, scaled to 40: it is slow).
2. The book's 784-[100, 100, 100, 100]-10 Adam epoch (batches of 100) with
   minidl's choice against PyTorch CPU (skipped when torch is not installed),
   idle and busy. PyTorch runs with its own default thread count and, as a
   second reference, with one thread. Target: minidl keeps its lead (< 1 x).
3. Where more threads would pay: MNIST's default network 784-512-512-10
   (dropout 0.2, batches of 128, ``minidl train --dataset mnist``) trained on
   two threads against one, and the same network evaluated 10,000 rows at a
   time (as ``minidl evaluate`` does) and 1,000 and 500 at a time, idle and
   busy. No target: these rows are the measurements behind
   ``minidl.threads.WORK_PER_THREAD``.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from functools import partial

# Sibling files of this folder: Python puts a script's own folder on sys.path.
import benchmark_data
import machine
import numpy as np
import threadpoolctl
import torch_mlp
from benchmark_run import print_table, verdict
from minidl.datasets import load_digits

from minidl import MLP
from minidl import __version__ as minidl_version
from minidl.threads import WORK_PER_THREAD, choose_threads, limit_threads, network_sizes, usable_cores
from minidl.training import Trainer, predict_classes

QUICK_START = {"sizes": [64, 256, 10], "batch_size": 32, "epochs": 40}
BOOK = {"sizes": [784, 100, 100, 100, 100, 10], "batch_size": 100}
MNIST = {"sizes": [784, 512, 512, 10], "batch_size": 128, "dropout": 0.2}
#: Rows evaluated at once: minidl's chunk (10,000) and two smaller ones, whose largest
#: products (rows x 784 x 512) hold 2e8, 4e8 and 4e9 multiply-adds.
EVALUATION_CHUNKS = (500, 1_000, 10_000)
PHASES = ("idle", "busy")


# The child process: it spins while told "busy" and blocks on its input while told
# "idle", answering each order once carried out. It ends when its input closes, so
# it goes with the benchmark, however the benchmark ends.
SPIN = """import select, sys
busy = False
while True:
    if busy:
        for _ in range(100_000):
            pass
        if not select.select([sys.stdin], [], [], 0)[0]:
            continue
    order = sys.stdin.readline()
    if not order:
        break
    busy = order.strip() == "busy"
    print("done", flush=True)
"""


class BusyCore:
    """A child process that keeps one core busy after :meth:`busy` and uses none after :meth:`idle`.

    One process switched between the two, instead of one started for each
    busy measure, makes switching cost nothing, so idle and busy can
    alternate measure by measure.
    """

    def __enter__(self):
        # A session of its own, as another user's program has: where the kernel shares the CPU
        # between sessions (autogroup), a child in ours would take its time from our share.
        self.process = subprocess.Popen([sys.executable, "-c", SPIN], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, text=True, start_new_session=True)
        return self

    def busy(self):
        self._order("busy")

    def idle(self):
        self._order("idle")

    def _order(self, order):
        self.process.stdin.write(order + "\n")
        self.process.stdin.flush()
        self.process.stdout.readline()  # carried out

    def __exit__(self, *exception):
        self.process.kill()
        self.process.wait()
        return False


def timed(work):
    """Wall-clock and CPU seconds (this process's, all its threads) of ``work()``.

    On one thread, CPU time leaves out the time spent waiting for a core: the
    two tell apart a run slowed by the busy core itself from one that only
    waited for its turn.
    """
    wall, cpu = time.perf_counter(), time.process_time()
    work()
    return np.array([time.perf_counter() - wall, time.process_time() - cpu])


def train_seconds(sizes, x, t, batch_size, epochs, threads, dropout=0.0, seed=0):
    """Times of ``Trainer(...).fit(x, t)`` for ``epochs`` epochs (the network is built before the clock)."""
    network = MLP(sizes[0], sizes[1:-1], sizes[-1], dropout=dropout, seed=seed)
    trainer = Trainer(network, "adam", {"lr": 0.001}, epochs=epochs, batch_size=batch_size, seed=seed,
                      verbose=0, threads=threads)
    return timed(lambda: trainer.fit(x, t))


def evaluation_seconds(network, x, chunk_size, threads):
    """Times of ``predict_classes`` on all of ``x``, ``chunk_size`` rows at a time, on ``threads`` threads."""
    with limit_threads(threads, network_sizes(network), batch_size=chunk_size):
        return timed(lambda: predict_classes(network, x, chunk_size=chunk_size))


def contenders(arguments, torch, old_default):
    """Name -> function returning the (wall, CPU) seconds of one measurement, run in this order."""
    (x_digits, t_digits), _ = load_digits()
    x_large, t_large, _ = benchmark_data.training_data(max(arguments.samples, arguments.mnist_steps * 128),
                                                       arguments.seed)
    x_book, t_book = x_large[:arguments.samples], t_large[:arguments.samples]
    x_mnist, t_mnist = x_large[:arguments.mnist_steps * 128], t_large[:arguments.mnist_steps * 128]
    x_evaluation = benchmark_data.synthetic_data(arguments.evaluation_rows, arguments.seed + 1)[0]
    evaluated = MLP(784, MNIST["sizes"][1:-1], 10, seed=arguments.seed)
    quick = dict(sizes=QUICK_START["sizes"], x=x_digits, t=t_digits, batch_size=QUICK_START["batch_size"])
    old_epochs = arguments.old_default_epochs
    measures = {
        "quick start, 1 thread": lambda: train_seconds(**quick, epochs=arguments.epochs, threads=1),
        "quick start, minidl's choice": lambda: train_seconds(**quick, epochs=arguments.epochs, threads=None),
        f"quick start, {old_default} threads": lambda: train_seconds(
            **quick, epochs=old_epochs, threads=old_default) * arguments.epochs / old_epochs,
        "book epoch, minidl's choice": lambda: train_seconds(
            BOOK["sizes"], x_book, t_book, BOOK["batch_size"], epochs=1, threads=None),
        "MNIST training, 1 thread": lambda: train_seconds(
            MNIST["sizes"], x_mnist, t_mnist, MNIST["batch_size"], 1, threads=1, dropout=MNIST["dropout"]),
        f"MNIST training, {old_default} threads": lambda: train_seconds(
            MNIST["sizes"], x_mnist, t_mnist, MNIST["batch_size"], 1, threads=old_default, dropout=MNIST["dropout"]),
    }
    for chunk in EVALUATION_CHUNKS:
        for threads in (1, old_default):
            measures[evaluation_name(chunk, threads)] = partial(evaluation_seconds, evaluated, x_evaluation, chunk,
                                                                threads)
    if torch is not None:
        torch_default = torch.get_num_threads()
        book_torch = torch_mlp.TorchTraining(torch, x_book, t_book, BOOK["sizes"], BOOK["batch_size"], arguments.seed)
        measures[f"book epoch, PyTorch {torch_default} threads"] = lambda: torch_epoch(torch, book_torch, torch_default)
        measures["book epoch, PyTorch 1 thread"] = lambda: torch_epoch(torch, book_torch, 1)
    return measures


def evaluation_name(chunk, threads):
    return f"MNIST evaluation by {chunk:,}, {threads} thread{'s' if threads != 1 else ''}"


def torch_epoch(torch, training, threads):
    """Times of one PyTorch epoch on ``threads`` intra-op threads (the setting is put back after)."""
    before = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        return timed(training.run_epoch)
    finally:
        torch.set_num_threads(before)


def measure(measures, rounds, warm_up):
    """Run every measure idle and busy in each round; wall and CPU medians per (phase, name).

    Idle and busy alternate measure by measure, so both see the same
    background, and their order flips from round to round. With
    ``warm_up``, every measure runs once first, idle and not counted (first
    calls pay for lazy imports and first allocations).
    """
    seconds = {(phase, name): [] for phase in PHASES for name in measures}
    with BusyCore() as core:
        if warm_up:
            print("  warm-up ...", flush=True)
            for run in measures.values():
                run()
        for round_number in range(1, rounds + 1):
            print(f"  round {round_number}/{rounds} ...", flush=True)
            order = PHASES if round_number % 2 else PHASES[::-1]
            for name, run in measures.items():
                for phase in order:
                    if phase == "busy":
                        core.busy()
                    else:
                        core.idle()
                    seconds[phase, name].append(run())
            core.idle()
    medians = {key: np.median(values, axis=0) for key, values in seconds.items()}
    return ({key: float(value[0]) for key, value in medians.items()},
            {key: float(value[1]) for key, value in medians.items()})


def table_rows(seconds, old_default, torch_threads):
    """measure, minidl, reference, ratio, target, result."""
    rows = []

    def row(measure, mine, reference, target=None):
        ratio = mine / reference
        result = "-" if target is None else verdict(ratio <= target)
        rows.append((measure, f"{mine:.3f} s", f"{reference:.3f} s", f"{ratio:.2f} x",
                     "-" if target is None else f"<= {target} x", result))

    idle_one = seconds["idle", "quick start, 1 thread"]
    row("quick start busy, minidl's choice / idle 1 thread", seconds["busy", "quick start, minidl's choice"],
        idle_one, 1.5)
    row(f"quick start busy, {old_default} threads (before) / idle 1 thread",
        seconds["busy", f"quick start, {old_default} threads"], idle_one)
    for phase in PHASES:
        minidl_epoch = seconds[phase, "book epoch, minidl's choice"]
        if torch_threads is None:
            rows.append((f"book epoch {phase}, minidl / PyTorch", f"{minidl_epoch:.3f} s", "torch not installed",
                         "-", "<= 0.99 x", "SKIPPED"))
            continue
        row(f"book epoch {phase}, minidl / PyTorch at {torch_threads}", minidl_epoch,
            seconds[phase, f"book epoch, PyTorch {torch_threads} threads"], 0.99)
        row(f"book epoch {phase}, minidl / PyTorch at 1", minidl_epoch, seconds[phase, "book epoch, PyTorch 1 thread"])
    for phase in PHASES:
        row(f"MNIST training {phase}, {old_default} threads / 1",
            seconds[phase, f"MNIST training, {old_default} threads"], seconds[phase, "MNIST training, 1 thread"])
        for chunk in EVALUATION_CHUNKS:
            product = chunk * 784 * 512
            row(f"MNIST evaluation by {chunk:,} ({product:.0e} a product) {phase}, {old_default} threads / 1"
                .replace("e+0", "e"),
                seconds[phase, evaluation_name(chunk, old_default)], seconds[phase, evaluation_name(chunk, 1)])
    return rows


def parse_arguments(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smoke run: tiny workloads, one round")
    parser.add_argument("--rounds", type=int, default=None, help="idle/busy rounds (default 3, quick 1)")
    parser.add_argument("--samples", type=int, default=None,
                        help="samples of the book's epoch (default 10000, quick 500)")
    parser.add_argument("--no-torch", action="store_true", help="skip PyTorch even if it is installed")
    parser.add_argument("--seed", type=int, default=0)
    arguments = parser.parse_args(argv)
    quick = arguments.quick
    arguments.rounds = arguments.rounds or (1 if quick else 3)
    arguments.samples = arguments.samples or (500 if quick else 10_000)
    arguments.epochs = 2 if quick else QUICK_START["epochs"]
    arguments.old_default_epochs = 1 if quick else 2
    arguments.mnist_steps = 3 if quick else 40
    arguments.evaluation_rows = 1_000 if quick else 10_000
    if arguments.rounds < 1 or arguments.samples < BOOK["batch_size"]:
        parser.error(f"need --rounds >= 1 and --samples >= {BOOK['batch_size']}")
    return arguments


def main(argv=None):
    arguments = parse_arguments(argv)
    load_before, machine_at_start = os.getloadavg(), machine.cpu_times()
    old_default = max([pool["num_threads"] for pool in threadpoolctl.threadpool_info()
                       if pool["user_api"] == "blas"], default=usable_cores())
    torch = None if arguments.no_torch else torch_mlp.load_torch(usable_cores())
    print(f"minidl thread benchmark, {time.strftime('%Y-%m-%d %H:%M')}"
          f"{' (QUICK MODE: figures not meaningful)' * arguments.quick}")
    print(f"machine: {os.cpu_count()} cores ({usable_cores()} usable), {machine.cpu_model()}; "
          f"numpy {np.__version__}, BLAS: {machine.blas_description()}; minidl {minidl_version}")
    if torch is not None:
        print(f"torch {torch.__version__}, {torch.get_num_threads()} threads by default")
    else:
        print("torch: not installed (or --no-torch): the PyTorch rows are skipped; "
              "install it with `pip install torch==2.13.0` (CPU wheel)")
    print(f"minidl's choice (threads=None, {WORK_PER_THREAD:.0e} multiply-adds a thread at least): "
          f"quick start {choose_threads(QUICK_START['sizes'], QUICK_START['batch_size'])}, "
          f"book {choose_threads(BOOK['sizes'], BOOK['batch_size'])}, "
          f"MNIST training {choose_threads(MNIST['sizes'], MNIST['batch_size'])}, "
          "MNIST evaluation by " + ", ".join(f"{chunk:,} {choose_threads(MNIST['sizes'], chunk)}"
                                             for chunk in EVALUATION_CHUNKS))
    print(f"quick start: {arguments.epochs} epochs ({arguments.old_default_epochs} on {old_default} threads, "
          f"scaled); book epoch: {arguments.samples:,} samples; MNIST training: {arguments.mnist_steps} steps; "
          f"MNIST evaluation: {arguments.evaluation_rows:,} rows")
    print(f"load average before: {_load(load_before)}")
    measures = contenders(arguments, torch, old_default)
    print(f"timing {len(measures)} measures, each idle and busy in turn (busy: one core kept busy by a child process), "
          f"{arguments.rounds} round(s) ...")
    seconds, cpu_seconds = measure(measures, arguments.rounds, warm_up=not arguments.quick)
    print(f"load average after: {_load(os.getloadavg())}")
    busy = machine.other_processes_share(machine_at_start)
    if busy is not None:
        print(f"other processes (not this benchmark nor its spinner) used {busy:.0%} of the machine's CPU time"
              + (": 'idle' was not idle, compare the ratios, not the seconds" if busy > 0.05 else ""))
    print()
    print(f"  {'':4}  {'measure':40} {'wall':>8}   {'CPU':>8}")
    for (phase, name), value in seconds.items():
        print(f"  {phase:4}  {name:40} {value:8.3f} s {cpu_seconds[phase, name]:8.3f} s")
    print()
    print_table(table_rows(seconds, old_default, None if torch is None else torch.get_num_threads()))
    idle_cpu, busy_cpu = (cpu_seconds[phase, "quick start, minidl's choice"] for phase in PHASES)
    print(f"\nquick start with minidl's choice, CPU time (without the time spent waiting for a core): "
          f"idle {idle_cpu:.3f} s, busy {busy_cpu:.3f} s, {busy_cpu / idle_cpu:.2f} x")
    if arguments.quick:
        print("\nquick mode: tiny workloads and one round; run without --quick for meaningful figures")
    return 0


def _load(averages):
    return ", ".join(f"{value:.2f}" for value in averages) + " (1, 5, 15 minutes)"


if __name__ == "__main__":
    sys.exit(main())
