"""Writing files safely: what may be replaced, links, permission bits, the umask, leftovers of killed runs."""

import errno
import os
import signal
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from minidl.files import atomic_write, check_output_folder, check_writable_folder, companion_stem, same_file, save_or_rescue


def write(path, text):
    with atomic_write(path, "w") as file:
        file.write(text)


def temporaries(folder):
    return sorted(path.name for path in Path(folder).iterdir() if path.name.endswith(".tmp"))


# ================================================================ what is replaced
def test_a_symbolic_link_stays_a_link_and_its_target_gets_the_new_content(tmp_path):
    (tmp_path / "runs").mkdir()
    write(tmp_path / "runs" / "model.npz", "old")
    (tmp_path / "latest.npz").symlink_to(Path("runs") / "model.npz")
    write(tmp_path / "latest.npz", "new")
    assert (tmp_path / "latest.npz").is_symlink() and (tmp_path / "runs" / "model.npz").read_text() == "new"
    assert temporaries(tmp_path) == [] and temporaries(tmp_path / "runs") == []


def test_a_dangling_link_is_refused_and_nothing_is_created(tmp_path):
    (tmp_path / "link").symlink_to("target")  # a planted link would otherwise create a file where it points
    with pytest.raises(ValueError, match="which does not exist; minidl does not create files through links"):
        write(tmp_path / "link", "made")
    assert (tmp_path / "link").is_symlink() and not (tmp_path / "target").exists()


def test_a_replaced_file_keeps_its_permission_bits(tmp_path):
    path = tmp_path / "model.npz"
    write(path, "old")
    path.chmod(0o640)
    write(path, "new")
    assert stat.S_IMODE(path.stat().st_mode) == 0o640 and path.read_text() == "new"


@pytest.mark.parametrize("umask, mode", [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_a_new_file_follows_the_umask_at_the_time_of_writing(umask, mode, tmp_path):
    previous = os.umask(umask)  # changed after import: a value read once at import would be wrong
    try:
        write(tmp_path / "new.json", "{}")
    finally:
        os.umask(previous)
    assert stat.S_IMODE((tmp_path / "new.json").stat().st_mode) == mode


def test_things_that_are_not_regular_files_are_never_replaced(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    (tmp_path / "folder").mkdir()
    (tmp_path / "loop").symlink_to("loop")
    cases = {fifo: "is a named pipe (FIFO), which minidl never replaces",
             Path(os.devnull): "is a character device, which minidl never replaces",
             tmp_path / "folder": "is a folder, not a file; give the path of a file in it",
             tmp_path / "loop": "the symbolic link leads round in a loop", "": "is empty"}
    for path, message in cases.items():
        with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
            write(path, "x")
        with pytest.raises(ValueError, match="--save"):
            check_output_folder(path, "--save")
    assert stat.S_ISFIFO(fifo.stat().st_mode) and temporaries(tmp_path) == []


def test_a_read_only_file_is_not_replaced(tmp_path, monkeypatch):
    path = tmp_path / "kept.npz"
    write(path, "precious")
    path.chmod(0o444)
    # Root may write anything: what an ordinary user's access check answers is simulated.
    monkeypatch.setattr(os, "access", lambda target, mode: Path(target) != path)
    with pytest.raises(ValueError, match=r"--save '.*kept.npz': the file is read-only \(mode -r--r--r--\); "
                                         r"make it writable \(chmod u\+w\)"):
        check_output_folder(path, "--save")
    assert path.read_text() == "precious"


# ================================================================ writable folders
def test_an_unwritable_folder_is_found_before_any_work(unwritable_folder):
    with pytest.raises(ValueError, match=f"--save '{unwritable_folder}/m.npz': folder '{unwritable_folder}' "
                                         "is not writable; choose a folder you can write to"):
        check_output_folder(unwritable_folder / "m.npz", "--save")


@pytest.mark.parametrize("error, message", [
    (OSError(errno.EROFS, "Read-only file system"),
     "is on a read-only file system; choose a folder on another disk"),
    (OSError(errno.ENOSPC, "No space left on device"),
     "cannot hold a new file (No space left on device); choose another folder"),
])
def test_a_read_only_or_full_file_system_is_named(error, message, tmp_path, monkeypatch):
    create = os.open

    def refuse(path, *args, **kwargs):
        if Path(path).parent == tmp_path:
            raise error
        return create(path, *args, **kwargs)

    monkeypatch.setattr(os, "open", refuse)
    with pytest.raises(ValueError) as caught:
        check_writable_folder(tmp_path, "--out 'results'")
    assert str(caught.value) == f"--out 'results': folder '{tmp_path}' {message}"


def test_a_proof_of_writability_leaves_nothing_behind(tmp_path):
    assert check_output_folder(tmp_path / "model.npz") == tmp_path
    assert list(tmp_path.iterdir()) == []


def test_one_file_under_two_names_is_recognised(tmp_path):
    (tmp_path / "run.npz").write_text("x")
    (tmp_path / "alias.npz").symlink_to("run.npz")
    os.link(tmp_path / "run.npz", tmp_path / "hard.npz")
    assert same_file(tmp_path / "run.npz", tmp_path / "sub" / ".." / "run.npz")
    assert same_file(tmp_path / "alias.npz", tmp_path / "run.npz")
    assert same_file(tmp_path / "hard.npz", tmp_path / "run.npz")
    assert same_file(tmp_path / "new.npz", tmp_path / "." / "new.npz")  # neither exists yet
    assert not same_file(tmp_path / "new.npz", tmp_path / "run.npz")


# ================================================================ leftovers and rescue
WRITER = """
import sys, time
from minidl.files import atomic_write
with atomic_write(sys.argv[1], "w") as file:
    file.write("half")
    file.flush()
    print("writing", flush=True)
    time.sleep(60)
"""


@pytest.mark.parametrize("name", ["run.npz", "r" * 236 + ".npz"], ids=["short", "240-characters"])
def test_the_temporary_file_of_a_killed_run_is_removed_by_the_next_write(name, tmp_path):
    path = tmp_path / name
    stem = companion_stem(tmp_path, name)  # the name itself, or for a long one its start and a hash
    assert (stem == name) == (name == "run.npz") and len(stem) < 240
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(path)], stdout=subprocess.PIPE, text=True)
    assert writer.stdout.readline() == "writing\n"
    writer.send_signal(signal.SIGKILL)  # no clean-up can run
    writer.wait(timeout=30)
    writer.stdout.close()
    left = temporaries(tmp_path)
    assert len(left) == 1 and left[0].startswith(f".{stem}.{writer.pid}.")
    alive = tmp_path / f".{stem}.{os.getppid()}.0123abcd.tmp"  # a writer still running: left alone
    alive.write_text("busy")
    other = tmp_path / f".other.npz.{writer.pid}.0123abcd.tmp"  # another file's: not this write's business
    other.write_text("other")
    write(path, "complete")
    assert path.read_text() == "complete"
    assert temporaries(tmp_path) == sorted([alive.name, other.name])


def test_a_failed_save_is_rescued_to_the_temporary_folder(tmp_path, monkeypatch):
    spare = tmp_path / "spare"
    spare.mkdir()
    monkeypatch.setattr("tempfile.tempdir", str(spare))
    wanted = tmp_path / "out" / "model.npz"

    def save(path):
        if Path(path).parent != spare:
            raise OSError(errno.ENOSPC, "No space left on device")
        Path(path).write_text("weights")

    written, error = save_or_rescue(save, wanted)
    assert written.parent == spare and written.name.startswith("model-rescued-") and written.suffix == ".npz"
    assert written.read_text() == "weights" and stat.S_IMODE(written.stat().st_mode) == 0o600
    assert isinstance(error, OSError) and error.errno == errno.ENOSPC


def test_when_no_fallback_works_either_the_first_error_is_raised(tmp_path, monkeypatch):
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    monkeypatch.chdir(tmp_path)

    def save(path):
        raise OSError(errno.ENOSPC, f"No space left for {Path(path).name}")

    with pytest.raises(OSError, match="No space left for model.npz"):
        save_or_rescue(save, "model.npz")
    assert list(tmp_path.iterdir()) == []  # the fallback files reserved were removed again


def test_an_archive_interrupted_mid_member_leaves_no_open_zip_behind(tmp_path, monkeypatch):
    # numpy before 2.0 left savez's ZipFile open on Ctrl-C; its clean-up later printed a traceback.
    import gc

    import numpy as np

    from minidl import files

    def interrupted(member, value, allow_pickle):
        member.write(b"half")
        raise KeyboardInterrupt

    monkeypatch.setattr(np.lib.format, "write_array", interrupted)
    with pytest.raises(KeyboardInterrupt):
        files.save_npz(tmp_path / "a.npz", {"W1": np.ones(3)})
    monkeypatch.undo()
    unraisable = []  # what a ZipFile's __del__ would raise on a closed file, printed as a traceback
    monkeypatch.setattr(sys, "unraisablehook", unraisable.append)
    gc.collect()
    assert unraisable == []
    assert list(tmp_path.iterdir()) == []
    files.save_npz(tmp_path / "a.npz", {"W1": np.ones(3)})
    assert np.load(tmp_path / "a.npz", allow_pickle=False)["W1"].tolist() == [1.0, 1.0, 1.0]


def test_a_name_of_the_longest_legal_length_is_written_and_leaves_nothing_else(tmp_path):
    # minidl's temporary name (.NAME.PID.RANDOM.tmp) of a 240- or 255-byte name would be too long itself.
    for name in ["m" * 236 + ".npz", "\u00e9" * 125 + ".npz", "n" * 251 + ".npz"]:
        check_output_folder(tmp_path / name)
        write(tmp_path / name, "saved")
        assert (tmp_path / name).read_text() == "saved"
    assert temporaries(tmp_path) == [] and len(list(tmp_path.iterdir())) == 3
    assert companion_stem(tmp_path, "m" * 236 + ".npz") != companion_stem(tmp_path, "m" * 237 + ".npz")


@pytest.mark.parametrize("writer", ["atomic_write", "check_writable_folder"])
def test_a_signal_just_after_the_temporary_file_is_made_leaves_no_file(writer, tmp_path, monkeypatch):
    # SIGTERM (raised as an exception by the command line) between os.open and the clean-up's reach.
    real_open = os.open

    def open_then_interrupt(*args, **kwargs):
        real_open(*args, **kwargs)
        raise KeyboardInterrupt

    monkeypatch.setattr("minidl.files.os.open", open_then_interrupt)
    with pytest.raises(KeyboardInterrupt):
        if writer == "atomic_write":
            write(tmp_path / "run.npz", "never")
        else:
            check_writable_folder(tmp_path, "probe")
    assert list(tmp_path.iterdir()) == []
