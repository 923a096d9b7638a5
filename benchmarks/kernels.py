"""How far the quick start moves between OpenBLAS kernels: weights and test accuracy.

``minidl train --dataset digits`` (the README's quick start) is bit-identical
on one machine with the same numpy/BLAS build and thread count. Another CPU
makes OpenBLAS choose another kernel, whose float32 products round
differently in the last bit; over 40 epochs that grows. This runs the quick
start once per kernel (``OPENBLAS_CORETYPE``, in a process of its own) and
prints, against the first kernel, the largest absolute difference of the
trained weights and the test accuracy each reached::

    python benchmarks/kernels.py                      # SkylakeX Haswell Sandybridge Nehalem
    python benchmarks/kernels.py Haswell Zen

The kernel that really ran is threadpoolctl's ``architecture`` (a kernel the
CPU cannot run falls back to another).
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

QUICK_START = ["train", "--dataset", "digits"]
ARCHITECTURE = "from minidl.environment import numpy_blas; print(numpy_blas()['architecture'])"


def run(kernel, folder):
    """Train the quick start under ``kernel``: (kernel that ran, test accuracy in %, weights by name)."""
    environ = {**os.environ, "OPENBLAS_CORETYPE": kernel}
    ran = subprocess.run([sys.executable, "-c", ARCHITECTURE], env=environ, capture_output=True, text=True,
                         check=True).stdout.strip()
    saved = Path(folder) / f"{kernel}.npz"
    process = subprocess.run([sys.executable, "-m", "minidl.cli", *QUICK_START, "--save", str(saved)], env=environ,
                             capture_output=True, text=True, check=True)
    accuracy = float(re.search(r"test accuracy ([\d.]+) %", process.stdout).group(1))
    with np.load(saved, allow_pickle=False) as archive:
        weights = {name: archive[name] for name in archive.files if name.startswith("state/")}
    return ran, accuracy, weights


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("kernels", nargs="*", default=["SkylakeX", "Haswell", "Sandybridge", "Nehalem"])
    options = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        results = [(kernel, *run(kernel, folder)) for kernel in options.kernels]
    _, first_ran, _, reference = results[0]
    print(f"quick start: minidl {' '.join(QUICK_START)}; weights compared with {first_ran}'s")
    for kernel, ran, accuracy, weights in results:
        largest = max(float(np.max(np.abs(weights[name] - reference[name]))) for name in reference)
        print(f"OPENBLAS_CORETYPE={kernel:<12} ran {ran:<12} test accuracy {accuracy:.2f} %   "
              f"max |weight difference| {largest:.2e}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
