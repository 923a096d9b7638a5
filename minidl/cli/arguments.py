"""Argument parsing helpers shared by the ``minidl`` commands.

Command-line values arrive as strings; these helpers turn them into Python
values and, when a value is malformed, raise ``argparse.ArgumentTypeError``
so argparse prints the usage line and exits with code 2.
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import inspect
import os
from pathlib import Path

from minidl.datasets.idx import IDX_FILES
from minidl.settings import COUNT, Integer, Real

DATASET_HELP = (
    "data set: mnist, fashion-mnist (downloaded once with internet access, then cached in the "
    "--data-home folder), digits (scikit-learn's bundled 8x8 digits, works offline) or idx:DIR "
    f"(a folder DIR holding the four files {', '.join(stem for stem, _ in IDX_FILES.values())}, "
    "each possibly .gz)"
)
DATA_HOME_HELP = (
    "folder where mnist and fashion-mnist are downloaded and cached (default: the SCIKIT_LEARN_DATA "
    "environment variable if set, else ~/scikit_learn_data)"
)


class HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Keep the examples' line breaks; show each option's default when it has a real one."""

    def _get_help_string(self, action):
        text = action.help or ""
        no_default = action.default is None or action.default is False or action.default is argparse.SUPPRESS
        if action.option_strings and not no_default and "default:" not in text:
            text += " (default: %(default)s)"
        return text


def add_command(subparsers, name, module_doc, summary):
    """Add a sub-command whose description is the command module's docstring.

    The docstring of every command module starts with a one-line summary and
    ends with an "Examples" section, so ``minidl NAME --help`` always shows
    examples.
    """
    return subparsers.add_parser(name, help=summary, description=module_doc, formatter_class=HelpFormatter)


def lowercase(text):
    """A choice typed in any letter case (``Relu``, ``RELU``) -> ``relu``."""
    return text.strip().lower()


@contextlib.contextmanager
def data_home(folder):
    """While inside, data sets are downloaded and cached in ``folder`` (``None``: no change).

    scikit-learn's loaders, and so minidl's, look for their data home in the
    ``SCIKIT_LEARN_DATA`` environment variable; ``--data-home`` sets it for
    the time the command loads its data, and puts the old value back.
    """
    if folder is None:
        yield
        return
    path = Path(folder).expanduser()
    for part in (path, *path.parents):  # said here, in terms of --data-home, not of the variable it sets
        if part.exists():
            if not part.is_dir():
                where = "is a file" if part == path else f"lies inside {str(part)!r}, which is a file"
                raise ValueError(f"--data-home {folder!r} {where}, not a folder; give a folder (it is created "
                                 "if missing)")
            break
    previous = os.environ.get("SCIKIT_LEARN_DATA")
    os.environ["SCIKIT_LEARN_DATA"] = str(Path(folder).expanduser())
    try:
        yield
    finally:
        if previous is None:
            del os.environ["SCIKIT_LEARN_DATA"]
        else:
            os.environ["SCIKIT_LEARN_DATA"] = previous


def add_threads_option(parser):
    """``--threads N``, with the same meaning on every command that computes."""
    parser.add_argument("--threads", type=positive_int, default=None, metavar="N",
                        help="BLAS threads for the matrix products (default: minidl decides: one for small "
                             "networks, which more threads slow down, badly on a busy machine; more only for "
                             "large products). Runs are bit-identical only on the same count")


def sizes(text):
    """``"100,100"`` -> ``(100, 100)``; ``""`` or ``"none"`` -> ``()`` (no hidden layer)."""
    if text.strip().lower() in ("", "none"):
        return ()
    try:
        values = tuple(int(part) for part in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected comma-separated whole numbers like 100,100, got {text!r}"
        ) from None
    if not all(COUNT.accepts(value) for value in values):
        raise argparse.ArgumentTypeError(f"every layer size must be {COUNT}, got {text!r}")
    return values


def key_value(text):
    """``"momentum=0.95"`` -> ``("momentum", 0.95)``.

    The value is read as a Python literal when it is one (numbers, ``True``,
    ``None``, tuples like ``(0.9,0.999)``) and kept as a string otherwise.
    """
    key, separator, raw_value = text.partition("=")
    if not separator or not key.strip():
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE like momentum=0.9, got {text!r}")
    try:
        value = ast.literal_eval(raw_value.strip())
    except (ValueError, SyntaxError):
        value = raw_value.strip()
    return key.strip(), value


def option_type(constraint, kind=int, fix=None):
    """An argparse ``type``: the text read as ``kind`` (int or float) and held against ``constraint``.

    The constraint is one of :mod:`minidl.settings`, so an option and the
    Python setting it fills take the same values and say so the same way:
    ``argument --epochs: expected a whole number >= 1, got '0'``. ``fix``,
    if given, is what to do, added to the message.
    """
    def parse(text):
        try:
            value = kind(text)
        except ValueError:
            value = None
        if value is None or not constraint.accepts(value):
            raise argparse.ArgumentTypeError(f"expected {constraint}, got {text!r}" + (f"; {fix}" if fix else ""))
        return value

    return parse


non_negative_float = option_type(Real(0), float)
positive_float = option_type(Real(0, closed="neither"), float)
positive_int = option_type(COUNT)
fraction = option_type(Real(0, 1, closed="left"), float)
non_negative_int = option_type(Integer(0))


def pairs_to_dict(pairs, what):
    """Turn repeated NAME=VALUE options into a dict, refusing a name given twice."""
    result = {}
    for key, value in pairs or ():
        if key in result:
            raise ValueError(f"{what} {key!r} is given twice ({result[key]!r} and {value!r}); give it once")
        result[key] = value
    return result


def check_numbers(settings, prefix, receiver=None):
    """Refuse NAME=VALUE settings whose value should be a number but is not.

    ``key_value`` keeps a value that is not a Python literal as text (and a
    literal such as ``(1,2)`` as a tuple), so ``beta1=abc`` would otherwise
    reach the optimizer as the string ``'abc'``. ``receiver`` is the class
    the settings go to (an optimizer class): then a setting must be a number
    when its default there is one, so a plugin's optimizer may still take
    text. Without ``receiver`` every setting must be a number (schedules).
    ``prefix`` starts the message, e.g. ``"--optimizer-param "``.
    """
    defaults = {}
    if receiver is not None:
        defaults = {parameter.name: parameter.default
                    for parameter in inspect.signature(receiver.__init__).parameters.values()}
    for name, value in settings.items():
        if (receiver is None or _is_number(defaults.get(name))) and not _is_number(value):
            example = f"{name}={defaults[name]!r}" if name in defaults else f"{name}=0.5"
            raise ValueError(f"{prefix}{name}={value!r}: {name} must be a number, e.g. {example}")


def _is_number(value):
    return Real().is_kind(value)
