"""How fast does minidl train? One epoch against PyTorch and the book's code, and more.

Run from any folder::

    python benchmarks/epoch.py            # the full benchmark, a couple of minutes
    python benchmarks/epoch.py --quick    # a smoke run, well under 30 s; figures not meaningful

The network is the one of the issue: 784-[100, 100, 100, 100]-10, ReLU, He
initialisation, Adam (lr 0.001), batches of 100, float32, on 60,000
MNIST-shaped samples: the real MNIST training set if minidl has cached it,
else MNIST-like random data (see ``benchmark_data.py`` for why not plain noise).

Measured, each against a reference measured in the same run:

1. minidl's training epoch (``Trainer.fit`` for one epoch) against the same
   network in PyTorch on the CPU (``torch_mlp.py``; skipped with a note when
   torch is not installed) and against a plain float64 dict-of-arrays
   implementation in the style of the book's code (``book_baseline.py``). The three run
   in turns, after a warm-up epoch each, and the median of the repetitions
   counts, so a background hiccup does not favour one of them.
2. The share of minidl's epoch spent in matrix products (``matmul_share.py``).
3. Peak memory (RSS) while training on MNIST-size data, in a child process
   (``peak_memory.py``).
4. Time to load MNIST from minidl's cache (``cache_load.py``).
5. One Adam step on a million parameters against a fused in-place numpy
   reference, and the memory it allocates (``optimizer_step.py``).

numpy's BLAS and PyTorch use the same number of threads (``--threads``,
default: the cores this process may use); the BLAS limit is set with
threadpoolctl, which comes with scikit-learn.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

# Sibling files of this folder: Python puts a script's own folder on sys.path.
import benchmark_data
import benchmark_run
import book_baseline
import cache_load
import machine
import matmul_share
import numpy as np
import optimizer_step
import threadpoolctl
import torch_mlp
from benchmark_run import verdict

from minidl import MLP
from minidl.training import Callback, Trainer

HIDDEN_SIZES = [100, 100, 100, 100]
SIZES = [784, *HIDDEN_SIZES, 10]
BATCH_SIZE = 100
HERE = Path(__file__).resolve().parent
MEGABYTE = 1024 * 1024


class MinidlTraining:
    """minidl's network and Trainer, as a user sets them up for this benchmark.

    ``verbose=0`` and ``evaluation_size=1``: the Trainer always measures the
    training loss after an epoch, and one sample is the least it allows, so
    an epoch is the training and (almost) nothing else. ``threads`` is set to
    the benchmark's ``--threads``: left at None, minidl would choose one
    thread inside ``fit``, where the other contenders also run (``TakeTurns``).
    """

    description = ("one epoch of Trainer(network, 'adam', epochs=..., verbose=0, evaluation_size=1)"
                   ".fit(x, t), timed between epoch ends")

    def __init__(self, x, t, seed, threads=None):
        self.x, self.t = x, t
        self.network = MLP(784, HIDDEN_SIZES, 10, activation="relu", weight_init="he", dtype=np.float32, seed=seed)
        self.trainer = Trainer(self.network, "adam", optimizer_params={"lr": 0.001}, epochs=1,
                               batch_size=BATCH_SIZE, seed=seed, evaluation_size=1, verbose=0, threads=threads)

    def fit(self, epochs, callbacks=()):
        """Train ``epochs`` more epochs in one ``Trainer.fit`` call."""
        self.trainer.epochs = self.trainer.epoch + epochs
        self.trainer.callbacks = list(callbacks)
        self.trainer.fit(self.x, self.t)


class TakeTurns(Callback):
    """A Trainer callback: after each minidl epoch, one epoch of every other contender.

    One ``fit`` runs all of minidl's epochs, as in real use (``fit`` checks
    the data and allocates its shuffle buffer once, not every epoch). At
    each epoch end this callback notes the time since the previous epoch end
    (minidl's epoch, evaluation and bookkeeping included), then runs and
    times one epoch of each other contender, so all take turns epoch by
    epoch and a burst of background work slows them alike. The first
    ``warmups`` epochs of each are not counted.
    """

    def __init__(self, others, warmups):
        self.others = others
        self.warmups = warmups
        self.durations = {"minidl": [], **{name: [] for name in others}}
        self.last_end = None

    def on_train_begin(self, trainer):
        self.last_end = time.perf_counter()

    def on_epoch_end(self, trainer, epoch, metrics):
        counted = epoch > self.warmups
        if counted:
            self.durations["minidl"].append(time.perf_counter() - self.last_end)
        for name, contender in self.others.items():
            start = time.perf_counter()
            contender.run_epoch()
            if counted:
                self.durations[name].append(time.perf_counter() - start)
        self.last_end = time.perf_counter()

    def medians(self):
        return {name: float(np.median(values)) for name, values in self.durations.items()}

    def minimums(self):
        return {name: float(np.min(values)) for name, values in self.durations.items()}


def parse_arguments(argv):
    parser, arguments = benchmark_run.parse_arguments(
        argv, __doc__.splitlines()[0], quick_samples=3_000, repeats=7,
        threads={"default": len(os.sched_getaffinity(0)),
                 "help": "threads for numpy's BLAS and for PyTorch (default: the usable cores)"})
    benchmark_run.refuse_too_little(parser, arguments, BATCH_SIZE, [arguments.threads])
    return arguments


def measure_peak_memory(samples, threads):
    """Run ``peak_memory.py`` in a child process and return its JSON report."""
    command = [sys.executable, str(HERE / "peak_memory.py"), "--samples", str(samples), "--threads", str(threads)]
    completed = subprocess.run(command, capture_output=True, text=True, check=False)
    if completed.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{completed.stderr}")
    return json.loads(completed.stdout.strip().splitlines()[-1])


def time_epochs(x, t, arguments, torch):
    """Median and fastest epoch of minidl and of each reference, taking turns."""
    minidl_training = MinidlTraining(x, t, arguments.seed, arguments.threads)
    others = {"book": book_baseline.BookTraining(x, t, SIZES, BATCH_SIZE, arguments.seed),
              "matmul": matmul_share.MatmulReplay(minidl_training.network, x, BATCH_SIZE, arguments.seed)}
    if torch is not None:
        others["torch"] = torch_mlp.TorchTraining(torch, x, t, SIZES, BATCH_SIZE, arguments.seed)
    turns = TakeTurns(others, warmups=1)
    print(f"timing minidl, {', '.join(others)}: 1 warm-up + {arguments.repeats} epochs each, in turns ...")
    minidl_training.fit(1 + arguments.repeats, callbacks=[turns])
    seconds, fastest = turns.medians(), turns.minimums()
    print("  medians: " + ", ".join(f"{name} {value:.3f} s" for name, value in seconds.items()))
    print("  fastest: " + ", ".join(f"{name} {value:.3f} s" for name, value in fastest.items()))
    print("matrix-product share: the epoch's products (forward x@W, x.T@dout for dW, dout@W.T for the dx\n"
          "  each layer computes) replayed alone with the same shapes and layouts, divided by minidl's\n"
          "  epoch (cProfile cannot see `@`; see benchmarks/matmul_share.py)")
    return seconds


def table_rows(seconds, memory, cache, step):
    """The rows of the result table: measure, minidl, reference, ratio, target, PASS/MISS."""
    rows = []
    if "torch" in seconds:
        ratio = seconds["minidl"] / seconds["torch"]
        rows.append(("epoch vs PyTorch CPU (time ratio)", f"{seconds['minidl']:.3f} s", f"{seconds['torch']:.3f} s",
                     f"{ratio:.2f} x", "<= 0.6 x", verdict(ratio <= 0.6)))
    else:
        rows.append(("epoch vs PyTorch CPU (time ratio)", f"{seconds['minidl']:.3f} s", "torch not installed",
                     "-", "<= 0.6 x", "SKIPPED"))
    speedup = seconds["book"] / seconds["minidl"]
    rows.append(("speed-up over the book's float64 code", f"{seconds['minidl']:.3f} s", f"{seconds['book']:.3f} s",
                 f"{speedup:.2f} x faster" if speedup >= 1 else f"{1 / speedup:.2f} x slower", ">= 2.5 x",
                 verdict(speedup >= 2.5)))
    share = seconds["matmul"] / seconds["minidl"]
    rows.append(("matrix products in the epoch", f"{seconds['matmul']:.3f} s of {seconds['minidl']:.3f} s", "-",
                 f"{share:.0%}", ">= 50 %", verdict(share >= 0.5)))
    peak = memory["peak_bytes"] / MEGABYTE
    rows.append(("peak RSS training on MNIST size", f"{peak:.0f} MB", f"data {memory['data_bytes'] / MEGABYTE:.0f} MB",
                 "-", "<= 600 MB", verdict(peak <= 600)))
    rows.append((f"cached MNIST load ({cache['source']})", f"{cache['seconds']:.3f} s", "-", "-", "< 1 s",
                 verdict(cache["seconds"] < 1.0)))
    step_ratio = step["minidl_seconds"] / step["reference_seconds"]
    rows.append(("Adam step, 1M params (time ratio)", f"{step['minidl_seconds'] * 1e3:.2f} ms",
                 f"{step['reference_seconds'] * 1e3:.2f} ms", f"{step_ratio:.2f} x", "<= 1.2 x", verdict(step_ratio <= 1.2)))
    growth = step["allocation_growth"]
    rows.append(("Adam step allocation growth, 1M -> 4M params", f"{growth:+,} B",
                 f"{step['reference_allocation_growth']:+,} B", "-", "< 1 KiB", verdict(growth < 1024)))
    return rows


def main(argv=None):
    arguments = parse_arguments(argv)
    machine_at_start = machine.cpu_times()
    # Keep the limiter alive for the whole run: the limit lasts as long as it does.
    blas_limit = threadpoolctl.threadpool_limits(arguments.threads, user_api="blas")
    torch = None if arguments.no_torch else torch_mlp.load_torch(arguments.threads)
    benchmark_run.print_machine("minidl epoch benchmark", arguments.quick, torch and (
        f"torch {torch.__version__} ({'MKL' if torch.backends.mkl.is_available() else 'no MKL'}), "
        f"{torch.get_num_threads()} threads"))

    x, t, data_source = benchmark_data.training_data(arguments.samples, arguments.seed)
    print(f"\nnetwork {'-'.join(map(str, SIZES))}, ReLU, He init, Adam lr 0.001, batch {BATCH_SIZE}, float32; "
          f"data: {len(x):,} samples, {data_source}")
    print(f"minidl epoch = {MinidlTraining.description}")
    seconds = time_epochs(x, t, arguments, torch)

    print(f"peak memory: child process training one epoch on {arguments.samples:,} x 784 float32 ...")
    memory = measure_peak_memory(arguments.samples, arguments.threads)
    print(f"  after imports {memory['after_imports_bytes'] / MEGABYTE:.0f} MB, "
          f"data {memory['data_bytes'] / MEGABYTE:.0f} MB, peak {memory['peak_bytes'] / MEGABYTE:.0f} MB")

    repeats = 1 if arguments.quick else 3
    print(f"cached MNIST load: load_mnist() from minidl's cache, median of {repeats} after a warm load ...")
    cache = cache_load.measure(repeats=repeats, seed=arguments.seed)
    print(f"  {cache['source']} cache {cache['path']} ({cache['file_bytes'] / MEGABYTE:.0f} MB): {cache['seconds']:.3f} s")

    steps = 16 if arguments.quick else 64
    print(f"optimizer step: minidl Adam.update vs a fused in-place numpy Adam, 1M float32 parameters, "
          f"mean of {steps} steps in turns ...")
    step = optimizer_step.measure(steps=steps, seed=arguments.seed)
    print(f"  {step['parameters']:,} parameters; same rule: largest difference after 3 steps "
          f"{step['max_difference']:.1e}; bytes allocated at the peak of a step: "
          + ", ".join(f"{size:,} params {peak:,}" for size, peak in step["minidl_peak_bytes"].items()))

    benchmark_run.print_results(table_rows(seconds, memory, cache, step), machine_at_start, arguments.quick)
    del blas_limit
    return 0


if __name__ == "__main__":
    sys.exit(main())
