"""Smoke tests of ``benchmarks/epoch.py`` and ``benchmarks/threads.py``: the quick runs work and print their tables.

Only that the benchmark runs from a clean checkout and reports every measure
is tested here; its timings are never asserted (they depend on the machine
and on what else runs). ``--no-torch`` keeps PyTorch out of the test even
where it is installed: it is never a test dependency.
"""

import subprocess
import sys
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"
BENCHMARK = BENCHMARKS / "epoch.py"

MEASURES = (
    "epoch vs PyTorch CPU",
    "speed-up over the book's float64 code",
    "matrix products in the epoch",
    "peak RSS training on MNIST size",
    "cached MNIST load",
    "Adam step, 1M params",
    "Adam step allocation growth",
)


def run_quick(script, folder):
    """Run ``script --quick --no-torch`` from ``folder``; its table rows (header and rule left out)."""
    # Run from an unrelated folder: the script must not depend on the working directory.
    completed = subprocess.run(
        [sys.executable, str(script), "--quick", "--no-torch"],
        cwd=folder, capture_output=True, text=True, timeout=600, check=False,
    )
    assert completed.returncode == 0, completed.stderr
    lines = completed.stdout.splitlines()
    assert "| measure | minidl | reference | ratio | target | result |" in lines
    assert "torch: not installed (or --no-torch)" in completed.stdout
    return completed, [line for line in lines if line.startswith("| ") and not line.startswith(("| measure", "| ---"))]


def test_quick_benchmark_prints_the_table(tmp_path):
    completed, rows = run_quick(BENCHMARK, tmp_path)
    assert len(rows) == len(MEASURES), completed.stdout
    for measure in MEASURES:
        matching = [row for row in rows if row.removeprefix("| ").startswith(measure)]
        assert len(matching) == 1, f"{measure!r} missing from the table:\n{completed.stdout}"
        verdict = matching[0].rstrip(" |").rsplit("| ", 1)[-1]
        expected = {"SKIPPED"} if measure == "epoch vs PyTorch CPU" else {"PASS", "MISS"}
        assert verdict in expected, matching[0]


def test_quick_thread_benchmark_prints_the_busy_machine_ratios(tmp_path):
    completed, rows = run_quick(BENCHMARKS / "threads.py", tmp_path)
    verdicts = {row.split(" | ")[0].removeprefix("| "): row.rstrip(" |").rsplit("| ", 1)[-1] for row in rows}
    assert verdicts["quick start busy, minidl's choice / idle 1 thread"] in {"PASS", "MISS"}
    assert verdicts["book epoch busy, minidl / PyTorch"] == "SKIPPED"
    assert len([name for name in verdicts if name.startswith("MNIST ")]) == 8  # training, 3 chunk sizes; idle, busy
    assert "load average before: " in completed.stdout and "load average after: " in completed.stdout


def test_quick_convolution_benchmark_prints_the_table(tmp_path):
    completed, rows = run_quick(BENCHMARKS / "conv_epoch.py", tmp_path)
    measures = ("epoch vs PyTorch CPU, 1 thread", "matrix products in the epoch, 1 thread", "peak RSS of an epoch")
    assert [row.removeprefix("| ").split(" (")[0].split(" |")[0] for row in rows] == list(measures), completed.stdout
    assert rows[0].rstrip(" |").endswith("SKIPPED") and rows[2].rstrip(" |").rsplit("| ", 1)[-1] in {"PASS", "MISS"}
