"""Output paths of the commands: proven writable before any work, and a final save that fails is rescued."""

import errno
from pathlib import Path

import pytest

import minidl.serialization
from minidl.cli import main
from minidl.serialization import load_model
from minidl.training import Trainer

TRAIN = ["train", "--dataset", "digits", "--hidden", "8", "--epochs", "1", "-q"]


@pytest.fixture
def no_training(monkeypatch):
    def fit(*args, **kwargs):
        raise AssertionError("training started before the output paths were checked")

    monkeypatch.setattr(Trainer, "fit", fit)


@pytest.mark.parametrize("option", ["--save", "--checkpoint", "--history"])
def test_an_unwritable_folder_fails_before_training(option, unwritable_folder, no_training, capsys):
    path = f"{unwritable_folder}/run.json"
    assert main([*TRAIN, option, path]) == 1
    assert capsys.readouterr().err == (f"minidl: error: {option} '{path}': folder '{unwritable_folder}' is not "
                                       "writable; choose a folder you can write to\n")


def test_an_unwritable_experiment_folder_fails_before_the_experiment(unwritable_folder, capsys, monkeypatch):
    monkeypatch.setitem(minidl.cli.experiments.COMPUTE, "paths", lambda args: pytest.fail("the experiment ran"))
    assert main(["experiment", "paths", "--out", f"{unwritable_folder}/results", "--no-plot"]) == 1
    assert capsys.readouterr().err == (f"minidl: error: --out '{unwritable_folder}/results': folder "
                                       f"'{unwritable_folder}' is not writable; choose a folder you can write to\n")


def test_a_final_save_that_fails_keeps_the_model_elsewhere(tmp_path, monkeypatch, capsys):
    # The disk fills up during training: the check before it passed, the save after it fails.
    monkeypatch.chdir(tmp_path)
    (tmp_path / "out").mkdir()
    spare = tmp_path / "spare"
    spare.mkdir()
    monkeypatch.setattr("tempfile.tempdir", str(spare))
    save_npz = minidl.serialization.save_npz

    def disk_full_in_out(path, *args, **kwargs):
        if Path(path).parent.name == "out":
            raise OSError(errno.ENOSPC, "No space left on device")
        return save_npz(path, *args, **kwargs)

    monkeypatch.setattr(minidl.serialization, "save_npz", disk_full_in_out)
    assert main([*TRAIN, "--save", "out/m.npz", "--history", "out/h.json"]) == 1
    captured = capsys.readouterr()
    [rescued] = spare.glob("m-rescued-*.npz")
    assert captured.err == (f"minidl: error: could not save the model to 'out/m.npz' (No space left on device); "
                            f"it was saved to '{rescued}' instead\n")
    assert "history saved to out/h.json" in captured.out  # the history, a JSON file, had room
    assert load_model(rescued).hidden_sizes == [8]
    assert sorted(path.name for path in (tmp_path / "out").iterdir()) == ["h.json"]


def test_a_new_run_replaces_an_earlier_checkpoint_only_with_overwrite(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    from minidl.serialization import load_checkpoint

    assert main(["train", "--dataset", "digits", "--hidden", "8", "--epochs", "2", "-q", "--checkpoint", "run.npz"]) == 0
    assert main([*TRAIN, "--checkpoint", "run.npz"]) == 1  # up-arrow, --epochs changed, --resume forgotten
    assert "already holds a minidl checkpoint at epoch 2 of 2" in capsys.readouterr().err
    assert load_checkpoint("run.npz")["trainer"]["epoch"] == 2  # kept
    assert main(["train", "--epochs", "3", "-q", "--resume", "run.npz"]) == 0  # continuing is not refused
    assert load_checkpoint("run.npz")["trainer"]["epoch"] == 3
    assert main([*TRAIN, "--checkpoint", "run.npz", "--overwrite"]) == 0
    assert load_checkpoint("run.npz")["trainer"]["epoch"] == 1


def test_a_model_or_history_saved_over_an_earlier_one_says_it_replaced_it(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    outputs = ["--save", "m.npz", "--history", "h.csv"]
    assert main([*TRAIN, *outputs]) == 0
    first = capsys.readouterr().out
    assert "model saved to m.npz\n" in first and "history saved to h.csv\n" in first
    assert main([*TRAIN, *outputs]) == 0
    again = capsys.readouterr().out
    assert "model saved to m.npz, replacing the earlier file there\n" in again
    assert "history saved to h.csv, replacing the earlier file there\n" in again


def test_resuming_a_file_that_is_no_checkpoint_says_so_not_overwrite(tmp_path, no_training, capsys, monkeypatch):
    # --checkpoint defaults to --resume: the file is read before it is written, so its fault is what is named.
    monkeypatch.chdir(tmp_path)
    Path("junk.npz").write_text("junk\n")
    assert main(["train", "--resume", "junk.npz"]) == 1
    error = capsys.readouterr().err
    assert error.startswith("minidl: error: checkpoint 'junk.npz' is not an .npz archive") and "overwrite" not in error
    assert Path("junk.npz").read_text() == "junk\n"


def test_save_over_a_checkpoint_is_refused_unless_overwrite(tmp_path, capsys, monkeypatch):
    # A model file cannot be resumed: replacing a checkpoint with one loses the run.
    monkeypatch.chdir(tmp_path)
    assert main([*TRAIN, "--epochs", "1", "--checkpoint", "run.npz"]) == 0
    before = Path("run.npz").read_bytes()
    capsys.readouterr()
    assert main([*TRAIN, "--epochs", "1", "--save", "run.npz", "--checkpoint", "other.npz"]) == 1
    assert capsys.readouterr().err == (
        "minidl: error: --save 'run.npz' already holds a minidl checkpoint at epoch 1 of 1, which this new run "
        "would replace; continue it with --resume run.npz, or choose another file name, or pass --overwrite "
        "(overwrite=True in Python) to replace it\n")
    assert Path("run.npz").read_bytes() == before and not Path("other.npz").exists()
    assert main([*TRAIN, "--epochs", "1", "--save", "run.npz", "--overwrite"]) == 0
    assert load_model("run.npz") is not None
