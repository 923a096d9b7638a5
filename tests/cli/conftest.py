"""Helpers for the command-line tests."""

import subprocess
import sys

import pytest


@pytest.fixture
def run_minidl(tmp_path):
    """Run ``python -m minidl.cli ARGS`` in a fresh process inside ``tmp_path``; returns CompletedProcess."""

    def run(*args):
        return subprocess.run([sys.executable, "-m", "minidl.cli", *args], cwd=tmp_path,
                              capture_output=True, text=True, timeout=120)

    return run
