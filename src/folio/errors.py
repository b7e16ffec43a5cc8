"""The errors every stage raises: a mistake in a book names the file and line at fault."""

from __future__ import annotations

from pathlib import Path


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
        return f"{where}: {self.message}"


class Failed(Exception):
    """A task that failed for reasons it has already printed (the lint's findings, the checks'
    table): its message is the one-line summary."""
