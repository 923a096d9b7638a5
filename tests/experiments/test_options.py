"""Experiments declare their options once: defaults from the signature, arguments, drawing options, the parser."""

import argparse

import pytest

from minidl.cli.experiments import COMMANDS, add_options, compute, output_stem
from minidl.experiments import compare_initialisations
from minidl.experiments.options import Command, Option, experiment, learning_rate
from minidl.settings import COUNT, Integer


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


@experiment("declared", 96, "a declared toy", ("minidl experiment declared",),
            (Option("--epochs", "passes", "count"),
             Option("--size", "filter size", "count", constraint=Integer(2), fix="a size of 1 has no neighbours"),
             Option("--samples", "the first samples (default: all)", "count"),
             Option("--dropout", "dropout ratio", "fraction", checked_by="MLP")),
            settings={"bins": COUNT})
def declared(epochs=3, size=5, samples=None, dropout=0.5, bins=10, seed=0, progress=True, out=None):
    """Say what was given.

    Returns
    -------
    dict
    """
    return {"epochs": epochs, "size": size, "samples": samples, "dropout": dropout, "bins": bins, "seed": seed}


@pytest.mark.parametrize("arguments, message", [
    ({"epochs": 0}, "epochs must be a whole number >= 1; got 0"),
    ({"epochs": 2.5}, "epochs must be a whole number >= 1; got 2.5 of type float"),
    ({"size": 1}, "size must be a whole number >= 2; got 1; a size of 1 has no neighbours"),
    ({"samples": 0}, "samples must be a whole number >= 1; got 0"),
    ({"bins": 0}, "bins must be a whole number >= 1; got 0"),
    ({"seed": -1}, "seed must be a whole number >= 0; got -1"),
    ({"seed": None}, "seed must be a whole number >= 0; got None"),
])
def test_a_declared_function_checks_its_arguments_as_declared_before_it_runs(arguments, message):
    with pytest.raises(ValueError) as error:
        declared(**arguments)
    assert str(error.value) == message


def test_the_declared_checks_clean_let_none_defaults_through_and_leave_others_to_whom_they_name():
    import numpy as np

    assert declared(np.int64(4), samples=None, dropout=7) == {"epochs": 4, "size": 5, "samples": None, "dropout": 7,
                                                              "bins": 10, "seed": 0}
    assert type(declared(np.int64(4))["epochs"]) is int
    assert declared.command.name == "declared" and declared.__name__ == "declared"


def test_on_the_command_line_the_error_names_the_option():
    args = parse(declared.command, ["--size", "2"])
    args.size = 1  # past the parser, which reads the text with the same constraint (see the next test)
    with pytest.raises(ValueError, match=r"^--size must be a whole number >= 2; got 1; a size of 1 has no neighbours$"):
        compute(declared.command, args)
    assert compute(declared.command, parse(declared.command, ["--size", "2", "--seed", "3"]))["seed"] == 3


@pytest.mark.parametrize("size", ["0", "1"])
def test_the_parser_reads_a_number_with_the_option_s_own_constraint_and_fix(size, capsys):
    with pytest.raises(SystemExit) as exited:
        parse(declared.command, ["--size", size])
    assert exited.value.code == 2
    assert capsys.readouterr().err.splitlines()[-1].endswith(
        f"error: argument --size: expected a whole number >= 2, got '{size}'; a size of 1 has no neighbours")


def test_a_wrong_keyword_is_told_with_the_function_name_and_the_python_name_of_a_command_line_option():
    with pytest.raises(TypeError, match=r"^compare_initialisations\(\) got an unexpected keyword argument 'inits'; on "
                                        r"the command line --inits is the argument initialisations "
                                        r"\(see help\(compare_initialisations\)\)$"):
        compare_initialisations(inits=["he"])
    with pytest.raises(TypeError, match=r"^compare_initialisations\(\) got an unexpected keyword argument 'lr'$"):
        compare_initialisations(lr=0.1)  # --lr becomes optimizer_params={"lr": 0.1}: no hint to misread
    with pytest.raises(TypeError, match=r"^declared\(\) got an unexpected keyword argument 'epoch'$"):
        declared(epoch=3)


def test_the_shared_arguments_are_documented_once_after_each_docstring():
    assert declared.__doc__.startswith("Say what was given.")
    assert "Other Parameters\n    ----------------\n    progress, out\n        As for every experiment" in declared.__doc__
    assert "``declared.csv`` and ``declared.json``" in declared.__doc__


@pytest.mark.parametrize("module, function", [("batchnorm", "compare_batchnorm"), ("overfitting", "overfitting"),
                                              ("search", "random_search")])
def test_batch_size_is_checked_before_the_data_loads_where_it_is_no_option(module, function, monkeypatch):
    import importlib

    experiment_module = importlib.import_module(f"minidl.experiments.{module}")
    monkeypatch.setattr(experiment_module, "load_data", lambda *args: pytest.fail("the data was loaded first"))
    with pytest.raises(ValueError, match=r"^batch_size must be a whole number >= 1; got 0$"):
        getattr(experiment_module, function)(batch_size=0, progress=False)


def test_samples_none_still_means_every_training_sample(monkeypatch):
    import importlib

    module = importlib.import_module("minidl.experiments.overfitting")  # the attribute is the function

    class Loaded(Exception):
        pass

    def load_data(dataset, samples):
        raise Loaded(samples)

    monkeypatch.setattr(module, "load_data", load_data)
    with pytest.raises(Loaded) as loaded:
        module.overfitting(samples=None, progress=False)
    assert loaded.value.args == (None,)  # None reaches the loader, which then takes every sample


def test_the_shared_arguments_section_goes_before_notes_as_numpydoc_orders_sections():
    @experiment("noted", 9, "a docstring with Notes", ())
    def noted(out=None):
        """Say nothing.

        Returns
        -------
        None

        Notes
        -----
        A note.
        """

    doc = noted.__doc__
    assert doc.index("Returns") < doc.index("Other Parameters") < doc.index("Notes") and doc.count("Notes") == 1
    assert "        gets ``noted.csv`` and ``noted.json``.\n\n        Notes\n        -----\n" in doc


TAKING_WIDTHS = [command for command in COMMANDS.values() if "hidden_sizes" in command.parameters]


@pytest.mark.parametrize("command", TAKING_WIDTHS, ids=lambda command: command.name)
def test_every_experiment_taking_hidden_sizes_checks_them_before_it_runs(command, monkeypatch):
    import importlib

    assert len(TAKING_WIDTHS) == 5  # compare, init, batchnorm, overfit, search
    module = importlib.import_module(command.function.__module__)
    monkeypatch.setattr(module, "load_data", lambda *args: pytest.fail("the data was loaded first"))
    declared_function = getattr(module, command.function.__name__)  # checked as declared (command.function is not)
    with pytest.raises(ValueError, match=r"^hidden_sizes\[1\] must be a whole number >= 1; got 0$"):
        declared_function(hidden_sizes=(5, 0), progress=False)
    with pytest.raises(ValueError, match=r"^hidden_sizes must be a list of positive integers such as \[100, 100\]; "
                                         r"got \{5: 1\}$"):
        declared_function(hidden_sizes={5: 1}, progress=False)
