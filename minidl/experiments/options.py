"""What an experiment takes, declared once, above the experiment's own function.

Each experiment function is declared by :func:`experiment`: the name of
``minidl experiment NAME``, a one-line summary, examples and the options of
its own. The declaration is a :class:`Command`, kept as the function's
``command``. :mod:`minidl.cli.experiments` finds every function of this
package that has one and builds its parser from it, so a new experiment is
one new file.

An :class:`Option` says *what* its value is (its ``kind``: a count, a
fraction, comma-separated names, ...) and which argument of the function it
fills. A kind of number stands for a constraint of :mod:`minidl.settings`
(:data:`CONSTRAINTS`: a count is ``COUNT``, a whole number >= 1), and the
one constraint serves twice: the command line reads the option's text with
it, and the function, called from Python, checks its argument with it before
it runs (as ``check(iterations, COUNT, "iterations")`` would), so
``compare_optimizers(iterations=0)`` and ``--iterations 0`` are refused in
the same words. Its default, unless the option gives one, is the function's
own default for that argument, so it is written once, in the signature. The
options that follow from the signature alone are added by the command line:
a function taking ``dataset`` gets ``--dataset`` and ``--data-home``, ``seed``
gets ``--seed`` (checked as :data:`SIGNATURE_SETTINGS` says), ``n_jobs`` gets
``--n-jobs`` and ``--scheduler``, and ``progress`` is the opposite of
``--quiet``.
"""

from __future__ import annotations

import functools
import inspect
import re
from dataclasses import dataclass, field
from typing import Callable

from minidl.settings import COUNT, HIDDEN_SIZES, Integer, Real, Sequence, check


class _FromSignature:
    def __repr__(self):
        return "the function's default"


#: The default of an option that takes the function's default for its argument.
FROM_SIGNATURE = _FromSignature()

#: The kinds of value an option may hold (see :mod:`minidl.cli.experiments` for how each is read).
KINDS = ("text", "lowercase", "integer", "count", "whole", "number", "non-negative", "fraction", "names",
         "initialisations", "initialisation", "range", "optimizer-settings")

#: What an option of each kind of number takes: its text is read with this constraint, and the
#: function's argument checked with it.
CONSTRAINTS = {
    "integer": Integer(),
    "count": COUNT,
    "whole": Integer(0),
    "number": Real(0, closed="neither"),
    "non-negative": Real(0),
    "fraction": Real(0, 1, closed="left"),
}

#: What the argument of an option of each kind of sequence takes: a list or tuple, not a string (which
#: would be read letter by letter). On the command line the text is read as the kind says.
SEQUENCES = {
    "names": Sequence('a sequence of names such as ("sgd", "adam")'),
    "initialisations": Sequence('a sequence of initialisations such as ("he", 0.01)'),
}

#: The arguments every experiment that trains takes alike, documented once (see :mod:`minidl.experiments`).
SHARED_ARGUMENTS = ("progress", "out", "n_jobs")

#: The constraints of arguments checked in every function that takes them, with or without an option
#: of their own (``--seed`` follows from the signature; ``batch_size`` is not an option of every
#: experiment, ``hidden_sizes`` of none). A seed is counted on from (``seed, seed + 1, ...``), so here it
#: is a whole number, not None.
SIGNATURE_SETTINGS = {"seed": Integer(0), "batch_size": COUNT, "hidden_sizes": HIDDEN_SIZES}


@dataclass(frozen=True)
class Option:
    """One option of ``minidl experiment NAME``.

    Attributes
    ----------
    flag : str
        Such as ``"--epochs"``; the value is ``options.epochs``.
    help : str
        What it means, for ``--help`` (its default is added there).
    kind : str, default "text"
        One of :data:`KINDS`: how the text typed is read and checked.
    default : object, default FROM_SIGNATURE
        The function's default for ``parameter`` unless given here.
    parameter : str or None, optional
        The function's argument it fills; default: the flag's name with
        ``_`` for ``-``. None: not an argument of the function.
    plot : str, optional
        Instead an argument of the result's ``plot()``, such as ``"smoothing"``.
    convert : callable, optional
        ``convert(value, options)`` gives the function's argument from the
        value and the other options (e.g. a learning rate into
        ``optimizer_params``).
    metavar : str, optional
    choices : tuple, optional
    aliases : tuple of str, optional
        Other flags for the same option, such as an older name kept working.
    constraint : optional
        What the function's argument takes, if narrower than the kind's
        constraint (``Integer(2)``); the text of a number is read with it too.
        With ``convert``, what the converted argument takes.
    fix : str, optional
        What to do, added to the message when the argument is refused.
    checked_by : str, optional
        Who checks the argument instead of the experiment: the object it is
        handed to, in its own words (``"MLP"`` for ``dropout``).
    """

    flag: str
    help: str
    kind: str = "text"
    default: object = FROM_SIGNATURE
    parameter: str | None = ""
    plot: str | None = None
    convert: Callable | None = None
    metavar: str | None = None
    choices: tuple | None = None
    aliases: tuple = ()
    constraint: object = None
    fix: str | None = None
    checked_by: str | None = None

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"option {self.flag}: kind {self.kind!r} is not one of {KINDS}")

    @property
    def dest(self):
        """The attribute of the parsed options that holds the value: ``--lr-range`` -> ``lr_range``."""
        return self.flag.lstrip("-").replace("-", "_")

    @property
    def target(self):
        """The function's argument this option fills, or None (a drawing option, or none)."""
        if self.plot is not None:
            return None
        return self.dest if self.parameter == "" else self.parameter

    @property
    def setting(self):
        """The constraint the experiment checks its argument with, or None (none, or checked by another)."""
        if self.target is None or self.checked_by is not None:
            return None
        if self.convert is not None:  # the argument is made from the value: only its own constraint holds it
            return self.constraint
        return self.constraint or CONSTRAINTS.get(self.kind) or SEQUENCES.get(self.kind)


@dataclass(frozen=True)
class Command:
    """An experiment as the command ``minidl experiment NAME``.

    Attributes
    ----------
    name : str
    number : int
        Its place in ``minidl experiment --help`` (the experiment's number).
    summary : str
        One line, lower case, for the list of experiments.
    examples : tuple of str
        Command lines shown by ``--help``.
    function : callable
        The experiment, called with the options' arguments.
    options : tuple of Option
        Its own options, in the order ``--help`` lists them.
    stem : callable, optional
        ``stem(options)``: the file name stem of its outputs (default: ``name``).
    settings : dict, optional
        Constraints of the function's other arguments, those no option sets
        (``{"bins": COUNT}``).
    explain : callable, optional
        ``explain(error, arguments)``: a ``ValueError`` of the function told
        in the options' words, or None to let it stand (see :meth:`run`).
    """

    name: str
    number: int
    summary: str
    examples: tuple
    function: Callable
    options: tuple = ()
    stem: Callable | None = None
    settings: dict = field(default_factory=dict, hash=False)  # frozen: the Command stays hashable
    explain: Callable | None = None

    @property
    def parameters(self):
        """The function's parameters by name (``inspect.Parameter``)."""
        return inspect.signature(self.function).parameters

    def default(self, option):
        """The default of ``option``: its own, or the function's for its argument."""
        if option.default is not FROM_SIGNATURE:
            return option.default
        if option.target not in self.parameters:
            raise ValueError(f"experiment {self.name!r}: option {option.flag} fills {option.target!r}, which "
                             f"{self.function.__name__} does not take; give the option a default or a parameter")
        return self.parameters[option.target].default

    def arguments(self, options):
        """The keyword arguments of the function, from the parsed ``options`` of its own options."""
        arguments = {}
        for option in self.options:
            if option.target is not None:
                value = getattr(options, option.dest)
                arguments[option.target] = value if option.convert is None else option.convert(value, options)
        return arguments

    def checks(self):
        """Argument -> ``(option, constraint, fix)``: what the function's arguments are checked with.

        ``option`` is the flag that sets it on the command line (None if no option does).
        """
        checks = {parameter: (f"--{parameter.replace('_', '-')}", constraint, None)
                  for parameter, constraint in SIGNATURE_SETTINGS.items() if parameter in self.parameters}
        checks.update({parameter: (None, constraint, None) for parameter, constraint in self.settings.items()})
        checks.update({option.target: (option.flag, option.setting, option.fix)
                       for option in self.options if option.setting is not None})
        return checks

    def checked(self, arguments, command_line=False):
        """``arguments`` (a dict), each one declared checked and cleaned by :func:`minidl.settings.check`.

        The error names the argument, or with ``command_line`` the option
        that set it (``--filter-size must be ...``). None, where the
        function's default is None, means "not given" and is let through.
        """
        checked = dict(arguments)
        for parameter, (flag, constraint, fix) in self.checks().items():
            value = checked.get(parameter)
            if parameter in checked and not (value is None and self.parameters[parameter].default is None):
                checked[parameter] = check(value, constraint, flag if command_line and flag else parameter, fix=fix)
        return checked

    def flag_hint(self, keywords):
        """``"; the command line's --inits is ..."`` for keywords that are options' names, not the arguments'.

        Only for options whose value is the argument as typed; ``--lr``,
        which becomes ``optimizer_params={"lr": ...}``, is left to the
        docstring.
        """
        meant = [f"--{word.replace('_', '-')} is the argument {option.target}" for option in self.options
                 for word in [option.flag.lstrip("-").replace("-", "_")]
                 if word in keywords and word not in self.parameters and option.target in self.parameters
                 and option.convert is None]
        return f"; on the command line {' and '.join(meant)} (see help({self.function.__name__}))" if meant else ""

    def run(self, arguments):
        """The function's result for the command line's ``arguments``, an error said in the options' words."""
        try:
            return self.function(**self.checked(arguments, command_line=True))
        except ValueError as error:
            explained = None if self.explain is None else self.explain(error, arguments)
            if explained is None:
                raise
            raise ValueError(explained) from None

    def plot_arguments(self, options):
        """The keyword arguments of the result's ``plot()``, from the drawing options."""
        return {option.plot: getattr(options, option.dest) for option in self.options if option.plot is not None}

    def output_stem(self, options):
        return self.name if self.stem is None else self.stem(options)


def experiment(name, number, summary, examples, options=(), **declared):
    """Declare the experiment function below: its command and the checks of its arguments, once.

    ``@experiment("compare", 2, summary, examples, options)`` makes the
    :class:`Command` of ``minidl experiment compare`` (``declared`` holds its
    other fields: ``stem``, ``settings``, ``explain``) and returns the
    function with its arguments checked as the command declares
    (:meth:`Command.checked`) before it runs; the command is its
    ``command``. The arguments all experiments share (``progress``, ``out``,
    ``n_jobs``) get their documentation here, added to the docstring.
    """
    def declare(function):
        command = Command(name, number, summary, tuple(examples), function, tuple(options), **declared)

        signature = inspect.signature(function)

        @functools.wraps(function)
        def checked_function(*args, **kwargs):
            try:
                arguments = signature.bind(*args, **kwargs)
            except TypeError as error:  # as Python words it, with the function's name
                raise TypeError(f"{function.__name__}() {error}{command.flag_hint(kwargs)}") from None
            arguments.apply_defaults()
            return function(**command.checked(arguments.arguments))

        checked_function.__doc__ = with_shared_arguments(function.__doc__ or "", command)
        checked_function.command = command
        return checked_function

    return declare


#: The numpydoc sections that come after "Other Parameters".
LATER_SECTIONS = ("Raises", "Warns", "Warnings", "See Also", "Notes", "References", "Examples")


def with_shared_arguments(doc, command):
    """``doc`` with the section on the :data:`SHARED_ARGUMENTS` that ``command``'s function takes.

    numpydoc's "Other Parameters" section, put where numpydoc orders it:
    after "Returns", before "Notes" and the other later sections.
    """
    shared = [argument for argument in SHARED_ARGUMENTS if argument in command.parameters]
    if not shared:
        return doc
    indent = min(re.findall(r"\n( *)\S", doc), key=len, default="")
    files = f"; ``out``\n{indent}    gets ``{command.name}.csv`` and ``{command.name}.json``" if "out" in shared else ""
    section = (f"{indent}Other Parameters\n{indent}----------------\n{indent}{', '.join(shared)}\n"
               f"{indent}    As for every experiment (see :mod:`minidl.experiments`){files}.\n")
    later = re.search(rf"^{indent}({'|'.join(LATER_SECTIONS)})\n{indent}-+$", doc, re.MULTILINE)
    if later is None:
        return f"{doc.rstrip()}\n\n{section}{indent}"
    return f"{doc[:later.start()]}{section}\n{doc[later.start():]}"


# ---------------------------------------------------------------- options several experiments share
def learning_rate(default):
    """``--lr``: the learning rate of the one optimizer, into ``optimizer_params``."""
    return Option("--lr", "learning rate", "number", default=default, parameter="optimizer_params",
                  convert=lambda value, options: {} if value is None else {"lr": value})


def optimizer():
    return Option("--optimizer", "see: minidl optimizers", metavar="NAME")


def optimizers():
    """``--optimizers`` and ``--set``: the optimizers compared, and any hyperparameter of each."""
    return (Option("--optimizers", "registered optimizer names, comma-separated (see: minidl optimizers)", "names",
                   metavar="NAMES"),
            Option("--set", "a hyperparameter of one optimizer, e.g. adam.lr=0.01 or momentum.momentum=0.95 "
                   "(repeatable)", "optimizer-settings", default=None, parameter="hyperparameters",
                   metavar="OPTIMIZER.NAME=VALUE"))


def iterations():
    """``--iterations``, ``--batch-size`` and ``--smooth`` of the experiments counting mini-batch updates."""
    return (Option("--iterations", "mini-batch updates per run", "count"),
            batch_size(),
            Option("--smooth", "draw a moving average over WINDOW iterations, 1 for the raw losses (the CSV keeps "
                   "the raw losses)", "count", default=20, plot="smoothing", metavar="WINDOW"))


def batch_size():
    return Option("--batch-size", "samples per mini-batch update", "count")


def seeds():
    return Option("--seeds", "repeat with seeds SEED, SEED+1, ...; the figure shows the mean and a band of one std",
                  "count")


def samples_and_epochs(each="run"):
    """``--samples`` and ``--epochs`` of the experiments counting epochs on the first samples."""
    return (Option("--samples", "training samples used (the first ones)", "count",
                   constraint=Integer(1, none="every training sample")),
            Option("--epochs", f"passes over the training samples per {each}", "count"))


def activation():
    return Option("--activation", "activation function of the hidden layers", "lowercase",
                  choices=("relu", "sigmoid", "tanh"))


def initialisations(default=FROM_SIGNATURE, convert=None, defaults=None):
    """``--inits``: the initialisations compared; ``defaults`` says what they are when they depend on other options."""
    return Option("--inits", "initialisations, comma-separated: he, xavier, he_uniform, xavier_uniform or a standard "
                  "deviation such as 0.01" + (f" (default: {defaults})" if defaults else ""), "initialisations",
                  default=default, parameter="initialisations", convert=convert, constraint=SEQUENCES["initialisations"],
                  metavar="INITS")
