"""User errors: one line on stderr, no traceback, a non-zero exit code."""

import pytest

import minidl.training
from minidl.cli import main


def one_line_error(capsys):
    error = capsys.readouterr().err
    lines = error.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("minidl: error: "), error
    return lines[0]


def test_unknown_dataset_in_a_fresh_process_has_no_traceback(run_minidl):
    result = run_minidl("train", "--dataset", "nope")
    assert result.returncode == 1
    assert result.stderr.startswith("minidl: error: unknown dataset 'nope'")
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("arguments, message", [
    (["train", "--dataset", "idx:no-such-folder"], "no-such-folder"),
    (["train", "--dataset", "digits", "--optimizer", "nope"], "unknown optimizer 'nope'"),
    (["train", "--dataset", "digits", "--optimizer-param", "gamma=2"], "no hyperparameter ['gamma']"),
    (["train", "--dataset", "digits", "--early-stopping", "3"], "add --validation-fraction"),
    (["train", "--dataset", "digits", "--history", "history.txt"], ".csv or .json"),
    (["train", "--dataset", "digits", "--save", "no/such/folder/model.npz"], "does not exist"),
    (["train", "--dataset", "digits", "--schedule-param", "gamma=0.5"], "needs --schedule"),
    (["train", "--resume", "missing.npz"], "missing.npz' does not exist"),
    (["evaluate", "missing.npz"], "missing.npz' does not exist"),
    (["train", "--dataset", "digits", "--optimizer", "sgd", "--lr", "1e30", "--epochs", "2", "-q"],
     "training diverged: the loss became nan at epoch 1"),
    (["train", "--dataset", "digits", "--schedule", "cosine", "--schedule-param", "total_epochs=3", "--epochs", "5"],
     "CosineDecay(total_epochs=3, min_lr=0.0) gives lr = 0.0 in epoch 4 of 5"),
    (["train", "--dataset", "digits", "--schedule", "step", "--schedule-param", "step_size=two"],
     "--schedule-param step_size='two': step_size must be a number"),
    (["evaluate", "."], "model '.' is a folder, not a file"),
    (["train", "--resume", "."], "minidl: error: --resume '.' is a folder, not a file; give the path of a file in it"),
    (["experiment", "filters", "--filter-size", "12", "--no-plot"], "minidl: error: --filter-size 12 with --pad 2 "
     "leaves too little of the 8x8 images for the 2x2 pooling; use a smaller --filter-size or a larger --pad"),
])
def test_user_errors_exit_1_with_one_line(arguments, message, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(arguments) == 1
    assert message in one_line_error(capsys)


def test_an_unknown_schedule_lists_the_known_ones_only(capsys):
    assert main(["train", "--dataset", "digits", "--schedule", "warmup"]) == 1
    assert one_line_error(capsys) == ("minidl: error: unknown learning-rate schedule 'warmup'; "
                                      "known schedules: step, exponential, cosine, inverse-time")


@pytest.mark.parametrize("cache, where", [(None, "it is not in the data home 'HOME'"),
                                           (b"not an archive", "its cache 'HOME/minidl/mnist_784.npz' is corrupt")])
def test_mnist_offline_is_said_in_command_line_terms(cache, where, capsys, tmp_path, monkeypatch):
    import socket
    import urllib.error

    import sklearn.datasets

    def no_network(*args, **kwargs):
        raise urllib.error.URLError(socket.gaierror(-2, "Name or service not known"))

    monkeypatch.setattr(sklearn.datasets, "fetch_openml", no_network)
    if cache is not None:
        (tmp_path / "minidl").mkdir()
        (tmp_path / "minidl" / "mnist_784.npz").write_bytes(cache)
    assert main(["train", "--data-home", str(tmp_path)]) == 1
    last_line = capsys.readouterr().err.strip().splitlines()[-1]  # after the warning about a corrupt cache
    assert last_line == (
        f"minidl: error: cannot load MNIST: {where.replace('HOME', str(tmp_path))} and the download failed "
        "(<urlopen error [Errno -2] Name or service not known>); run once online to cache it, or use --dataset "
        "digits (works offline), --dataset idx:DIR (a folder of the four IDX files) or --data-home DIR (a folder "
        "holding a cached copy)")


@pytest.mark.parametrize("arguments", [
    ["train", "--hidden", "10,x"],
    ["train", "--epochs", "0"],
    ["train", "--optimizer-param", "momentum"],
    ["evaluate"],
    [],
])
def test_usage_errors_exit_2(arguments, capsys):
    with pytest.raises(SystemExit) as exit:
        main(arguments)
    assert exit.value.code == 2
    assert "usage: minidl" in capsys.readouterr().err


@pytest.mark.parametrize("size", ["0", "1"])
def test_a_filter_size_below_2_is_a_usage_error_with_its_reason(size, capsys):
    with pytest.raises(SystemExit) as exit:  # the parser reads it with the option's declared Integer(2)
        main(["experiment", "filters", "--filter-size", size, "--no-plot"])
    assert exit.value.code == 2
    assert capsys.readouterr().err.splitlines()[-1] == (
        f"minidl experiment filters: error: argument --filter-size: expected a whole number >= 2, got '{size}'; "
        "a 1x1 filter has no neighbours to compare")


def test_evaluate_refuses_a_model_of_another_dataset(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    from minidl import MLP, save_model

    save_model(MLP(784, [4], 10), "mnist-shaped.npz")
    assert main(["evaluate", "mnist-shaped.npz", "--dataset", "digits"]) == 1
    assert "does not fit data set 'digits' (64 features" in one_line_error(capsys)


def test_ctrl_c_exits_130_and_names_the_checkpoint(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    original_run_epoch = minidl.training.Trainer._run_epoch

    def interrupt_after_two_epochs(trainer, *args):
        if trainer.epoch == 2:
            raise KeyboardInterrupt
        original_run_epoch(trainer, *args)

    monkeypatch.setattr(minidl.training.Trainer, "_run_epoch", interrupt_after_two_epochs)
    code = main(["train", "--dataset", "digits", "--hidden", "8", "--epochs", "5", "-q", "--checkpoint", "run.npz"])
    assert code == 130
    assert one_line_error(capsys) == ("minidl: error: interrupted; last checkpoint kept at run.npz "
                                      "(continue with --resume run.npz)")


def test_resume_of_a_finished_run_asks_for_more_epochs(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["train", "--dataset", "digits", "--hidden", "8", "--epochs", "1", "-q", "--checkpoint", "c.npz"]) == 0
    capsys.readouterr()
    assert main(["train", "--resume", "c.npz"]) == 1
    assert "already finished its 1 epochs; pass --epochs N with N > 1" in one_line_error(capsys)


def test_an_unexpected_type_error_is_still_one_line(capsys, monkeypatch):
    import minidl.cli.optimizers

    def run(args):
        raise TypeError("momentum must be a real number; got 'x' of type str")

    monkeypatch.setattr(minidl.cli.optimizers, "run", run)  # the parser is built at each call of main
    assert main(["optimizers"]) == 1
    assert one_line_error(capsys) == "minidl: error: momentum must be a real number; got 'x' of type str (TypeError)"


def test_a_reader_that_goes_away_ends_the_command_quietly(tmp_path):
    import subprocess
    import sys

    from minidl import MLP, save_model

    save_model(MLP(64, [4], 10), tmp_path / "model.npz", metadata={"dataset": "digits"})
    process = subprocess.Popen([sys.executable, "-m", "minidl.cli", "evaluate", "model.npz"], cwd=tmp_path,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    process.stdout.close()  # like "| head" that has read enough: every write now fails with EPIPE
    errors = process.stderr.read().decode()
    assert process.wait(timeout=120) == 141  # 128 + SIGPIPE, as "yes | head" reports for yes
    assert errors == ""


def test_a_real_process_prints_one_line_and_no_traceback(tmp_path):
    # Moved here from tests/test_errors.py, which keeps the in-process table.
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-m", "minidl.cli", "evaluate", "missing.npz"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)
    assert (done.returncode, done.stderr) == (1, "minidl: error: model 'missing.npz' does not exist\n")
    assert list(tmp_path.iterdir()) == []


def test_a_hand_edited_checkpoint_is_one_line_for_resume_and_evaluate(tmp_path, capsys, monkeypatch):
    from minidl.files import save_npz
    from minidl.serialization import load_checkpoint, save_checkpoint

    monkeypatch.chdir(tmp_path)
    assert main(["train", "--dataset", "digits", "--hidden", "8", "--epochs", "1", "-q", "--checkpoint", "c.npz"]) == 0
    capsys.readouterr()
    state = load_checkpoint("c.npz")
    del state["trainer"]["has_schedule"]
    save_checkpoint("edited.npz", state)
    assert main(["train", "--resume", "edited.npz", "--epochs", "2"]) == 1
    assert "checkpoint 'edited.npz' is incomplete or not a trainer checkpoint (missing 'has_schedule')" \
        in one_line_error(capsys)
    save_npz("version.npz", {}, meta={"format": "minidl-model", "version": "1", "tree": {}})
    assert main(["evaluate", "version.npz"]) == 1
    assert "model 'version.npz' is damaged: its format version must be a whole number >= 1; got '1'" in one_line_error(capsys)


def test_sigterm_stops_training_like_ctrl_c_and_keeps_the_checkpoint(tmp_path):
    import signal
    import subprocess
    import sys
    import time

    from minidl.serialization import load_checkpoint

    # What kill, docker stop and SLURM do to a long run: SIGTERM, once the first checkpoint is written.
    command = [sys.executable, "-m", "minidl.cli", "train", "--dataset", "digits", "--hidden", "8", "--epochs", "100000",
               "--batch-size", "500", "-q", "--checkpoint", "run.npz"]
    process = subprocess.Popen(command, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while not (tmp_path / "run.npz").exists() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    process.send_signal(signal.SIGTERM)
    errors = process.communicate(timeout=120)[1]
    assert process.returncode == 143  # 128 + 15, what a process ended by SIGTERM reports
    assert errors == ("minidl: error: interrupted (SIGTERM); last checkpoint kept at run.npz "
                      "(continue with --resume run.npz)\n")
    assert load_checkpoint(tmp_path / "run.npz")["trainer"]["epoch"] >= 1
    assert sorted(path.name for path in tmp_path.iterdir()) == ["run.npz"]  # no temporary file left


def test_a_name_an_ascii_terminal_cannot_show_is_printed_escaped_and_the_run_succeeds(tmp_path):
    import os
    import subprocess
    import sys

    from minidl.serialization import load_model

    def run(*arguments):
        return subprocess.run([sys.executable, "-m", "minidl.cli", *arguments], cwd=tmp_path, capture_output=True,
                              timeout=120, env={**os.environ, "PYTHONIOENCODING": "ascii"})

    saved = run("train", "--dataset", "digits", "--hidden", "4", "--epochs", "1", "-q", "--save", "mod\u00e8le.npz")
    assert (saved.returncode, saved.stderr) == (0, b"")  # the save succeeded, and so does the command
    assert saved.stdout.endswith(b"model saved to mod\\xe8le.npz\n")
    assert sorted(path.name for path in tmp_path.iterdir()) == ["mod\u00e8le.npz"]
    assert load_model(tmp_path / "mod\u00e8le.npz").hidden_sizes == [4]
    missing = run("evaluate", "\u00fc.npz")
    assert (missing.returncode, missing.stderr) == (1, b"minidl: error: model '\\xfc.npz' does not exist\n")
    assert sorted(path.name for path in tmp_path.iterdir()) == ["mod\u00e8le.npz"]


def test_a_second_run_on_an_output_of_a_running_one_is_refused_before_its_first_step(tmp_path):
    import signal
    import subprocess
    import sys
    import time

    def start(*arguments):
        return subprocess.Popen([sys.executable, "-m", "minidl.cli", "train", "--dataset", "digits", "--hidden", "8",
                                 "--batch-size", "500", "-q", *arguments], cwd=tmp_path, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)

    def run(*arguments):
        process = start(*arguments)
        output, errors = process.communicate(timeout=120)
        return process.returncode, output, errors

    def wait_for(name, process):
        deadline = time.monotonic() + 120
        while not (tmp_path / name).exists() and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert process.poll() is None, process.communicate()

    first = start("--epochs", "100000", "--checkpoint", "run.npz", "--save", "m.npz")
    wait_for("run.npz", first)
    holder = (f"process {first.pid} (python -m minidl.cli train --dataset digits --hidden 8 --batch-size 500 -q "
              "--epochs 100000 --checkpoint run.npz --save m.npz)")
    for option, path in [("--checkpoint", "run.npz"), ("--save", "m.npz"), ("--resume", "run.npz")]:
        code, output, errors = run("--epochs", "2", option, path, "--overwrite" if option != "--resume" else "-q")
        assert (code, output) == (1, "")  # refused before the data is loaded: not even the header was printed
        assert errors == (f"minidl: error: {option} '{path}' is being written by another run: {holder} holds its "
                          f"lock '.{path}.lock'; wait for that run to end (or stop it), or choose another file name\n")
    first.send_signal(signal.SIGTERM)
    assert first.wait(timeout=120) == 143
    first.stdout.close()
    first.stderr.close()
    assert sorted(path.name for path in tmp_path.iterdir()) == ["run.npz"]  # no lock file left: it ended cleanly
    # A run killed outright leaves its lock file, which blocks no one, and the next run on it removes it.
    killed = start("--epochs", "100000", "--checkpoint", "other.npz")
    wait_for("other.npz", killed)
    killed.send_signal(signal.SIGKILL)
    killed.wait(timeout=120)
    killed.stdout.close()
    killed.stderr.close()
    assert ".other.npz.lock" in {path.name for path in tmp_path.iterdir()}
    assert run("--epochs", "1", "--checkpoint", "other.npz", "--overwrite")[0] == 0
    assert sorted(path.name for path in tmp_path.iterdir()) == ["other.npz", "run.npz"]
