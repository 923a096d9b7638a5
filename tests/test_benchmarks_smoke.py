"""Smoke test of ``benchmarks/epoch.py``: the quick run works and prints its table.

Only that the benchmark runs from a clean checkout and reports every measure
is tested here; its timings are never asserted (they depend on the machine
and on what else runs). ``--no-torch`` keeps PyTorch out of the test even
where it is installed: it is never a test dependency.
"""

import subprocess
import sys
from pathlib import Path

BENCHMARK = Path(__file__).resolve().parents[1] / "benchmarks" / "epoch.py"

MEASURES = (
    "epoch vs PyTorch CPU",
    "speed-up over seeds-style float64",
    "matrix products in the epoch",
    "peak RSS training on MNIST size",
    "cached MNIST load",
    "Adam step, 1M params",
    "Adam step allocation growth",
)


def test_quick_benchmark_prints_the_table(tmp_path):
    # Run from an unrelated folder: the script must not depend on the working directory.
    completed = subprocess.run(
        [sys.executable, str(BENCHMARK), "--quick", "--no-torch"],
        cwd=tmp_path, capture_output=True, text=True, timeout=600, check=False,
    )
    assert completed.returncode == 0, completed.stderr
    lines = completed.stdout.splitlines()
    assert "| measure | minidl | reference | ratio | target | result |" in lines
    rows = [line for line in lines if line.startswith("| ") and not line.startswith(("| measure", "| ---"))]
    assert len(rows) == len(MEASURES), completed.stdout
    for measure in MEASURES:
        matching = [row for row in rows if row.removeprefix("| ").startswith(measure)]
        assert len(matching) == 1, f"{measure!r} missing from the table:\n{completed.stdout}"
        verdict = matching[0].rstrip(" |").rsplit("| ", 1)[-1]
        expected = {"SKIPPED"} if measure == "epoch vs PyTorch CPU" else {"PASS", "MISS"}
        assert verdict in expected, matching[0]
    assert "torch: not installed (or --no-torch)" in completed.stdout
