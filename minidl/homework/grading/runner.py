"""Inside the grader's child process: import one student file, run its checks, write the results.

:func:`run_exercise` is the whole life of a child process started by
:mod:`minidl.homework.grading.grader`. Student code runs only here, never in the
grader itself: a syntax error, an exception or ``sys.exit`` is caught and
becomes a message; an endless loop or a crash ends this process, and the
grader, still alive, reports it.

The results go to a file, one JSON object a line, written as each check
ends, so the checks finished before a crash or a time-out keep their points::

    {"start": "forward values"}
    {"check": "forward values", "passed": true, "output": "Affine.forward on ...", "todo": false}
    {"error": "could not import affine.py: SyntaxError: ..."}      (instead of checks)
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
import traceback
import warnings
import zlib
from pathlib import Path

import numpy as np

from minidl.homework.catalogue import EXERCISES
from minidl.homework.checks.report import TODO
from minidl.homework.exercise import MissingName
from minidl.homework.grading.confine import confine


def run_exercise(name, directory, seed, hidden, results_path, output_path, work=None, time_limit=60.0):
    """Run the checks of exercise ``name`` on the student's file in ``directory``.

    Parameters
    ----------
    name : str
        An exercise of :data:`~minidl.homework.catalogue.EXERCISES`.
    directory : str
        The student's homework folder. Its ``.py`` files are imported from
        a copy in ``work`` (the first entry of ``sys.path``, so they can
        import each other).
    seed : int
        Draws the hidden checks' shapes and values.
    hidden : bool
        Run the hidden checks too (grading), or only the visible ones.
    results_path, output_path : str
        Where to append the results (JSON lines), and where the student's
        prints (standard output and error) go.
    work : str, optional
        An empty scratch folder: the working folder and ``HOME`` of the
        student's code (:func:`minidl.homework.grading.confine.confine`). Without it
        the student's folder is the working folder and nothing is confined.
    time_limit : float, default 60
        The grader's time limit, which bounds the CPU time too.
    """
    _isolate(output_path)
    exercise = EXERCISES[name]
    directory = os.path.abspath(directory)
    if work is None:
        os.chdir(directory)
    else:
        directory = confine(work, directory, time_limit)
    sys.path.insert(0, directory)
    with open(results_path, "a", encoding="utf-8") as results:

        def write(record):
            results.write(json.dumps(record) + "\n")
            results.flush()

        try:
            module = _load(directory, exercise.file)
        except BaseException as error:  # noqa: BLE001 - whatever the student's file does, report it
            write({"error": f"could not import {exercise.file}: {describe(error, directory)}"})
            return
        for check in selected_checks(exercise, hidden):
            write({"start": check.name})
            try:
                report = check.run(module, check_generator(seed, exercise, check))
                passed, output, todo = counts(report), str(report), report.status == "todo"
            except BaseException as error:  # noqa: BLE001 - sys.exit and KeyboardInterrupt included
                passed, output = False, describe(error, directory)
                todo = isinstance(error, NotImplementedError)
            write({"check": check.name, "passed": bool(passed), "output": output, "todo": bool(todo and not passed)})


def selected_checks(exercise, hidden):
    """The checks to run: the visible ones, then the hidden ones if ``hidden``."""
    return [check for check in exercise.checks if hidden or not check.hidden]


def check_generator(seed, exercise, check):
    """The random generator of one check: fixed for a visible check, drawn from ``seed`` for a hidden one.

    Each check has its own stream (keyed by its name), so adding a check
    does not change the values the others draw.
    """
    key = zlib.crc32(f"{exercise.name}/{check.name}".encode())
    return np.random.default_rng([key, int(seed)] if check.hidden else [key])


def counts(report):
    """Whether ``report`` earns the check's points: every row passed (warnings are advice, free).

    A report with no row does not pass: nothing was shown to be right.
    """
    return bool(report.rows) and report.ok


def describe(error, directory):
    """One readable paragraph about an exception raised by the student's code."""
    where = _student_frame(error, directory)
    if isinstance(error, NotImplementedError):
        message = str(error)
        if TODO in message:
            return message
        return f"{TODO}{where}" + (f": {message}" if message else "")
    if isinstance(error, SystemExit):
        return (f"your code called sys.exit({error.code!r}){where}; a function should return its result, "
                "not end the program")
    if isinstance(error, SyntaxError):
        return f"{type(error).__name__}: {error.msg} ({Path(error.filename or '?').name}, line {error.lineno})"
    if isinstance(error, MissingName):
        return str(error)
    return f"{type(error).__name__}: {error}{where}"


def _student_frame(error, directory):
    """``" at affine.py line 31, in backward"``: the deepest frame in the student's folder, or ``""``."""
    frames = [frame for frame in traceback.extract_tb(error.__traceback__)
              if frame.filename and os.path.abspath(frame.filename).startswith(directory + os.sep)]
    if not frames:
        return ""
    frame = frames[-1]
    return f" at {os.path.relpath(frame.filename, directory)} line {frame.lineno}, in {frame.name}"


def _load(directory, file):
    """Import ``directory/file`` as the module named after the file (``affine``)."""
    path = Path(directory) / file
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[path.stem] = module
    spec.loader.exec_module(module)
    return module


def _isolate(output_path):
    """Own process group (so the grader can stop every process the student starts); prints to a file.

    Warnings get Python's default treatment, whatever filters the grader's
    process had (a test runner may turn them into errors): they are printed,
    not raised, so a student's overflow warning is graded the same everywhere.
    """
    warnings.resetwarnings()
    if hasattr(os, "setsid"):
        try:
            os.setsid()
        except OSError:
            pass  # already a group leader
    output = os.open(output_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    os.dup2(output, 1)
    os.dup2(output, 2)
    os.close(output)
    # The grader's sys.stdout may not be file 1 (a test runner replaces it): write to the file
    # itself, a line at a time, so a line printed just before a crash is not lost in a buffer.
    sys.stdout = open(1, "w", buffering=1, encoding="utf-8", errors="replace", closefd=False)
    sys.stderr = open(2, "w", buffering=1, encoding="utf-8", errors="replace", closefd=False)
