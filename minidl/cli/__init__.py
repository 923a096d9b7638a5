"""The ``minidl`` command line: ``minidl train``, ``minidl evaluate``, ``minidl optimizers``.

Each command is one module of this package with two functions:
``add_parser(subparsers)`` declares its options and ``run(args) -> int``
does the work and returns the exit code. :data:`COMMANDS` lists them; a new
command is a new module added there.

Mistakes a user can make (a wrong option value, a missing file, a data set
that cannot be downloaded, a diverging run) end with one line
``minidl: error: ...`` on standard error and exit code 1, never a
traceback; argparse's own usage errors exit with 2, Ctrl-C with 130, and
SIGTERM (what ``kill``, ``docker stop`` and SLURM send) is handled like
Ctrl-C (same clean-up, same message) but exits with 143 = 128 + 15, the
code a process ended by SIGTERM has, so schedulers report it as such.
Warnings (e.g. that a resumed run continues on another thread count) print
one line ``minidl: warning: ...`` and the command goes on.
When the reader of the output goes away (``minidl evaluate m.npz | head``)
the command stops quietly with code 141, like other command-line tools.
"""

from __future__ import annotations

import argparse
import contextlib
import difflib
import os
import re
import signal
import sys
import warnings
from pathlib import Path

from minidl import __version__
from minidl.cli import evaluate, experiments, export, homework, optimizers, train
from minidl.cli.plugins import load_plugin
from minidl.datasets import DatasetUnavailableError
from minidl.training import TrainingDivergedError

#: One module per command, in the order ``minidl --help`` lists them.
COMMANDS = [train, evaluate, optimizers, experiments, homework, export]

EPILOG = """examples:
  minidl train --dataset digits            # about 5 seconds, offline
  minidl train --dataset mnist --save mnist.npz
  minidl evaluate mnist.npz
  minidl optimizers
  minidl experiment compare --seeds 3       # the optimizer comparison figure
  minidl --plugin my_rmsprop.py train --optimizer my_rmsprop

Run "minidl COMMAND --help" for the options and examples of each command."""


def build_parser():
    """The argparse parser with one sub-parser for each module of :data:`COMMANDS`."""
    parser = argparse.ArgumentParser(
        prog="minidl",
        description="Train and evaluate small neural networks written from scratch in numpy.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"minidl {__version__}")
    parser.add_argument("--plugin", action="append", default=[], metavar="FILE.py|MODULE",
                        help="run this file (or import this module) first, so the optimizers it "
                             "registers with @minidl.optim.register can be named and the layers "
                             "it registers with @minidl.register_layer can be loaded; repeatable")
    subparsers = parser.add_subparsers(title="commands", dest="command", metavar="COMMAND", required=True)
    for command in COMMANDS:
        command_parser = command.add_parser(subparsers)
        command_parser.set_defaults(run=command.run, parser=command_parser)
    return parser


def _parse(argv):
    """The parsed command line; an unknown option is reported by its command, with the nearest known one."""
    args, unknown = build_parser().parse_known_args(argv)
    if unknown:
        parser = args.parser  # the innermost: the command's, or the experiment's for "minidl experiment NAME"
        known = set(re.findall(r"--[a-z][\w-]*", parser.format_help()))
        if any(token.partition("=")[0] == "--plugin" for token in unknown):
            # An option of minidl itself, given after the command, where the command's parser does not know it.
            parser.error(f"unrecognized arguments: {' '.join(unknown)}; --plugin goes before the command: "
                         f"minidl --plugin FILE.py {args.command} ...")
        near = [match for token in unknown if token.startswith("--")
                for match in difflib.get_close_matches(token.partition("=")[0], known, n=1)]
        parser.error(f"unrecognized arguments: {' '.join(unknown)}"
                     + (f"; did you mean {' or '.join(near)}?" if near else ""))
    return args


def _user_errors():
    """The exception types that are the user's to fix, reported without a traceback."""
    return (ValueError, OSError, DatasetUnavailableError, TrainingDivergedError)


def _in_command_line_terms(error):
    """The message of ``error``, said with options instead of Python calls where they differ."""
    if isinstance(error, DatasetUnavailableError) and error.data_home is not None:
        where = (f"its cache {error.cache_path!r} is corrupt" if error.cache_is_corrupt
                 else f"it is not in the data home {error.data_home!r}")
        return (f"cannot load {error.title}: {where} and the download failed ({error.reason}); run once online to "
                "cache it, or use --dataset digits (works offline), --dataset idx:DIR (a folder of the four IDX "
                "files) or --data-home DIR (a folder holding a cached copy)")
    return str(error) or type(error).__name__


def main(argv=None):
    """Run the command line with ``argv`` (default: ``sys.argv[1:]``); return the exit code."""
    args = _parse(argv)
    try:
        with _sigterm_as_interrupt(), _printable_output(), warnings.catch_warnings():
            warnings.showwarning = _show_warning
            for plugin in args.plugin:
                load_plugin(plugin)
            code = args.run(args)
        sys.stdout.flush()  # here, so that a closed pipe is reported below, not at exit
        return code
    except BrokenPipeError:
        # The reader left ("minidl evaluate m.npz | head"): stop quietly, as other
        # command-line tools do, with the exit code of a process ended by SIGPIPE.
        _discard_standard_output()
        return 141  # 128 + 13, the number of SIGPIPE
    except KeyboardInterrupt as interruption:
        terminated = isinstance(interruption, Terminated)
        message = "interrupted (SIGTERM)" if terminated else "interrupted"
        checkpoint = getattr(args, "checkpoint", None)
        if checkpoint and Path(checkpoint).is_file():
            message += f"; last checkpoint kept at {checkpoint} (continue with --resume {checkpoint})"
        _error(message)
        return 143 if terminated else 130
    except _user_errors() as exc:
        _error(_in_command_line_terms(exc))
        return 1
    except MemoryError as exc:
        # What minidl refuses before allocating (a network too large), or an allocation that failed anyway.
        _error(str(exc) or "out of memory")
        return 1
    except TypeError as exc:
        # A value of the wrong type that no check caught: still one line, not a traceback.
        _error(f"{exc} (TypeError)")
        return 1


class Terminated(KeyboardInterrupt):
    """SIGTERM arrived: raised like Ctrl-C's KeyboardInterrupt, so every clean-up that handles one handles both."""


@contextlib.contextmanager
def _sigterm_as_interrupt():
    """While the command runs, turn SIGTERM into :class:`Terminated`; the previous handler comes back after."""
    def terminate(signal_number, frame):
        raise Terminated()

    try:
        previous, installed = signal.signal(signal.SIGTERM, terminate), True
    except ValueError:  # not the main thread, where alone Python handles signals: leave them as they are
        installed = False
    try:
        yield
    finally:
        if installed:
            signal.signal(signal.SIGTERM, previous)


@contextlib.contextmanager
def _printable_output():
    """While the command runs, print what the terminal's encoding cannot show escaped (``\\xe9``), not fail.

    On an ASCII-only terminal (``PYTHONIOENCODING=ascii``, some containers
    and ``ssh`` sessions) a file name such as ``modèle.npz`` in "model saved
    to ..." would raise UnicodeEncodeError: a run that saved its model would
    then exit 1. Standard output and error get ``errors="backslashreplace"``
    (as Python's own stderr has); their earlier setting comes back after.
    """
    changed = []
    for stream in (sys.stdout, sys.stderr):
        if getattr(stream, "errors", None) == "strict" and hasattr(stream, "reconfigure"):
            with contextlib.suppress(ValueError, OSError):  # e.g. a closed stream
                stream.reconfigure(errors="backslashreplace")
                changed.append(stream)
    try:
        yield
    finally:
        for stream in changed:
            with contextlib.suppress(ValueError, OSError):
                stream.reconfigure(errors="strict")


def _discard_standard_output():
    # Python flushes standard output once more at exit; with the reader gone that
    # would print an error, so what is left goes to the null device instead.
    try:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass  # not a real file (a test's capture): nothing is flushed to a pipe at exit


def _show_warning(message, category, filename, lineno, file=None, line=None):
    # A warning (e.g. a resumed run on another thread count) as one line, like the errors.
    print(f"minidl: warning: {' '.join(str(message).split())}", file=sys.stderr, flush=True)


def _error(message):
    # One line: a multi-line message would look like a traceback in a log.
    print(f"minidl: error: {' '.join(message.split())}", file=sys.stderr)
