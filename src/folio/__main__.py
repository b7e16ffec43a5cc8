"""`python -m folio lint [PATH ...]`: the content checks from the command line.

Prints one finding a line, `path:line:col: CODE message`; exits 0 when clean, 1 on findings,
2 when a file cannot be checked at all (that error printed the same way, never a traceback).
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
from pathlib import Path

from .errors import BuildError
from .lint import lint_path
from .load import find_books


def _shown(path: Path) -> Path:
    """Paths relative to the working folder where they are inside it, as the user typed them."""
    try:
        return Path(os.path.relpath(path)) if path.is_absolute() and path.is_relative_to(Path.cwd()) else path
    except ValueError:
        return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m folio")
    commands = parser.add_subparsers(dest="command", required=True)
    lint = commands.add_parser("lint", help="check the text of books or files",
                               description="Check books (folders with a book.toml) or single Markdown or "
                                           "text files. With no path, every book under content/.")
    lint.add_argument("paths", nargs="*", type=Path, metavar="PATH")
    args = parser.parse_args(argv)

    paths = args.paths or find_books(Path("content"))
    status = 0
    for path in paths:
        try:
            findings = lint_path(path)
        except BuildError as e:
            e.path = _shown(e.path)
            print(e, file=sys.stderr)
            status = 2
            continue
        except Exception as e:  # a fault of the lint itself: say where it happened, without a traceback
            print(f"{_shown(path)}: the lint failed: {type(e).__name__}: {e}", file=sys.stderr)
            status = 2
            continue
        for finding in findings:
            print(dataclasses.replace(finding, path=_shown(finding.path)))
        if findings:
            status = max(status, 1)
    return status


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BrokenPipeError:  # `| head`: stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(1)
    except KeyboardInterrupt:
        sys.exit(130)
