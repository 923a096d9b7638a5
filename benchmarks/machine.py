"""The machine the benchmark runs on: its CPU, its BLAS, and how busy it was."""

from __future__ import annotations

import os
import platform
from pathlib import Path

import threadpoolctl


def cpu_model():
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def blas_description():
    """numpy's BLAS library, version and thread count, as threadpoolctl sees them."""
    pools = [pool for pool in threadpoolctl.threadpool_info() if pool["user_api"] == "blas"]
    return "; ".join(f"{pool['internal_api']} {pool['version']} ({pool['num_threads']} threads)" for pool in pools)


def cpu_times():
    """(busy, total) CPU seconds of the whole machine since boot, and this process's own; None off Linux."""
    try:
        with open("/proc/stat") as stat:
            ticks = [int(value) for value in stat.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    idle = ticks[3] + ticks[4]  # idle and iowait
    own = os.times()
    hertz = os.sysconf("SC_CLK_TCK")
    return (sum(ticks) - idle) / hertz, sum(ticks) / hertz, own.user + own.system + own.children_user + own.children_system


def other_processes_share(start):
    """Fraction of the machine's CPU time that other processes used since ``start`` (from :func:`cpu_times`)."""
    end = cpu_times()
    if start is None or end is None or end[1] == start[1]:
        return None
    busy, total, own = (after - before for after, before in zip(end, start))
    return max(0.0, busy - own) / total
