"""The outcome of grading: points a check, a table for people, ``results.json`` for Gradescope."""

from __future__ import annotations

from dataclasses import dataclass

from minidl.files import write_json

#: Gradescope's visibility settings for a test.
VISIBILITIES = ("visible", "hidden", "after_due_date", "after_published")


@dataclass(frozen=True)
class CheckResult:
    """One check of one exercise, graded.

    Attributes
    ----------
    exercise, check : str
        Their names, e.g. ``"affine"`` and ``"forward values"``.
    max_score : float
        The check's points.
    hidden : bool
        Whether it is a hidden check.
    passed : bool
    output : str
        The check's report table, or what went wrong (an exception in the
        student's code, a time-out, a missing file).
    todo : bool, default False
        The check did not pass because the code is not written yet (it
        raised ``NotImplementedError``, as a starter file's TODO does) and
        nothing failed: shown as ``TODO`` rather than ``FAIL``, worth 0 points.
    """

    exercise: str
    check: str
    max_score: float
    hidden: bool
    passed: bool
    output: str
    todo: bool = False

    @property
    def score(self):
        """float: ``max_score`` if the check passed, else 0."""
        return float(self.max_score) if self.passed else 0.0

    @property
    def name(self):
        """str: ``"affine: forward values"``, with ``(hidden)`` after a hidden check's name."""
        return f"{self.exercise}: {self.check}" + (" (hidden)" if self.hidden else "")


@dataclass
class GradeReport:
    """Every check of a homework folder, graded.

    Attributes
    ----------
    directory : str
        The folder graded.
    seed : int
        The seed of the hidden checks.
    hidden : bool
        Whether the hidden checks ran (``grade``) or only the visible ones (``check``).
    results : list of CheckResult
        In the order of the exercises, then of their checks.
    """

    directory: str
    seed: int
    hidden: bool
    results: list

    @property
    def score(self):
        """float: the points earned."""
        return sum(result.score for result in self.results)

    @property
    def max_score(self):
        """float: the points there are."""
        return sum(result.max_score for result in self.results)

    @property
    def headline(self):
        """str: one line, for pytest's short summary: exercises, points and the checks that did not pass.

        E.g. ``"relu: 0 of 4 points: forward values, gradient dx failed"``.
        """
        exercises = self.exercises()
        single = len(exercises) == 1
        line = f"{', '.join(exercises)}: {_score_text(self.score, self.max_score)}"
        for todo, what in ((False, "failed"), (True, "still TODO")):
            names = [result.check if single else result.name for result in self.results
                     if not result.passed and result.todo == todo]
            line += f": {', '.join(names)} {what}" if names else ""
        return line

    @property
    def all_passed(self):
        """bool: True when every check passed."""
        return all(result.passed for result in self.results)

    def exercises(self):
        """Dict exercise name -> list of its :class:`CheckResult`, in order."""
        grouped = {}
        for result in self.results:
            grouped.setdefault(result.exercise, []).append(result)
        return grouped

    def table(self):
        """One line an exercise: points earned, full marks and checks passed; then the total."""
        which = "visible and hidden checks" if self.hidden else "visible checks"
        seed = f", seed {self.seed}" if self.hidden else ""
        lines = [f"{self.directory}: {which}{seed}", "",
                 f"{'exercise':<20} {'score':>6} {'max':>5}  checks passed"]
        for name, results in self.exercises().items():
            passed = sum(result.passed for result in results)
            todo = sum(result.todo and not result.passed for result in results)
            lines.append(f"{name:<20} {_points(sum(r.score for r in results)):>6} "
                         f"{_points(sum(r.max_score for r in results)):>5}  {passed} of {len(results)}"
                         + (f" ({todo} TODO)" if todo else ""))
        passed = sum(result.passed for result in self.results)
        lines.append(f"{'total':<20} {_points(self.score):>6} {_points(self.max_score):>5}  "
                     f"{passed} of {len(self.results)}")
        return "\n".join(lines)

    def failures(self):
        """The output of every failed check, each under its name and points."""
        blocks = []
        for result in self.results:
            if not result.passed:
                body = "\n".join("    " + line for line in result.output.splitlines())
                blocks.append(f"{result.name} ({_score_text(0, result.max_score)})\n{body}")
        return "\n\n".join(blocks)

    def listing(self):
        """Every check under its exercise, ``ok``, ``FAIL`` or ``TODO``, with the report of each failure below it."""
        lines = []
        for name, results in self.exercises().items():
            lines.append(name)
            for result in results:
                label = "ok" if result.passed else "TODO" if result.todo else "FAIL"
                lines.append(f"  {label:<4}  {result.check} "
                             f"({_points(result.max_score)} point{'' if result.max_score == 1 else 's'})")
                if not result.passed:
                    lines += ["        " + line for line in result.output.splitlines()]
        return "\n".join(lines)

    def __str__(self):
        failures = self.failures()
        return self.table() + ("\n\nWhat to fix:\n\n" + failures if failures else "\n\nEvery check passed.")

    def gradescope(self, hidden_visibility="after_due_date"):
        """The dict of Gradescope's ``results.json``: ``score``, ``output`` and one test a check.

        Both outputs are marked ``"text"`` (``output_format``,
        ``test_output_format``): Gradescope then shows them as plain text,
        spaces and newlines as written, instead of choosing a format itself.

        Parameters
        ----------
        hidden_visibility : {"visible", "hidden", "after_due_date", "after_published"}
            When students see the hidden checks (name, points, output). The
            visible checks are always ``"visible"``.
        """
        if hidden_visibility not in VISIBILITIES:
            raise ValueError(f"hidden_visibility must be one of {', '.join(VISIBILITIES)}; got {hidden_visibility!r}")
        numbers = {name: index for index, name in enumerate(self.exercises(), start=1)}
        counters = {}
        tests = []
        for result in self.results:
            counters[result.exercise] = counters.get(result.exercise, 0) + 1
            tests.append({
                "name": result.name,
                "number": f"{numbers[result.exercise]}.{counters[result.exercise]}",
                "score": result.score,
                "max_score": float(result.max_score),
                "status": "passed" if result.passed else "failed",
                "output": result.output,
                "visibility": hidden_visibility if result.hidden else "visible",
            })
        # "text": shown as plain text, never read as Markdown or HTML (Gradescope's specification).
        return {"score": self.score, "output": self._summary(hidden_visibility), "output_format": "text",
                "test_output_format": "text", "tests": tests}

    def _summary(self, hidden_visibility):
        """The table for Gradescope's top-level output: the hidden checks' results only if they are visible."""
        hidden = [result for result in self.results if result.hidden]
        if not hidden or hidden_visibility == "visible":
            return self.table()
        shown = GradeReport(self.directory, self.seed, False, [result for result in self.results if not result.hidden])
        when = {"after_due_date": "after the due date", "after_published": "once the grades are published",
                "hidden": "to the course staff only"}[hidden_visibility]
        points = _points(sum(result.max_score for result in hidden))
        return (f"{shown.table()}\n\n{len(hidden)} hidden checks ({points} points) test the same code on other "
                f"shapes and values; their results show {when}.")

    def write_gradescope(self, path, hidden_visibility="after_due_date"):
        """Write :meth:`gradescope` to ``path`` as JSON, atomically."""
        write_json(path, self.gradescope(hidden_visibility))


def _score_text(score, max_score):
    """``"0 of 1 point"``, ``"2 of 4 points"``."""
    return f"{_points(score)} of {_points(max_score)} point{'' if max_score == 1 else 's'}"


def _points(value):
    """``10`` for 10.0, ``2.5`` for 2.5."""
    return f"{value:g}"
