"""The grader: every exercise in its own process, with a time limit, a few at a time.

Student code never runs in the grader's own process. Each exercise gets a
child process (:func:`minidl.homework.grading.runner.run_exercise`) that imports the
student's file and runs the checks, writing each result as it finishes. The
grader waits at most ``time_limit`` seconds for it, then stops it and
everything it started. Whatever happens in there (a syntax error, an
exception, ``sys.exit``, an endless loop, a crash of Python itself) costs the
points of that exercise's unfinished or failed checks, with a message, and
nothing else: the other exercises are graded as usual. Before importing any
student code the child confines itself (:mod:`minidl.homework.grading.confine`: a
scratch working folder and ``HOME``, a stripped environment, resource
limits); it still runs with the rights of the user running the grader.

Starting a child is cheap on Linux (where Gradescope and CI run): it is a
fork of the grader, which has numpy, minidl and the checks imported already,
so a child costs milliseconds, not the half second of a new interpreter.
Elsewhere (macOS, Windows), where forking a process that uses numpy is not
safe, each child is a fresh interpreter (multiprocessing's "spawn"): slower,
and a script calling :func:`grade` must then guard its top level with
``if __name__ == "__main__":``, as multiprocessing requires.
"""

from __future__ import annotations

import difflib
import json
import multiprocessing
import multiprocessing.connection
import os
import signal
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from minidl.homework.catalogue import EXERCISES, select
from minidl.homework.grading import runner
from minidl.homework.grading.results import CheckResult, GradeReport
from minidl.settings import COUNT, Integer, PathName, Real
from minidl.settings import check as check_setting

#: Seconds an exercise's checks may take, all together, before its process is stopped.
DEFAULT_TIME_LIMIT = 60.0
#: How much of what the student's code printed is quoted when its process failed.
PRINTED_TAIL = 1500


def grade(directory, exercises=None, *, seed=0, hidden=True, time_limit=DEFAULT_TIME_LIMIT, jobs=None):
    """Grade a homework folder: every exercise in its own process, visible and hidden checks.

    Parameters
    ----------
    directory : str or os.PathLike
        The student's folder, holding ``affine.py``, ``sgd.py``, ...
    exercises : list of str, optional
        The exercises to grade (``minidl homework list``); by default the
        homework of chapters 5 and 6. A missing file scores 0, so the grade
        never depends on which files a student handed in; a folder holding
        only another chapter's files (chapter 7's) is refused instead, naming
        the chapter to ask for.
    seed : int, default 0
        Draws the shapes and values of the hidden checks. Give each student
        their own (their id, say), so that answers cannot be shared as numbers.
    hidden : bool, default True
        Run the hidden checks too. ``False`` is what :func:`check` does.
    time_limit : float, default 60
        Seconds all of one exercise's checks may take together.
    jobs : int, optional
        Exercises graded at the same time; by default 2, or 1 on a single core.

    Returns
    -------
    GradeReport
        ``print(report)`` shows the table and what failed;
        ``report.write_gradescope(path)`` writes Gradescope's ``results.json``.
    """
    directory = _check_directory(directory)
    seed = check_setting(seed, Integer(0, note="a student id, for instance"), "seed")
    time_limit = check_setting(time_limit, Real(0, closed="neither", note="seconds"), "time_limit")
    if not exercises:
        _refuse_another_homework(directory)
    chosen = select(exercises)
    jobs = min(2, os.cpu_count() or 1) if jobs is None else check_setting(jobs, COUNT, "jobs")
    with tempfile.TemporaryDirectory(prefix="minidl-grade-") as scratch:
        tasks = [_Task(exercise.name, Path(scratch) / exercise.name) for exercise in chosen
                 if (directory / exercise.file).is_file()]
        _run(tasks, directory, seed, hidden, time_limit, jobs)
        finished = {task.exercise: task for task in tasks}
        results = []
        for exercise in chosen:
            task = finished.get(exercise.name)
            if task is None:
                outcome = _Outcome(error=_missing_file(exercise.file, directory))
            else:
                outcome = task.outcome(time_limit)
            results += outcome.results(exercise, hidden)
    return GradeReport(str(directory), seed, hidden, results)


def check(directory, exercises=None, *, time_limit=DEFAULT_TIME_LIMIT, jobs=None):
    """Run the visible checks: what a student runs while working.

    By default, the exercises whose file is in ``directory`` (a folder made
    with ``--exercise`` holds only some). Returns a :class:`GradeReport`.
    """
    directory = _check_directory(directory)
    if not exercises:
        exercises = [name for name, exercise in EXERCISES.items() if (directory / exercise.file).is_file()]
        if not exercises:
            raise ValueError(f"no exercise file (affine.py, sgd.py, ...) in {directory}; "
                             "make a homework folder with: minidl homework new DIR")
    return grade(directory, exercises, hidden=False, time_limit=time_limit, jobs=jobs)


def _check_directory(directory):
    path = Path(check_setting(directory, PathName(), "directory")).expanduser().resolve()
    if not path.is_dir():
        problem = "is a file, not a folder" if path.exists() else "does not exist"
        raise ValueError(f"homework folder {str(directory)!r} {problem}; "
                         "give the folder made by minidl homework new")
    return path


def _refuse_another_homework(directory):
    """Raise ValueError if ``directory`` holds no file of the default homework but some of another chapter's.

    Grading that folder as chapters 5 and 6 would score 0 with a "not found"
    for every exercise; picking the exercises from the files present (as
    :func:`check` does) would let a missing file go ungraded.
    """
    default = {exercise.name for exercise in select()}
    present = [exercise for name, exercise in EXERCISES.items() if (directory / exercise.file).is_file()]
    if present and not any(exercise.name in default for exercise in present):
        chapters = sorted({exercise.chapter for exercise in present})
        named = " ".join(map(str, chapters))
        raise ValueError(f"{directory} holds only chapter {', '.join(map(str, chapters))}'s files "
                         f"({', '.join(exercise.file for exercise in present)}), none of the default homework "
                         f"(chapters 5 and 6); grade it with --chapter {named} "
                         f"(in Python: exercises=chapter_exercises({', '.join(map(str, chapters))}))")


def _missing_file(file, directory):
    """``"adam.py not found in DIR"``, naming a file that looks like a misnamed copy (``Adam.py``, ``adam (1).py``)."""
    message = f"{file} not found in {directory}"
    exercise_files = {exercise.file for exercise in EXERCISES.values()}
    names = [path.name for path in directory.iterdir() if path.is_file() and path.name not in exercise_files]
    same_but_case = [name for name in names if name.lower() == file.lower()]
    similar = same_but_case or difflib.get_close_matches(file, names, n=1, cutoff=0.75)
    if similar:
        return f"{message}; found {similar[0]!r}: rename it to {file}"
    return message


# ============================================================ the processes
@dataclass
class _Task:
    """One exercise's child process and its files."""

    exercise: str
    files: Path
    process: object = None
    deadline: float = 0.0
    timed_out: bool = False

    def start(self, context, directory, seed, hidden, time_limit):
        self.files.mkdir()
        self.process = context.Process(
            target=runner.run_exercise, daemon=True,
            args=(self.exercise, str(directory), seed, hidden, str(self.files / "results"), str(self.files / "printed"),
                  str(self.files / "work"), time_limit))
        self.process.start()
        self.deadline = time.monotonic() + time_limit

    def stop(self):
        """Stop the child and any process it started (its process group)."""
        if self.process.is_alive():
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except (AttributeError, ProcessLookupError, PermissionError):
                self.process.kill()  # no process groups here, or the child had not made its own yet
        self.process.join()

    def outcome(self, time_limit):
        records = []
        results_file = self.files / "results"
        if results_file.exists():
            for line in results_file.read_text(encoding="utf-8", errors="replace").splitlines():
                try:
                    records.append(json.loads(line))
                except json.JSONDecodeError:
                    continue  # a line cut short by a crash
        printed_file = self.files / "printed"
        printed = printed_file.read_text(encoding="utf-8", errors="replace") if printed_file.exists() else ""
        return _Outcome(records=records, printed=printed, timed_out=self.timed_out, time_limit=time_limit,
                        exit_code=self.process.exitcode)


def _context():
    """Forks of this process on Linux (fast), fresh interpreters elsewhere (see the module's docstring)."""
    return multiprocessing.get_context("fork" if sys.platform.startswith("linux") else "spawn")


def _run(tasks, directory, seed, hidden, time_limit, jobs):
    """Run the tasks, ``jobs`` at a time, each stopped at its deadline."""
    context = _context()
    waiting, running = list(tasks), []
    try:
        while waiting or running:
            while waiting and len(running) < jobs:
                task = waiting.pop(0)
                task.start(context, directory, seed, hidden, time_limit)
                running.append(task)
            timeout = max(0.0, min(task.deadline for task in running) - time.monotonic())
            multiprocessing.connection.wait([task.process.sentinel for task in running], timeout)
            for task in list(running):
                if task.process.is_alive() and time.monotonic() < task.deadline:
                    continue
                task.timed_out = task.process.is_alive()
                task.stop()
                running.remove(task)
    finally:
        for task in running:  # Ctrl-C or an error in the grader: leave no child behind
            task.stop()


@dataclass
class _Outcome:
    """What one child left behind, turned into one :class:`CheckResult` a check."""

    records: list = None
    printed: str = ""
    timed_out: bool = False
    time_limit: float = 0.0
    exit_code: int = 0
    error: str = ""

    def results(self, exercise, hidden):
        records = self.records or []
        done = {record["check"]: record for record in records if "check" in record}
        started = [record["start"] for record in records if "start" in record]
        error = self.error or next((record["error"] for record in records if "error" in record), "")
        results = []
        for check in runner.selected_checks(exercise, hidden):
            record = done.get(check.name)
            todo = False
            if record is not None:
                passed, output = bool(record.get("passed")), str(record.get("output", ""))
                todo = bool(record.get("todo"))
            else:
                passed, output = False, error or self._unfinished(check.name in started[-1:])
                output += self._printed()
            results.append(CheckResult(exercise.name, check.name, check.points, check.hidden, passed, output, todo))
        return results

    def _unfinished(self, was_running):
        when = "while this check was running" if was_running else "before this check could run"
        if self.timed_out:
            return (f"stopped {when}: the checks of this exercise took longer than the time limit of "
                    f"{self.time_limit:g} s. Is there an endless loop (a while loop whose condition never "
                    "changes, a generator that never ends)?")
        return (f"the process running your code ended {when} (exit code {self.exit_code}). Does your code "
                "call os._exit, or crash Python itself?")

    def _printed(self):
        if not self.printed.strip():
            return ""
        tail = self.printed[-PRINTED_TAIL:]
        cut = "..." if len(self.printed) > PRINTED_TAIL else ""
        return f"\nWhat your code printed (the end of it):\n{cut}{tail}"
