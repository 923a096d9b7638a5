"""The offline examples run from another folder and print what they promise."""

import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


@pytest.mark.parametrize("script, expected", [
    ("train_digits.py", "test accuracy 9"),
    ("save_and_load.py", "same predictions after loading: True"),
    ("resume.py", "give identical weights: True"),
    ("custom_optimizer.py", " signum: final training loss"),
])
def test_example_runs_from_any_folder(script, expected, tmp_path):
    result = subprocess.run([sys.executable, str(EXAMPLES / script)], cwd=tmp_path,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert expected in result.stdout
    assert list(tmp_path.iterdir()) == []  # nothing left behind
