"""docs/teaching.md's Gradescope script, run as written on a folder laid out like Gradescope's."""

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from minidl.homework import write_assignment

TEACHING = Path(__file__).resolve().parents[2] / "docs" / "teaching.md"


def documented_script(name):
    """The bash block that follows the line naming ``name`` (e.g. `autograder/run_autograder`:)."""
    text = TEACHING.read_text()
    found = re.search(rf"^`autograder/{re.escape(name)}`:\n\n```bash\n(.*?)^```", text, re.MULTILINE | re.DOTALL)
    assert found, f"docs/teaching.md has no bash block for autograder/{name}"
    return found.group(1)


@pytest.fixture
def autograder(tmp_path):
    """A stand-in for /autograder: a "venv" whose python and minidl are this interpreter's."""
    root = tmp_path / "autograder"
    (root / "venv" / "bin").mkdir(parents=True)
    (root / "results").mkdir()
    os.symlink(sys.executable, root / "venv" / "bin" / "python")
    launcher = root / "venv" / "bin" / "minidl"
    launcher.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m minidl.cli "$@"\n')
    launcher.chmod(0o755)
    (root / "submission_metadata.json").write_text(json.dumps({"users": [{"id": 1234}]}))
    return root


@pytest.mark.skipif(shutil.which("bash") is None, reason="the script is a bash script")
def test_run_autograder_grades_a_folder_zipped_on_a_mac(autograder, tmp_path):
    # The key for two exercises, uploaded as a folder, beside the "._" copies a Mac's zip adds.
    write_assignment(autograder / "submission" / "hw", ["affine", "relu"], solutions=True)
    junk = autograder / "submission" / "__MACOSX" / "hw"
    junk.mkdir(parents=True)
    for name in ("._affine.py", "._relu.py", "affine.py"):
        (junk / name).write_bytes(b"\x00\x05\x16\x07 not python")
    script = tmp_path / "run_autograder"
    script.write_text(documented_script("run_autograder"))
    environment = dict(os.environ, AUTOGRADER=str(autograder), EXERCISES="--exercise affine --exercise relu")

    done = subprocess.run(["bash", str(script)], env=environment, capture_output=True, text=True, timeout=300)

    assert done.returncode == 0, done.stdout + done.stderr
    assert f"{autograder / 'submission' / 'hw'}:" in done.stdout, done.stdout
    results = json.loads((autograder / "results" / "results.json").read_text())
    assert results["score"] == 15 == sum(test["max_score"] for test in results["tests"]), results["output"]
    # The seed is the user id plus the staff's secret number: the hidden checks used it.
    assert re.search(r"seed (\d+)", done.stdout).group(1) == str(1234 + 48611), done.stdout
