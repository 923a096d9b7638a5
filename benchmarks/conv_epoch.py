"""How fast does minidl train the book's convolutional network? One epoch against PyTorch.

Run from any folder::

    python benchmarks/conv_epoch.py            # the full benchmark, several minutes
    python benchmarks/conv_epoch.py --quick    # a smoke run, well under a minute; figures not meaningful

The network is the book's SimpleConvNet ("Deep Learning from Scratch",
chapter 7): convolution 30 filters 5x5 - ReLU - 2x2 max pooling - Affine 100 -
ReLU - Affine 10 - softmax cross-entropy, He initialisation, Adam (lr 0.001),
batches of 100, float32, on 60,000 images of 1x28x28 (cached MNIST, else the
MNIST-like random data of ``benchmark_data.py``). minidl's network is built
``minidl.SimpleConvNet``, trained by ``Trainer.fit`` one epoch at a time
(one shuffle an epoch, then forward, backward and an Adam step a batch).
PyTorch trains the same network (``nn.Conv2d``, ``nn.MaxPool2d``,
``nn.Linear``) the same way.

Measured, for each thread count (``--threads``, default 1 and 2; numpy's
BLAS limited with threadpoolctl, PyTorch with ``torch.set_num_threads``):

1. minidl's epoch against PyTorch's, taking turns epoch by epoch after a
   warm-up epoch each; the medians count. PyTorch is optional: without it
   the ratio rows say SKIPPED.
2. The share of minidl's epoch spent in matrix products: the products an
   epoch makes (convolution forward and dW, the affine layers' forward, dW
   and dx) replayed alone with the same shapes.
3. Peak memory (VmHWM) of one training epoch, in a child process of its own
   (``peak_memory.peak_rss_bytes``).
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

# Sibling files of this folder: Python puts a script's own folder on sys.path.
import benchmark_data
import benchmark_run
import machine
import numpy as np
import peak_memory
import threadpoolctl
import torch_mlp

from minidl import SimpleConvNet
from minidl.training import Trainer

BATCH_SIZE = 100
FILTERS, FILTER_SIZE, HIDDEN, CLASSES = 30, 5, 100, 10
IMAGE = (1, 28, 28)
POOLED = FILTERS * 12 * 12  # 24x24 after the 5x5 convolution, 12x12 after pooling
HERE = Path(__file__).resolve().parent
MEGABYTE = 1024 * 1024


class MinidlConvTraining:
    """minidl's SimpleConvNet and Trainer, as a user sets them up; :meth:`run_epoch` is timed.

    ``Trainer.fit`` for one more epoch each call, with ``verbose=0`` and
    ``evaluation_size=1`` (the least evaluation it allows), as
    ``epoch.py``'s ``MinidlTraining``; ``threads`` is the benchmark's, so
    minidl does not choose its own inside ``fit``.
    """

    def __init__(self, x, t, seed, threads):
        self.x, self.t = x, t
        self.network = SimpleConvNet(input_dim=IMAGE, conv_param={"filter_num": FILTERS, "filter_size": FILTER_SIZE},
                                     hidden_size=HIDDEN, output_size=CLASSES, seed=seed, dtype=np.float32)
        self.params = self.network.params
        self.trainer = Trainer(self.network, "adam", optimizer_params={"lr": 0.001}, epochs=1, batch_size=BATCH_SIZE,
                               seed=seed, evaluation_size=1, verbose=0, threads=threads)

    def run_epoch(self):
        self.trainer.epochs = self.trainer.epoch + 1
        self.trainer.fit(self.x, self.t)


class TorchConvTraining:
    """The same network in PyTorch (CPU), as PyTorch users write it; :meth:`run_epoch` is timed.

    ``nn.Sequential`` of ``Conv2d``, ``ReLU``, ``MaxPool2d``, ``Flatten``,
    ``Linear``; ``CrossEntropyLoss``; ``torch.optim.Adam`` (lr 0.001);
    float32; one ``randperm`` shuffle and gather an epoch, batches as slices,
    ``zero_grad(set_to_none=True)``, as ``torch_mlp.TorchTraining`` does.
    """

    def __init__(self, torch, x, t, seed):
        self.torch = torch
        self.generator = torch.Generator().manual_seed(seed)
        self.x, self.t = torch.from_numpy(x), torch.from_numpy(t)
        nn = torch.nn
        self.model = nn.Sequential(nn.Conv2d(IMAGE[0], FILTERS, FILTER_SIZE), nn.ReLU(), nn.MaxPool2d(2),
                                   nn.Flatten(), nn.Linear(POOLED, HIDDEN), nn.ReLU(), nn.Linear(HIDDEN, CLASSES))
        for module in self.model:
            if isinstance(module, (nn.Conv2d, nn.Linear)):
                nn.init.kaiming_normal_(module.weight, nonlinearity="relu", generator=self.generator)
                nn.init.zeros_(module.bias)
        self.loss_function = nn.CrossEntropyLoss()
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=0.001)

    def run_epoch(self):
        permutation = self.torch.randperm(len(self.x), generator=self.generator)
        x_shuffled, t_shuffled = self.x[permutation], self.t[permutation]
        self.model.train()
        loss = None
        for start in range(0, len(x_shuffled), BATCH_SIZE):
            self.optimizer.zero_grad(set_to_none=True)
            loss = self.loss_function(self.model(x_shuffled[start : start + BATCH_SIZE]),
                                      t_shuffled[start : start + BATCH_SIZE])
            loss.backward()
            self.optimizer.step()
        return loss.item()


class MatmulReplay:
    """The matrix products of one minidl epoch, alone: same shapes, layouts and calls.

    Per batch: the convolution's forward ``W_flat @ col`` and its ``dW``
    (``dout @ col^T`` per image, summed), and each affine layer's ``x @ W``,
    ``x^T @ dout`` and, but for the first layer, ``dout @ W^T``. The first
    affine layer's input is the pooled output; its dx is needed (it goes
    back to the pooling layer).
    """

    def __init__(self, training, seed):
        rng = np.random.default_rng(seed)
        self.batches = -(-len(training.x) // BATCH_SIZE)
        p = training.params
        self.W1 = p["W1"].reshape(FILTERS, -1)
        self.col = rng.random((BATCH_SIZE, FILTER_SIZE * FILTER_SIZE, 24 * 24), dtype=np.float32)
        self.conv_dout = rng.standard_normal((BATCH_SIZE, FILTERS, 24 * 24), dtype=np.float32)
        self.W2, self.W3 = p["W2"], p["W3"]
        self.pooled = rng.random((BATCH_SIZE, POOLED), dtype=np.float32)
        self.hidden = rng.random((BATCH_SIZE, HIDDEN), dtype=np.float32)
        self.d_hidden = rng.standard_normal((BATCH_SIZE, HIDDEN), dtype=np.float32)
        self.d_scores = rng.standard_normal((BATCH_SIZE, CLASSES), dtype=np.float32)

    def run_epoch(self):
        for _ in range(self.batches):
            np.matmul(self.W1, self.col)
            np.matmul(self.conv_dout, self.col.transpose(0, 2, 1)).sum(axis=0)
            self.pooled @ self.W2
            self.hidden @ self.W3
            self.hidden.T @ self.d_scores
            self.d_scores @ self.W3.T
            self.pooled.T @ self.d_hidden
            self.d_hidden @ self.W2.T


def images(samples, seed):
    """The data as (N, 1, 28, 28) float32 images and int64 labels, and where it came from."""
    x, t, source = benchmark_data.training_data(samples, seed)
    return np.ascontiguousarray(x.reshape(-1, *IMAGE)), t.astype(np.int64), source


def time_epochs(x, t, threads, repeats, seed, torch):
    """Median epoch of each contender on ``threads`` threads, taking turns after a warm-up each."""
    with threadpoolctl.threadpool_limits(threads, user_api="blas"):
        minidl_training = MinidlConvTraining(x, t, seed, threads)
        contenders = {"minidl": minidl_training, "matmul": MatmulReplay(minidl_training, seed)}
        if torch is not None:
            torch.set_num_threads(threads)
            contenders["torch"] = TorchConvTraining(torch, x, t, seed)
        durations = {name: [] for name in contenders}
        for repeat in range(1 + repeats):
            for name, contender in contenders.items():
                start = time.perf_counter()
                contender.run_epoch()
                if repeat > 0:  # the first epoch of each is a warm-up
                    durations[name].append(time.perf_counter() - start)
    return {name: float(np.median(values)) for name, values in durations.items()}


def measure_peak_memory(samples, threads, seed):
    """Run this file with ``--peak-memory-child`` and return its JSON report."""
    command = [sys.executable, str(Path(__file__).resolve()), "--peak-memory-child", "--samples", str(samples),
               "--threads", str(threads), "--seed", str(seed)]
    completed = subprocess.run(command, capture_output=True, text=True, check=False)
    if completed.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{completed.stderr}")
    return json.loads(completed.stdout.strip().splitlines()[-1])


def peak_memory_child(arguments):
    """In a process of its own: the peak RSS of making the data and training one epoch."""
    with threadpoolctl.threadpool_limits(arguments.threads[0], user_api="blas"):
        after_imports = peak_memory.peak_rss_bytes()
        x, t, _ = images(arguments.samples, arguments.seed)
        MinidlConvTraining(x, t, arguments.seed, arguments.threads[0]).run_epoch()
    print(json.dumps({"data_bytes": int(x.nbytes + t.nbytes), "after_imports_bytes": int(after_imports),
                      "peak_bytes": int(peak_memory.peak_rss_bytes())}))
    return 0


def parse_arguments(argv):
    parser, arguments = benchmark_run.parse_arguments(
        argv, __doc__.splitlines()[0], quick_samples=1_000, repeats=3, quick_also=", one thread",
        threads={"nargs": "+", "default": None, "help": "thread counts to measure (default: 1 2, quick: 1)"},
        hidden=["--peak-memory-child"])
    arguments.threads = arguments.threads or ([1] if arguments.quick else [1, 2])
    benchmark_run.refuse_too_little(parser, arguments, BATCH_SIZE, arguments.threads)
    return arguments


def table_rows(results, memory):
    rows = []
    for threads, seconds in results.items():
        label = f"epoch vs PyTorch CPU, {threads} thread{'s' * (threads > 1)} (time ratio)"
        target, goal = ("<= 1.0 x", 1.0) if threads == 1 else ("-", None)
        if "torch" in seconds:
            ratio = seconds["minidl"] / seconds["torch"]
            result = benchmark_run.verdict(ratio <= goal) if goal else "-"
            rows.append((label, f"{seconds['minidl']:.2f} s", f"{seconds['torch']:.2f} s", f"{ratio:.2f} x", target, result))
        else:
            rows.append((label, f"{seconds['minidl']:.2f} s", "torch not installed", "-", target, "SKIPPED"))
        share = seconds["matmul"] / seconds["minidl"]
        rows.append((f"matrix products in the epoch, {threads} thread{'s' * (threads > 1)}",
                     f"{seconds['matmul']:.2f} s of {seconds['minidl']:.2f} s", "-", f"{share:.0%}", "-", "-"))
    peak = memory["peak_bytes"] / MEGABYTE
    rows.append(("peak RSS of an epoch", f"{peak:.0f} MB", f"data {memory['data_bytes'] / MEGABYTE:.0f} MB", "-",
                 "< 1024 MB", benchmark_run.verdict(peak < 1024)))
    return rows


def main(argv=None):
    arguments = parse_arguments(argv)
    if arguments.peak_memory_child:
        return peak_memory_child(arguments)
    machine_at_start = machine.cpu_times()
    torch = None if arguments.no_torch else torch_mlp.load_torch(arguments.threads[0])
    benchmark_run.print_machine("minidl convolutional epoch benchmark", arguments.quick, torch and (
        f"torch {torch.__version__} ({'oneDNN' if torch.backends.mkldnn.is_available() else 'no oneDNN'})"))
    x, t, source = images(arguments.samples, arguments.seed)
    print(f"\nnetwork: conv {FILTERS}x{FILTER_SIZE}x{FILTER_SIZE} - ReLU - pool 2x2 - Affine {HIDDEN} - ReLU - "
          f"Affine {CLASSES} - softmax loss; Adam lr 0.001, batch {BATCH_SIZE}, float32; "
          f"data: {len(x):,} images 1x28x28, {source}")
    results = {}
    for threads in arguments.threads:
        print(f"timing on {threads} thread(s): 1 warm-up + {arguments.repeats} epochs each, in turns ...")
        results[threads] = time_epochs(x, t, threads, arguments.repeats, arguments.seed, torch)
        print("  medians: " + ", ".join(f"{name} {value:.2f} s" for name, value in results[threads].items()))
    print(f"peak memory: child process training one epoch on {arguments.samples:,} images ...")
    memory = measure_peak_memory(arguments.samples, arguments.threads[0], arguments.seed)
    benchmark_run.print_results(table_rows(results, memory), machine_at_start, arguments.quick)
    return 0


if __name__ == "__main__":
    sys.exit(main())
