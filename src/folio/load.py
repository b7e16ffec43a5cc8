"""content/<slug>/ -> Book: read book.toml and the chapter files, nothing more."""

from __future__ import annotations

from pathlib import Path

from .config import BookConfig, load_config
from .errors import BuildError
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


def load_book(folder: Path) -> Book:
    config = load_config(folder / "book.toml")
    chapters = [
        Chapter(path=folder / name, text=read_chapter(folder / name, folder / "book.toml"), back_matter=name in config.back_matter)
        for name in config.chapters
    ]
    return Book(slug=folder.name, folder=folder, config=config, chapters=chapters)


def read_chapter(path: Path, listed_in: Path) -> str:
    try:
        text = read_utf8(path)
    except FileNotFoundError:
        raise BuildError(listed_in, f"chapters: {path.name!r} is listed but {path} does not exist") from None
    except OSError as e:
        raise BuildError(path, f"cannot read chapter: {e.strerror}") from e
    if not text.strip():
        raise BuildError(path, "chapter is empty", line=1)
    return text


def read_utf8(path: Path) -> str:
    """A text file's text, without a byte order mark; one that is not UTF-8 is an error naming the
    line of its first bad byte. OSError is left to the caller, who knows what the file was for."""
    data = path.read_bytes()
    try:
        return data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        raise BuildError(path, f"not UTF-8: byte {e.start} (0x{data[e.start]:02x}) cannot be decoded", line=line) from None
