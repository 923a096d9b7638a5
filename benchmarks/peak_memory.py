"""Peak memory of training on MNIST-size data, measured in a process of its own.

``benchmarks/epoch.py`` runs this file as a child process and reads the one
JSON line it prints. A separate process is the only clean way: the parent
has imported torch, holds several copies of the data for the other
implementations, and the peak resident set size (RSS) the kernel reports is
a high-water mark that never goes down.

What is measured: the largest physical memory the process ever held (its
peak RSS) after importing minidl, making a float32 data set of ``--samples``
x 784 and training the benchmark network for one epoch exactly as
``epoch.py`` does (``Trainer.fit``). The data set alone is about 180 MiB
for 60,000 samples; the rest is Python, numpy, scikit-learn, the shuffle
buffer and whatever training allocates.

On Linux the peak is read from ``VmHWM`` in ``/proc/self/status``, not from
``resource.getrusage(...).ru_maxrss``: the kernel carries ``ru_maxrss`` over
from the parent when the child starts (``exec``), so a child of a parent
holding 800 MB reports at least 800 MB whatever it does itself. ``VmHWM``
belongs to the child's own address space. Elsewhere ``ru_maxrss`` is used.

Run it alone with ``python benchmarks/peak_memory.py --samples 60000``.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys


def peak_rss_bytes():
    """This process's own peak resident set size in bytes (see the module notes)."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024  # the kernel writes "VmHWM:  123456 kB"
    except OSError:
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024  # macOS counts bytes, others kilobytes


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=60_000, help="training samples (default 60000)")
    parser.add_argument("--threads", type=int, default=None, help="BLAS threads (default: numpy's)")
    parser.add_argument("--seed", type=int, default=0)
    arguments = parser.parse_args(argv)

    import threadpoolctl

    # The benchmark's own training set-up: the same network, optimizer and loop.
    from benchmark_data import synthetic_data
    from epoch import MinidlTraining

    limiter = threadpoolctl.threadpool_limits(arguments.threads, user_api="blas") if arguments.threads else None
    after_imports = peak_rss_bytes()
    x, t = synthetic_data(arguments.samples, arguments.seed)
    MinidlTraining(x, t, arguments.seed, arguments.threads).fit(epochs=1)
    print(json.dumps({
        "samples": arguments.samples,
        "data_bytes": int(x.nbytes + t.nbytes),
        "after_imports_bytes": int(after_imports),
        "peak_bytes": int(peak_rss_bytes()),
    }))
    del limiter
    return 0


if __name__ == "__main__":
    sys.exit(main())
