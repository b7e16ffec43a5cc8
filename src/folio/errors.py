"""The errors every stage raises: a mistake in a book names the file and line at fault."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

# Characters a text may not hold: C0 controls but tab and line ends, DEL and C1 controls. A
# carriage return is a line end only before a newline.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]|\r(?!\n)")
# What a message never writes to a terminal (a CI log): any control character, and the marks
# that reorder a line's text as it is shown.
_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def printable(text: str) -> str:
    """The text with every control character (and bidirectional override) escaped: '\\x1b'."""
    return _UNPRINTABLE.sub(lambda m: m[0].encode("unicode_escape").decode("ascii"), text)


class BuildError(Exception):
    """A problem in the book's sources, reported as `path:line:col: message`.

    `code` is the lint's stable code for the kind of problem, and `mark` the text at fault, from
    which the lint finds the column; neither is part of the message.
    """

    def __init__(
        self,
        path: Path | str,
        message: str,
        line: int | None = None,
        col: int | None = None,
        code: str | None = None,
        mark: str | None = None,
    ):
        self.path = Path(path)
        self.message = message
        self.line = line
        self.col = col
        self.code = code
        self.mark = mark
        super().__init__(str(self))

    def __reduce__(self):  # pickled by the same fields, to come back from a forked process whole
        return BuildError, (self.path, self.message, self.line, self.col, self.code, self.mark)

    def __str__(self) -> str:
        where = str(self.path)
        if self.line is not None:
            where += f":{self.line}"
            if self.col is not None:
                where += f":{self.col}"
        return printable(f"{where}: {self.message}")


class Failed(Exception):
    """A task that failed for reasons it has already printed (the lint's findings, the checks'
    table): its message is the one-line summary."""


Report = Callable[[BuildError], None]  # what a stage does with a problem in a book


def stop(error: BuildError) -> None:
    """The build's way with a problem: stop at the first (the lint collects them all instead)."""
    raise error
