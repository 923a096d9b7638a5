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
])
def test_user_errors_exit_1_with_one_line(arguments, message, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(arguments) == 1
    assert message in one_line_error(capsys)


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
