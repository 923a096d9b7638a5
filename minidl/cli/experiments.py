"""Reproduce the book's experiments, from optimizers to a CNN's filters: a figure and its numbers each.

Each experiment writes into --out DIR a PNG figure and the numbers behind it,
NAME.csv (one observation a row) and NAME.json (settings and summary). All run
offline on the 8x8 digits by default, in about a minute or less; --dataset
mnist (or fashion-mnist, idx:DIR) runs the same on 28x28 images. The same
--seed gives bit-identical numbers on the same machine, numpy/BLAS build and
thread count; another CPU's BLAS kernel changes the last digits.

examples:
  minidl experiment paths --out results
  minidl experiment compare --seeds 3 --iterations 500 --out results
  minidl experiment compare --optimizers sgd,adam,rmsprop --set adam.lr=0.01 --iterations 500
  minidl experiment init --dataset mnist --out results
  minidl experiment activations --activation relu --inits 0.01,xavier,he
  minidl experiment search --trials 50 --no-plot
  minidl experiment filters --out results
  minidl experiment compare --seeds 4 --n-jobs 2      # two runs at a time

Run "minidl experiment NAME --help" for the options of each experiment.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import importlib
import pkgutil
from pathlib import Path

import numpy as np

from minidl import optim
from minidl.cli import arguments
from minidl.cli.arguments import DATA_HOME_HELP, DATASET_HELP, HelpFormatter, add_command, data_home, lowercase
from minidl.experiments.options import CONSTRAINTS, SIGNATURE_SETTINGS, Command
from minidl.settings import Integer, Real
from minidl.threads import limit_threads


# ================================================================ option parsing
def names(text):
    """``"sgd,Adam"`` -> ``["sgd", "adam"]``."""
    values = [part.strip().lower() for part in text.split(",") if part.strip()]
    if not values:
        raise argparse.ArgumentTypeError(f"expected comma-separated names like sgd,adam, got {text!r}")
    return values


def initialisations(text):
    """``"0.01,xavier,he"`` -> ``[0.01, "xavier", "he"]`` (numbers are standard deviations)."""
    values = []
    for part in names(text):
        try:
            values.append(float(part))
        except ValueError:
            values.append(part)
    return values


def initialisation(text):
    """``"0.01"`` -> ``0.01`` (a standard deviation); ``"He"`` -> ``"he"``."""
    values = initialisations(text)
    if len(values) != 1:
        raise argparse.ArgumentTypeError(f"expected one initialisation like he or 0.01, got {text!r}")
    return values[0]


#: ``"2"`` -> ``2``; ``"-1"`` -> ``-1`` (one job a core).
job_count = arguments.option_type(Integer(1, note="or -1 for one job a core", also=Integer(-1, -1)))


def number_range(text):
    """``"1e-4,1e-1"`` -> ``(0.0001, 0.1)``."""
    parts = text.split(",")
    try:
        low, high = (float(part) for part in parts)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected LOW,HIGH like 1e-4,1e-1, got {text!r}") from None
    return low, high


def per_optimizer(pairs):
    """``[("adam.lr", 0.01)]`` (from repeated ``--set``) -> ``{"adam": {"lr": 0.01}}``, numbers checked."""
    hyperparameters = {}
    for key, value in pairs or ():
        optimizer, dot, name = key.partition(".")
        if not dot or not optimizer or not name:
            raise ValueError(f"--set takes OPTIMIZER.NAME=VALUE such as adam.lr=0.01, got {key}={value!r}")
        chosen = hyperparameters.setdefault(optimizer.lower(), {})
        if name in chosen:
            raise ValueError(f"--set {optimizer}.{name} is given twice ({chosen[name]!r} and {value!r}); give it once")
        chosen[name] = value
    for optimizer, values in hyperparameters.items():
        optimizer_class = optim.available().get(optimizer)  # unknown names: reported by the experiment
        if optimizer_class is not None:  # "--set sgd.lr=abc" would reach SGD as the text 'abc'
            arguments.check_numbers(values, f"--set {optimizer}.", optimizer_class)
    return hyperparameters


def number(constraint, fix=None):
    """An argparse ``type`` reading the text as the number ``constraint`` takes (a Real: a float)."""
    return arguments.option_type(constraint, float if isinstance(constraint, Real) else int, fix)


def number_text(value):
    """``0.0001`` -> ``"1e-4"``, ``0.1`` -> ``"0.1"``: a number as one would type it, the shorter way."""
    plain = repr(float(value)).removesuffix(".0")
    scientific = np.format_float_scientific(value, trim="-", exp_digits=1)
    return scientific if len(scientific) < len(plain) else plain


#: How the text of an option of each other kind (minidl.experiments.options.KINDS) is read; see reader.
READERS = {
    "text": {},
    "lowercase": {"type": lowercase},
    "names": {"type": names},
    "initialisations": {"type": initialisations},
    "initialisation": {"type": initialisation},
    "range": {"type": number_range},
    "optimizer-settings": {"type": arguments.key_value, "action": "append"},
}


def reader(option):
    """How the text of ``option`` is read: a number with its constraint (its own, else its kind's), else as READERS says.

    So ``--filter-size``, declared ``Integer(2)``, refuses ``0`` and ``1``
    alike, with the option's ``fix``.
    """
    if option.kind in CONSTRAINTS:  # a conversion's constraint is the converted argument's, not the text's
        own = option.constraint if option.convert is None else None
        return {"type": number(own or CONSTRAINTS[option.kind], option.fix)}
    return READERS[option.kind]


def experiment_commands():
    """The command of every function of :mod:`minidl.experiments` declared with ``@experiment``, by number."""
    import minidl.experiments

    commands = {}
    for module in pkgutil.iter_modules(minidl.experiments.__path__):
        for value in vars(importlib.import_module(f"minidl.experiments.{module.name}")).values():
            if isinstance(getattr(value, "command", None), Command):
                commands[value.command.name] = value.command  # once, if another module imports the function too
    return sorted(commands.values(), key=lambda command: command.number)


COMMANDS = {command.name: command for command in experiment_commands()}
EXAMPLES = {name: list(command.examples) for name, command in COMMANDS.items()}


# ================================================================ the experiments
def compute(command, args):
    """Run ``command``'s experiment with the parsed options ``args``; return its result."""
    chosen = argparse.Namespace(**vars(args))
    for option in command.options:
        if option.kind == "optimizer-settings":  # "--set adam.lr=0.01" pairs, checked together
            setattr(chosen, option.dest, per_optimizer(getattr(args, option.dest)))
    values = command.arguments(chosen)
    # The options every experiment taking these parameters has (see add_options).
    shared = {"dataset": "dataset", "seed": "seed", "n_jobs": "n_jobs"}
    values.update({parameter: getattr(args, dest) for parameter, dest in shared.items()
                   if parameter in command.parameters})
    if "progress" in command.parameters:
        values["progress"] = not args.quiet
    return command.run(values)


def draw(result, args):
    """The figure of ``result``, with the drawing options this experiment has."""
    return result.plot(**COMMANDS[args.experiment].plot_arguments(args))


COMPUTE = {name: functools.partial(compute, command) for name, command in COMMANDS.items()}


# ================================================================ the parser
def add_option(parser, command, option):
    """Declare one of the experiment's own options (an :class:`~minidl.experiments.options.Option`)."""
    default = command.default(option)
    if option.kind in ("names", "initialisations") and isinstance(default, (tuple, list)):
        # argparse passes a string default through `type` too, so the help shows it as typed.
        default = ",".join(map(str, default))
    if option.kind == "range" and isinstance(default, (tuple, list)):
        default = ",".join(map(number_text, default))  # as typed: 1e-4,0.1, not (0.0001, 0.1)
    settings = {name: value for name, value in (("metavar", option.metavar), ("choices", option.choices))
                if value is not None}
    parser.add_argument(option.flag, *option.aliases, **reader(option), default=default, dest=option.dest,
                        help=option.help, **settings)


def add_options(parser, command):
    """Declare the options of ``command``: its own, those its function's signature implies, and the output's."""
    add, parameters = parser.add_argument, command.parameters
    if "dataset" in parameters:
        add("--dataset", default=parameters["dataset"].default, help=DATASET_HELP)
        add("--data-home", default=None, metavar="DIR", help=DATA_HOME_HELP)
    for option in command.options:
        add_option(parser, command, option)
    if "seed" in parameters:
        add("--seed", type=number(SIGNATURE_SETTINGS["seed"]), default=parameters["seed"].default,
            help="first seed: the same seed gives the same numbers")
    if "n_jobs" in parameters:
        add("--n-jobs", type=job_count, default=None, metavar="N",
            help="train N runs at a time, in worker processes (-1: one a core); the numbers do not change "
                 "(default: 1)")
        add("--scheduler", default=None, metavar="ADDRESS",
            help="send the runs to the Dask cluster whose scheduler is at ADDRESS, e.g. tcp://10.0.0.5:8786 "
                 '(pip install -e ".[distributed]")')
    add("--out", default="results", metavar="DIR", help="folder for NAME.png, NAME.csv and NAME.json")
    add("--name", default=None, help="file name stem to use instead of the experiment's name")
    add("--no-plot", action="store_true", help="write only the CSV and JSON (no matplotlib needed)")
    arguments.add_threads_option(parser)
    add("--quiet", action="store_true", help="no progress report and no summary")


def add_parser(subparsers):
    parser = add_command(subparsers, "experiment", __doc__,
                         "reproduce the experiments, from optimizers and initialisation to a CNN's filters "
                         "(figures and numbers)")
    experiments = parser.add_subparsers(title="experiments", dest="experiment", metavar="NAME", required=True)
    for name, command in COMMANDS.items():
        description = f"{command.summary[0].upper()}{command.summary[1:]}.\n\nexamples:\n" + "\n".join(
            f"  {example}" for example in command.examples)
        experiment = experiments.add_parser(name, help=command.summary, description=description,
                                            formatter_class=HelpFormatter)
        add_options(experiment, command)
        experiment.set_defaults(parser=experiment)  # an unknown option is reported by the experiment's own parser
    return parser


def output_stem(args):
    """The file name stem of an experiment's outputs: ``--name``, else the experiment's name.

    ``activations`` adds the activation (``activations-relu``), so that its
    sigmoid and ReLU figures can sit in one folder.
    """
    return args.name or COMMANDS[args.experiment].output_stem(args)


def run(args):
    from minidl.experiments.results import check_folder, save_numbers
    from minidl.plotting import check_plotting_available, save_figure

    if not args.no_plot:
        try:
            check_plotting_available()  # before minutes of training, not after
        except ModuleNotFoundError as error:
            raise ValueError(f"{error}, or add --no-plot to write only the numbers") from error
    stem = output_stem(args)
    outputs = [f"{stem}.csv", f"{stem}.json"] + ([] if args.no_plot else [f"{stem}.png"])
    folder = check_folder(args.out, outputs)  # created only when the results are written
    # Without --threads, each training run decides for its own network.
    threads = contextlib.nullcontext() if args.threads is None else limit_threads(args.threads)
    with data_home(getattr(args, "data_home", None)), threads, where_to_run(args):
        result = COMPUTE[args.experiment](args)
    written = list(save_numbers(result, folder, stem))
    if not args.no_plot:
        written.append(save_figure(draw(result, args), Path(folder) / f"{stem}.png"))
    if not args.quiet:
        print("\n".join(result.summary()))
        print("wrote " + ", ".join(str(path) for path in written))
    return 0


def where_to_run(args):
    """A context in which the runs go to ``--scheduler``'s Dask cluster; a context that does nothing without it."""
    from minidl.experiments.dispatch import dask_scheduler

    if getattr(args, "scheduler", None) is None:
        return contextlib.nullcontext()
    if args.n_jobs is not None:
        raise ValueError("--n-jobs and --scheduler do not go together: on a Dask cluster every worker thread "
                         "takes runs; drop --n-jobs")
    try:
        return dask_scheduler(args.scheduler)
    except ModuleNotFoundError as error:  # an error of the user's setup: one line, not a traceback
        raise ValueError(str(error)) from error
