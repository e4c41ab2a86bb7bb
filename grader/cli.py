"""The command line: `python -m grader COMMAND`.

Exit status: 0 when the command ran (whatever the scores), 1 when `validate` or
`build --check` found a problem, 2 with a one-line message for a usage or configuration
error. Commands are thin: each parses its arguments and calls one function that does
the work.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from grader import __version__
from grader.instructor.files import InstructorInputError
from grader.paths import KitPaths
from grader.terminal_text import EscapingStream

EXIT_OK = 0
EXIT_FOUND_PROBLEMS = 1
EXIT_USAGE = 2


class UsageError(Exception):
    """A problem with how the grader was called or configured: one line, exit status 2."""


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def _require_solutions(kit: KitPaths, command: str) -> None:
    if not kit.solutions.is_dir():
        raise UsageError(
            f"'{command}' needs the instructor's kit (no solutions/ folder in {kit.root})"
        )


ISOLATION_CHOICES = ("best", "namespaces", "landlock", "process")


def _add_isolation(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--isolation",
        choices=ISOLATION_CHOICES,
        default="best",
        help="how learner code is kept apart: the strongest this machine gives (best, the "
        "default) or a named level, refused where it cannot be had",
    )


def _add_canvas_assignment(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--canvas-assignment",
        metavar='"NAME (ID)"',
        help='the Canvas assignment the export updates, as Canvas names it: "HW3 (12345)" '
        "(OUT keeps the last one; default: a new assignment named after the chapter)",
    )


def _cmd_grade(args: argparse.Namespace, kit: KitPaths) -> int:
    from grader.commands.grade import GradeRequest, grade_command

    missing = [path for path in args.submissions if not path.exists()]
    if missing:
        raise UsageError(f"no such submission: {missing[0]}")
    request = GradeRequest(
        out=args.out,
        jobs=args.jobs,
        seed=args.seed,
        overrides=args.overrides,
        timestamps=args.timestamps,
        junit=args.junit,
        canvas=args.canvas,
        roster=args.roster,
        canvas_assignment=args.canvas_assignment,
        isolation=args.isolation,
        force=args.force,
        similarity=not args.no_similarity,
        single=args.single,
        as_class=args.as_class,
    )
    if args.single and args.as_class:
        raise UsageError("--single and --class exclude each other: give one")
    try:
        return grade_command(kit, args.submissions, request)
    except InstructorInputError as error:
        raise UsageError(str(error)) from None


def _cmd_regrade(args: argparse.Namespace, kit: KitPaths) -> int:
    from grader.commands.regrade import RegradeRequest, regrade_command

    request = RegradeRequest(
        out=args.out,
        overrides=args.overrides,
        timestamps=args.timestamps,
        junit=args.junit,
        canvas=args.canvas,
        roster=args.roster,
        similarity=not args.no_similarity,
        canvas_assignment=args.canvas_assignment,
    )
    try:
        return regrade_command(kit, request)
    except InstructorInputError as error:
        raise UsageError(str(error)) from None


def _cmd_demo(args: argparse.Namespace, kit: KitPaths) -> int:
    _require_solutions(kit, "demo")
    from grader.commands.demo import demo_command

    return demo_command(kit, args.out, jobs=args.jobs, seed=args.seed)


def default_check_folder(kit: KitPaths, here: Path) -> Path:
    """What `check` without a folder checks: the folder it is run in when that holds an
    exercise file (.py or notebook: the learner's own copy, wherever it is), else the
    kit's or bundle's exercises/."""
    from grader.paths import EXERCISE_FILES

    stems = {Path(name).stem for name in EXERCISE_FILES}
    if any((here / f"{stem}{suffix}").is_file() for stem in stems for suffix in (".py", ".ipynb")):
        return here
    return kit.exercises if kit.exercises.is_dir() else here


def _cmd_check(args: argparse.Namespace, kit: KitPaths) -> int:
    from grader.commands.check import CheckArgumentError, check_command

    folder = args.folder or default_check_folder(kit, Path.cwd())
    try:
        return check_command(
            kit, folder, report_dir=args.report_dir, isolation=args.isolation, only=args.only
        )
    except CheckArgumentError as error:
        raise UsageError(str(error)) from None


def _cmd_release(args: argparse.Namespace, kit: KitPaths) -> int:
    _require_solutions(kit, "release")
    from grader.commands.release import ReleaseError, release_command

    try:
        return release_command(kit, args.out, notebooks=args.notebooks)
    except ReleaseError as error:
        raise UsageError(str(error)) from None


def _cmd_gradescope(args: argparse.Namespace, kit: KitPaths) -> int:
    _require_solutions(kit, "gradescope")
    from grader.commands.gradescope import GradescopeError, gradescope_command

    try:
        return gradescope_command(kit, args.out)
    except GradescopeError as error:
        raise UsageError(str(error)) from None


def _cmd_validate(args: argparse.Namespace, kit: KitPaths) -> int:
    _require_solutions(kit, "validate")
    from grader.commands.validate import validate_command

    return validate_command(kit, seeds=args.seeds)


def _cmd_build(args: argparse.Namespace, kit: KitPaths) -> int:
    _require_solutions(kit, "build")
    from grader.authoring.build import build, stale_files

    if args.check:
        problems = stale_files(kit)
        for line in problems:
            print(line)
        if problems:
            print("run `python -m grader build` to regenerate them")
            return EXIT_FOUND_PROBLEMS
        print("all generated files are current")
        return EXIT_OK
    for path in build(kit):
        print(f"wrote {path.relative_to(kit.root)}")
    return EXIT_OK


class _OneLineParser(argparse.ArgumentParser):
    """argparse, but a usage error is one line (the contract: exit 2 with a one-line
    message), naming --help instead of printing the whole usage block."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _parser() -> argparse.ArgumentParser:
    parser = _OneLineParser(
        prog="python -m grader",
        description="Grade submissions for the chapter 'Logistic Regression and Metrics'.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True

    grade = commands.add_parser("grade", help="grade submissions (folders or .zip files)")
    grade.add_argument("submissions", nargs="+", type=Path, metavar="SUBMISSION")
    grade.add_argument("--out", type=Path, required=True, help="folder for the results")
    grade.add_argument("--jobs", type=_positive_int, default=1, help="parallel graders")
    grade.add_argument("--seed", type=int, help="base seed of the held-out data (reproduce)")
    grade.add_argument(
        "--overrides", type=Path, help="an instructor's points (YAML; OUT keeps the last one)"
    )
    grade.add_argument(
        "--timestamps",
        type=Path,
        help="CSV name,submitted_at for the late policy (OUT keeps the last one)",
    )
    grade.add_argument("--junit", type=Path, help="also write JUnit XML (GitLab, Jenkins)")
    grade.add_argument("--canvas", type=Path, help="also write a Canvas gradebook import CSV")
    grade.add_argument("--roster", type=Path, help="CSV mapping names to Canvas students")
    _add_canvas_assignment(grade)
    _add_isolation(grade)
    grade.add_argument(
        "--force", action="store_true", help="grade again submissions unchanged since their results"
    )
    grade.add_argument(
        "--no-similarity", action="store_true", help="skip the search for similar submissions"
    )
    grade.add_argument(
        "--single",
        action="store_true",
        help="each SUBMISSION is one learner's, never a class folder (the Gradescope run)",
    )
    grade.add_argument(
        "--class",
        dest="as_class",
        action="store_true",
        help="each SUBMISSION folder is a class: every folder or zip in it is one learner's",
    )
    grade.set_defaults(run=_cmd_grade)

    regrade = commands.add_parser(
        "regrade",
        help="re-apply overrides and the late policy to graded results (no learner code runs)",
    )
    regrade.add_argument("out", type=Path, metavar="DIR", help="the folder `grade --out` wrote")
    regrade.add_argument(
        "--overrides", type=Path, help="an instructor's points (YAML; default: the last applied)"
    )
    regrade.add_argument(
        "--timestamps", type=Path, help="CSV name,submitted_at (default: the last applied)"
    )
    regrade.add_argument("--junit", type=Path, help="also write JUnit XML")
    regrade.add_argument("--canvas", type=Path, help="also write a Canvas gradebook import CSV")
    regrade.add_argument("--roster", type=Path, help="CSV mapping names to Canvas students")
    _add_canvas_assignment(regrade)
    regrade.add_argument(
        "--no-similarity", action="store_true", help="skip the search for similar submissions"
    )
    regrade.set_defaults(run=_cmd_regrade)

    demo = commands.add_parser("demo", help="grade the sample submissions and print a table")
    demo.add_argument("--out", type=Path, help="folder for the results (default: a temp folder)")
    demo.add_argument("--jobs", type=_positive_int, default=min(2, os.cpu_count() or 1))
    demo.add_argument("--seed", type=int, default=2026)
    demo.set_defaults(run=_cmd_demo)

    check = commands.add_parser("check", help="self-check the visible checks of a folder")
    check.add_argument("folder", nargs="?", type=Path, help="default: the exercises folder")
    check.add_argument(
        "--report-dir", type=Path, help="also write report.md, report.html, results.json here"
    )
    check.add_argument(
        "--only",
        metavar="EXERCISE",
        help="run only this exercise's checks (ex3_threshold_sweep, say)",
    )
    _add_isolation(check)
    check.set_defaults(run=_cmd_check)

    release = commands.add_parser("release", help="write the learners' bundle")
    release.add_argument("out", type=Path, metavar="OUT")
    release.add_argument(
        "--notebooks", action="store_true", help="write the exercises as Jupyter notebooks"
    )
    release.set_defaults(run=_cmd_release)

    gradescope = commands.add_parser("gradescope", help="write the Gradescope autograder zip")
    gradescope.add_argument("out", type=Path, metavar="OUT.zip")
    gradescope.set_defaults(run=_cmd_gradescope)

    validate = commands.add_parser(
        "validate", help="solutions earn every point, stubs none, the rubric is consistent"
    )
    validate.add_argument("--seeds", type=_positive_int, default=2, help="held-out draws")
    validate.set_defaults(run=_cmd_validate)

    build = commands.add_parser(
        "build", help="regenerate exercises/, the shipped data and the chapter notes"
    )
    build.add_argument(
        "--check", action="store_true", help="write nothing; exit 1 if anything is out of date"
    )
    build.set_defaults(run=_cmd_build)
    return parser


#: What a learner's bundle (no solutions/) offers; the other commands need the kit.
LEARNER_COMMANDS = frozenset({"check"})


def _learner_only(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """The parser with a learner's --help: only the commands a learner's bundle can run.
    The others still parse, and say they need the instructor's kit."""
    for action in parser._subparsers._group_actions:  # argparse keeps no public handle
        if isinstance(action, argparse._SubParsersAction):
            action._choices_actions = [
                choice for choice in action._choices_actions if choice.dest in LEARNER_COMMANDS
            ]
    parser.description = "Self-check your exercises for 'Logistic Regression and Metrics'."
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; everything it prints to stdout and stderr is escaped for the
    terminal (grader/terminal_text.py): names and messages are the learners' words."""
    streams = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = (
        stream if isinstance(stream, EscapingStream) else EscapingStream(stream)
        for stream in streams
    )
    try:
        return _main(argv)
    finally:
        sys.stdout, sys.stderr = streams


def _main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    if not KitPaths.discover().solutions.is_dir():
        parser = _learner_only(parser)
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:  # argparse has printed its own one-line message
        return EXIT_OK if exit_.code == 0 else EXIT_USAGE
    from grader.sandbox.probe import IsolationUnavailable

    try:
        return args.run(args, KitPaths.discover())
    except (UsageError, InstructorInputError, IsolationUnavailable) as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
