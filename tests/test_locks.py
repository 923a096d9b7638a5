"""Output locks (minidl/locks.py): one run at a time on a file, no lock file left, a dead holder blocks no one."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import minidl.locks
from minidl.locks import OutputInUseError, check_not_held, hold_outputs, lock_file

#: Another process that holds the lock of sys.argv[1] until its standard input is closed.
HOLDER = """
import sys
from minidl.locks import hold_outputs
with hold_outputs([("--checkpoint", sys.argv[1])]):
    print("held", flush=True)
    sys.stdin.read()
"""


@pytest.fixture
def holder(tmp_path):
    """Start another process holding the lock of a path; it lets go when the test ends."""
    processes = []

    def start(path):
        process = subprocess.Popen([sys.executable, "-c", HOLDER, str(path)], cwd=tmp_path, stdin=subprocess.PIPE,
                                   stdout=subprocess.PIPE, text=True)
        assert process.stdout.readline() == "held\n"
        processes.append(process)
        return process

    yield start
    for process in processes:
        process.stdin.close()
        process.wait(timeout=60)
        process.stdout.close()


def names(folder):
    return sorted(path.name for path in Path(folder).iterdir())


def test_a_lock_held_by_another_process_refuses_runs_and_writes_naming_it(tmp_path, holder):
    path = tmp_path / "run.npz"
    process = holder(path)
    assert names(tmp_path) == [".run.npz.lock"]
    with pytest.raises(OutputInUseError, match=re.escape(f"--save '{path}' is being written by another run: process "
                                                        f"{process.pid} (-c {path}) holds its lock '.run.npz.lock'; wait")):
        with hold_outputs([("--save", path)]):
            pass
    with pytest.raises(OutputInUseError, match=re.escape(f"cannot write '{path}': it is being written by another run")):
        check_not_held(path, "cannot write")
    assert names(tmp_path) == [".run.npz.lock"]  # the holder's file, untouched
    process.stdin.close()
    assert process.wait(timeout=60) == 0
    assert names(tmp_path) == []  # a clean exit leaves no lock file
    with hold_outputs([("--save", path)]):
        assert names(tmp_path) == [".run.npz.lock"]
    assert names(tmp_path) == []


def test_a_killed_holder_blocks_no_one_and_its_lock_file_is_removed(tmp_path, holder):
    path = tmp_path / "run.npz"
    process = holder(path)
    process.kill()  # kill -9: no clean-up runs, the kernel lets the lock go
    process.wait(timeout=60)
    assert names(tmp_path) == [".run.npz.lock"]
    assert (tmp_path / ".run.npz.lock").read_text() == f"{process.pid}\n-c {path}\n"  # what it said: not believed
    check_not_held(path, "cannot write")  # nobody holds it: the left-over file goes
    assert names(tmp_path) == []
    (tmp_path / ".run.npz.lock").write_text(f"{os.getpid()}\nminidl train\n")  # a PID that even runs: not believed
    with hold_outputs([("--checkpoint", path)]):
        assert (tmp_path / ".run.npz.lock").read_text().startswith(f"{os.getpid()}\n")
    assert names(tmp_path) == []


def test_within_one_process_the_locks_of_one_file_are_one_lock(tmp_path):
    path = tmp_path / "run.npz"
    (tmp_path / "alias.npz").symlink_to("run.npz")
    with hold_outputs([("--checkpoint", path)]):
        with hold_outputs([("checkpoint", tmp_path / "alias.npz")]):  # the Trainer inside minidl train
            check_not_held(path, "cannot write")  # this process's own writes go through
        assert names(tmp_path) == [".run.npz.lock", "alias.npz"]  # still held by the outer block
    assert names(tmp_path) == ["alias.npz"]
    assert lock_file(tmp_path / "alias.npz") == tmp_path / ".run.npz.lock"


def test_a_lock_file_deleted_between_open_and_lock_is_made_anew(tmp_path, monkeypatch):
    # Its last holder deletes it, then lets the lock go, just after this process opened it.
    path, real_flock, calls = tmp_path / "run.npz", minidl.locks.fcntl.flock, []

    def flock_after_the_holder_left(descriptor, operation):
        if not calls:
            os.unlink(lock_file(path))
        calls.append(operation)
        return real_flock(descriptor, operation)

    monkeypatch.setattr(minidl.locks.fcntl, "flock", flock_after_the_holder_left)
    with hold_outputs([("--checkpoint", path)]):
        descriptor = minidl.locks._held[str(lock_file(path))][0]
        assert os.fstat(descriptor).st_ino == os.stat(lock_file(path)).st_ino  # the file named so is the one held
    assert len(calls) == 2 and names(tmp_path) == []


def test_a_lock_file_that_is_a_link_is_refused(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    (tmp_path / ".run.npz.lock").symlink_to("notes.txt")
    with pytest.raises(ValueError, match="cannot take its lock '.run.npz.lock': it is a symbolic link"):
        with hold_outputs([("--checkpoint", tmp_path / "run.npz")]):
            pass
    assert (tmp_path / "notes.txt").read_text() == "mine"


def test_without_fcntl_windows_takes_no_lock(tmp_path, monkeypatch):
    monkeypatch.setattr(minidl.locks, "fcntl", None)
    with hold_outputs([("--checkpoint", tmp_path / "run.npz")]):
        check_not_held(tmp_path / "run.npz", "cannot write")
        assert names(tmp_path) == []


def test_a_long_name_gets_a_lock_file_of_legal_length(tmp_path):
    path = tmp_path / ("r" * 251 + ".npz")
    with hold_outputs([("--checkpoint", path)]):
        [lock] = names(tmp_path)
        assert lock.endswith(".lock") and len(lock) < 255
