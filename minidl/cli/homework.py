"""Homework for a course on the book's chapters 5 to 7: starter files, checks, an autograder.

  list    the exercises and their points
  new     write a homework folder: starter files (or the key), visible checks, notebooks, a README
  check   run the visible checks on a folder, with readable reports (what students run)
  grade   run the visible and hidden checks, with points; --results writes Gradescope's results.json

"grade" exits with 0 whenever grading ran, even at 0 points; "check" exits
with 1 when a check failed, like a test runner. Student code runs in one
process an exercise, with a time limit: an error, an endless loop or sys.exit
there costs that exercise's points, never the grade. Two homeworks: chapters
5 and 6 (the default) and chapter 7 (--chapter 7). docs/teaching.md sets up a
course, Gradescope included.

examples:
  minidl homework list
  minidl homework new hw                               # starter files for every exercise
  minidl homework new key --solutions                  # the answer key
  minidl homework new week3 --exercise sgd momentum adam
  minidl homework new convnets --chapter 7             # chapter 7: im2col, Convolution, Pooling, SimpleConvNet
  minidl homework check hw
  minidl homework grade hw --seed 1234 --results results.json
"""

from __future__ import annotations

from minidl.cli.arguments import HelpFormatter, add_command, option_type
from minidl.files import check_output_folder
from minidl.homework import EXERCISES, check, grade, write_assignment
from minidl.homework.catalogue import DEFAULT_CHAPTERS, chapter_exercises, select
from minidl.homework.grading.grader import DEFAULT_TIME_LIMIT
from minidl.settings import COUNT, Integer, Real


def add_parser(subparsers):
    parser = add_command(subparsers, "homework", __doc__, "homework: starter files, checks and an autograder")
    actions = parser.add_subparsers(title="actions", dest="action", metavar="ACTION", required=True)

    listing = actions.add_parser("list", help="the exercises and their points", formatter_class=HelpFormatter,
                                 description="List the exercises, their points, chapters and files.")
    listing.add_argument("--checks", action="store_true", help="also list every check, its points and visibility")

    new = actions.add_parser("new", help="write a homework folder", formatter_class=HelpFormatter,
                             description="Write a homework folder: the starter files (each answer a TODO "
                                         "raising NotImplementedError) or the key, test_homework.py (the "
                                         "visible checks, for pytest), the notebooks and a README.")
    new.add_argument("directory", metavar="DIR", help="the folder to create (it may exist if empty)")
    _exercise_option(new)
    new.add_argument("--solutions", action="store_true", help="write the filled-in answer key instead")
    new.add_argument("--force", action="store_true",
                     help="write into a folder that is not empty, replacing the homework files in it")

    check = actions.add_parser("check", help="run the visible checks", formatter_class=HelpFormatter,
                               description="Run the visible checks on a homework folder and print their "
                                           "reports. Exit code 0 when every check passed, 1 otherwise.")
    check.add_argument("directory", metavar="DIR", help="the homework folder")
    _exercise_option(check, "the exercises whose file is in DIR")
    _process_options(check)

    grade = actions.add_parser("grade", help="grade a folder: visible and hidden checks, with points",
                               formatter_class=HelpFormatter,
                               description="Grade a homework folder: visible checks and hidden ones on shapes "
                                           "and values drawn from --seed. Prints a table and what failed; exits "
                                           "with 0 whenever grading ran.")
    grade.add_argument("directory", metavar="DIR", help="the student's homework folder")
    grade.add_argument("--results", metavar="FILE", help="write Gradescope's results.json here")
    grade.add_argument("--seed", type=_seed, default=0, metavar="N",
                       help="draws the hidden checks' shapes and values; give each student their own (their id)")
    _exercise_option(grade)
    grade.add_argument("--hidden-visibility", default="after_due_date",
                       choices=("visible", "hidden", "after_due_date", "after_published"),
                       help="when students see the hidden checks on Gradescope")
    _process_options(grade)
    return parser


def _exercise_option(parser, default="chapters 5 and 6"):
    parser.add_argument("--exercise", action="extend", nargs="+", metavar="NAME", dest="exercises",
                        help="only these exercises (see minidl homework list); repeatable"
                             + (f" (default: {default})" if default else ""))
    parser.add_argument("--chapter", action="extend", nargs="+", type=int, metavar="N", dest="chapters",
                        help="the exercises of these chapters (5, 6, 7), besides those of --exercise")


def _chosen(args):
    """The exercises of --exercise and --chapter together, or None for the default."""
    names = list(args.exercises or []) + chapter_exercises(*(args.chapters or []))
    return names or None


def _process_options(parser):
    parser.add_argument("--time-limit", type=_positive, default=DEFAULT_TIME_LIMIT, metavar="SECONDS",
                        help="seconds all the checks of one exercise may take")
    parser.add_argument("--jobs", type=option_type(COUNT), default=None, metavar="N",
                        help="exercises checked at the same time (default: 2, or 1 on one core)")


_seed = option_type(Integer(0, note="a student id, for instance"))
_positive = option_type(Real(0, closed="neither", note="seconds"), float)


def run(args):
    return {"list": _list, "new": _new, "check": _check, "grade": _grade}[args.action](args)


def _list(args):
    default = select()
    total = sum(exercise.points for exercise in default)
    print(f"{len(default)} exercises, {total:g} points: chapters {DEFAULT_CHAPTERS[0]} and {DEFAULT_CHAPTERS[1]}, "
          "the default homework (pick some with --exercise NAME)")
    later = sorted({exercise.chapter for exercise in EXERCISES.values()} - set(DEFAULT_CHAPTERS))
    for chapter in later:
        chosen = select(chapter_exercises(chapter))
        print(f"{len(chosen)} exercises, {sum(exercise.points for exercise in chosen):g} points: chapter {chapter}, "
              f"a homework of its own (--chapter {chapter})")
    print(f"  {'name':<20} {'points':>6}  {'chapter':>7}  {'file':<23} what")
    for exercise in EXERCISES.values():
        print(f"  {exercise.name:<20} {exercise.points:>6g}  {exercise.chapter:>7}  {exercise.file:<23} "
              f"{exercise.title}")
        if args.checks:
            for check in exercise.checks:
                print(f"      {check.points:>4g}  {'hidden ' if check.hidden else 'visible'}  {check.name}")
    return 0


def _new(args):
    written = write_assignment(args.directory, _chosen(args), solutions=args.solutions, force=args.force)
    what = "the answer key" if args.solutions else "starter files"
    print(f"wrote {what} to {args.directory}: {', '.join(path.name for path in written)}")
    print(f"next: minidl homework check {args.directory}")
    return 0


def _check(args):
    report = check(args.directory, _chosen(args), time_limit=args.time_limit, jobs=args.jobs)
    print(report.listing(), end="\n\n")
    print(report.table())
    return 0 if report.all_passed else 1


def _grade(args):
    if args.results:
        check_output_folder(args.results, "--results")  # before grading, not after
    report = grade(args.directory, _chosen(args), seed=args.seed, time_limit=args.time_limit, jobs=args.jobs)
    if args.results:
        report.write_gradescope(args.results, args.hidden_visibility)
    print(report)
    if args.results:
        print(f"\nwrote {args.results}")
    return 0
