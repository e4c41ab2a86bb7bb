"""The command line: `python -m grader COMMAND`.

Exit status: 0 when the command ran, 1 when `validate` or `build --check` found a problem,
2 with a one-line message for a usage or configuration error.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from grader import __version__
from grader.paths import KitPaths

EXIT_OK = 0
EXIT_FOUND_PROBLEMS = 1
EXIT_USAGE = 2


class UsageError(Exception):
    """A problem with how the grader was called or configured: one line, exit status 2."""


def _build(args: argparse.Namespace, kit: KitPaths) -> int:
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


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m grader",
        description="Grade submissions for the chapter 'Logistic Regression and Metrics'.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True

    build = commands.add_parser(
        "build", help="regenerate exercises/, the shipped data and the chapter notes"
    )
    build.add_argument(
        "--check", action="store_true", help="write nothing; exit 1 if anything is out of date"
    )
    build.set_defaults(run=_build)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:  # argparse has printed its own one-line message
        return EXIT_OK if exit_.code == 0 else EXIT_USAGE
    try:
        return args.run(args, KitPaths.discover())
    except UsageError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_USAGE
