"""Experiments declare their options once: defaults from the signature, arguments, drawing options, the parser."""

import argparse

import pytest

from minidl.cli.experiments import COMMANDS, add_options, compute, output_stem
from minidl.experiments.options import Command, Option, learning_rate


def toy(dataset="digits", epochs=7, optimizer_params=None, seed=0, progress=True, n_jobs=None):
    """An experiment that only says what it was given."""
    return {"dataset": dataset, "epochs": epochs, "optimizer_params": optimizer_params, "seed": seed,
            "progress": progress, "n_jobs": n_jobs}


TOY = Command("toy", 99, "a toy", ("minidl experiment toy",), toy,
              (Option("--epochs", "passes", "count"), learning_rate(0.5),
               Option("--width", "line width", "count", default=2, plot="linewidth")),
              stem=lambda chosen: f"toy-{chosen.epochs}")


def parse(command, words):
    parser = argparse.ArgumentParser()
    add_options(parser, command)
    return parser.parse_args(words)


def test_defaults_come_from_the_signature_unless_the_option_gives_one():
    epochs, lr, width = TOY.options
    assert TOY.default(epochs) == 7 and TOY.default(lr) == 0.5 and TOY.default(width) == 2


def test_one_declaration_gives_the_parser_the_call_and_the_drawing():
    args = parse(TOY, ["--epochs", "3", "--lr", "0.1", "--width", "4", "--seed", "2", "--n-jobs", "2", "--quiet"])
    assert compute(TOY, args) == {"dataset": "digits", "epochs": 3, "optimizer_params": {"lr": 0.1}, "seed": 2,
                                  "progress": False, "n_jobs": 2}
    assert TOY.plot_arguments(args) == {"linewidth": 4}
    args.experiment = "toy"
    assert TOY.output_stem(args) == "toy-3"
    defaults = parse(TOY, [])
    assert (defaults.epochs, defaults.lr, defaults.dataset, defaults.scheduler) == (7, 0.5, "digits", None)


def test_a_signature_without_dataset_seed_or_n_jobs_gets_no_such_options():
    command = Command("bare", 98, "bare", (), lambda steps=3: steps, (Option("--steps", "updates", "count"),))
    args = parse(command, ["--steps", "5"])
    assert not {"dataset", "seed", "n_jobs", "scheduler"} & set(vars(args))
    assert compute(command, args) == 5
    with pytest.raises(SystemExit):
        parse(command, ["--seed", "1"])


def test_an_option_for_a_parameter_the_function_lacks_is_refused():
    command = Command("typo", 97, "typo", (), toy, (Option("--epoch", "passes", "count"),))
    with pytest.raises(ValueError, match="option --epoch fills 'epoch', which toy does not take"):
        command.default(command.options[0])


def test_an_unknown_kind_is_refused():
    with pytest.raises(ValueError, match="kind 'counts' is not one of"):
        Option("--epochs", "passes", "counts")


def test_every_experiment_module_declares_its_command_and_the_cli_lists_them_in_order():
    assert list(COMMANDS) == ["paths", "compare", "init", "activations", "batchnorm", "overfit", "search", "filters"]
    args = argparse.Namespace(name=None, experiment="activations", activation="relu")
    assert output_stem(args) == "activations-relu"
