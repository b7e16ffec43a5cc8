"""content/<slug>/ -> Book: read book.toml and the chapter files, nothing more."""

from __future__ import annotations

import bisect
import re
from pathlib import Path

from .config import BookConfig, LimitsConfig, load_config
from .errors import CONTROL, BuildError, Report, printable, stop
from .fileio import Refused, book_file
from .model import Book, Chapter


def find_books(content: Path) -> list[Path]:
    """Every folder of `content` that holds a book.toml is a book."""
    return sorted(p.parent for p in content.glob("*/book.toml"))


def check_identifier(folder: Path, config: BookConfig, content: Path) -> None:
    """Every book of a project needs its own identifier: readers tell books apart by it."""
    for other in find_books(content):
        if other.resolve() != folder.resolve() and load_config(other / "book.toml").identifier == config.identifier:
            raise BuildError(
                folder / "book.toml",
                f"identifier: {config.identifier!r} is also the identifier of {other / 'book.toml'}; every book needs its own",
            )


def load_book(folder: Path, report: Report = stop) -> Book:
    """The book's configuration and chapters; each problem of a chapter's text goes to `report`."""
    config = load_config(folder / "book.toml")
    chapters = []
    for name in config.chapters:
        path = folder / name
        text = read_chapter(folder, name, config.limits.file_size)
        for problem in text_problems(path, text, config.limits):
            report(problem)
        chapters.append(Chapter(path=path, text=text, back_matter=name in config.back_matter))
    return Book(slug=folder.name, folder=folder, config=config, chapters=chapters)


def read_chapter(folder: Path, name: str, limit: int) -> str:
    path = folder / name
    try:
        text = read_utf8(book_file(folder, name, limit))
    except Refused as e:
        raise BuildError(folder / "book.toml", f"chapters: {e}") from None
    except OSError as e:
        raise BuildError(path, f"cannot read chapter: {e.strerror}") from e
    if not text.strip():
        raise BuildError(path, "chapter is empty", line=1)
    return text


def text_problems(path: Path, text: str, limits: LimitsConfig) -> list[BuildError]:
    """The control characters of a text (S012) and its words longer than the book allows (S013),
    at their line and column."""
    lines = [0, *(m.end() for m in re.finditer("\n", text))]

    def at(index: int, code: str, message: str) -> BuildError:
        line = bisect.bisect_right(lines, index)
        return BuildError(path, message, line=line, col=index - lines[line - 1] + 1, code=code)

    problems = [at(m.start(), "S012", f"a control character {printable(m[0])} is not allowed in a text") for m in CONTROL.finditer(text)]
    too_long = re.compile(f"(?<!\\S)\\S{{{limits.word_length + 1},}}")
    problems += [
        at(
            m.start(),
            "S013",
            f"a word of {len(m[0]):,} characters is longer than the book's limit of {limits.word_length:,} "
            "(raise word_length in book.toml's [limits])",
        )
        for m in too_long.finditer(text)
    ]
    return sorted(problems, key=lambda e: (e.line or 0, e.col or 0))


def read_utf8(path: Path) -> str:
    """A text file's text, without a byte order mark; one that is not UTF-8 is an error naming the
    line of its first bad byte. OSError is left to the caller, who knows what the file was for."""
    data = path.read_bytes()
    try:
        return data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        raise BuildError(path, f"not UTF-8: byte {e.start} (0x{data[e.start]:02x}) cannot be decoded", line=line) from None
