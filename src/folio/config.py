"""book.toml -> BookConfig: a frozen, typed, validated description of one book."""

from __future__ import annotations

import datetime as dt
import difflib
import re
import tomllib
import uuid
from collections.abc import Sequence
from dataclasses import MISSING, dataclass, fields
from pathlib import Path, PurePosixPath
from typing import cast

from .errors import CONTROL, BuildError, printable
from .fileio import Refused, book_file

# Beside book.toml, the book's own answers to the lint: words the dictionary lacks, findings accepted.
WORDS_FILE = "words.txt"
ALLOW_FILE = "lint-allow.toml"

_LENGTH = r"\d+(?:\.\d+)?(?:in|mm|cm|pt)"


@dataclass(frozen=True)
class PrintConfig:
    """The print interior's [print] table: trim size, and bleed and marks only when asked."""

    trim: str = "6in 9in"  # width height, as CSS lengths
    bleed: str | None = None  # e.g. "0.125in"; print-on-demand services want none for interiors
    crop_marks: bool = False  # they reject marks too
    page_multiple: int = 2  # pad with blank pages to a multiple of this: 2, or 4 for saddle stitching


@dataclass(frozen=True)
class LimitsConfig:
    """The [limits] table: how large an input may be before it is refused, at once, rather than
    left to run the build for minutes. Raise them where a real book needs more."""

    file_size: int = 5_000_000  # bytes of a chapter, the source text, words.txt or lint-allow.toml
    image_size: int = 50_000_000  # bytes of an image file
    word_length: int = 2_000  # characters of a word (a run without spaces): hyphenation costs grow with it


@dataclass(frozen=True)
class BookConfig:
    """Everything book.toml says; the keys and their types are a contract other tools rely on
    (README.md, "Edit a book and rebuild")."""

    title: str
    language: str
    authors: tuple[str, ...]
    identifier: str
    date: dt.date
    license: str
    chapters: tuple[str, ...]
    subtitle: str | None = None
    source: str | None = None
    description: str | None = None
    license_url: str | None = None
    attribution: str | None = None
    source_text: str | None = None  # the raw source, in the book folder: the lint checks the edition against it
    keywords: tuple[str, ...] = ()
    authors_sort: tuple[str, ...] = ()  # each author as shelves sort them ("Contributors, Wikipedia"); see sort_names
    back_matter: tuple[str, ...] = ()  # the last chapters, set as back matter (e.g. a note on the text)
    untitled_opening: bool = False  # the first chapter opens the text without a title (an article's lead)
    # Where the text comes from, as a licence such as CC BY-SA asks a reuser to say, on the copyright page:
    source_history: str | None = None  # the address of the source's history (its list of authors)
    source_revision: str | None = None  # the revision of the source the text was taken from
    source_date: dt.date | None = None  # the date the text was taken from the source (or the latest it can have been)
    editors: tuple[str, ...] = ()  # who edited the edition
    publisher: str | None = None  # the imprint that publishes it
    print: PrintConfig = PrintConfig()
    limits: LimitsConfig = LimitsConfig()

    @property
    def timestamp(self) -> dt.datetime:
        """Midnight UTC of the edition's date: every timestamp written into the outputs."""
        return dt.datetime.combine(self.date, dt.time(), dt.UTC)

    @property
    def edited_by(self) -> str | None:
        """'Edited by A and B', as the title page, the copyright page and the cover say it."""
        return f"Edited by {names(self.editors)}" if self.editors else None

    @property
    def sort_names(self) -> tuple[str, ...]:
        """The authors as shelves sort them: authors_sort, or each name's last word first
        ("Ada Editor" -> "Editor, Ada"), as a reading system's catalogue would guess."""
        if self.authors_sort:
            return self.authors_sort
        return tuple(
            f"{name.rsplit(None, 1)[1]}, {name.rsplit(None, 1)[0]}" if len(name.split()) > 1 and "," not in name else name
            for name in self.authors
        )

    def as_metadata(self) -> dict[str, object]:
        """The settings the editions read, as plain data for doit's config_changed."""
        return {f.name: _plain(getattr(self, f.name)) for f in fields(self)}


def names(people: Sequence[str]) -> str:
    """People as a sentence names them: 'A', 'A and B', 'A, B and C'."""
    return people[0] if len(people) == 1 else f"{', '.join(people[:-1])} and {people[-1]}"


_REQUIRED = {f.name for f in fields(BookConfig) if f.default is MISSING}
_STRING_KEYS = {
    "title",
    "language",
    "identifier",
    "license",
    "subtitle",
    "source",
    "description",
    "license_url",
    "attribution",
    "source_text",
    "source_history",
    "source_revision",
    "publisher",
}
_LIST_KEYS = {"authors", "chapters", "keywords", "back_matter", "authors_sort", "editors"}
_DATE_KEYS = {"date", "source_date"}
_URL_KEYS = {"source", "license_url", "source_history"}  # web addresses, printed and linked in every edition


def _plain(value: object) -> object:
    if isinstance(value, (PrintConfig, LimitsConfig)):
        return {f.name: getattr(value, f.name) for f in fields(value)}
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, tuple):
        return list(value)
    return value


def load_config(path: Path, full_check: bool = True) -> BookConfig:
    """Read and check book.toml; every problem is a BuildError naming the file and the key.

    Deciding what to rebuild reads every book.toml and skips the checks against registries, web
    addresses and the language tag (the URL parser and langcodes take 0.15 s to import); every
    task that builds anything makes them."""
    try:
        with book_file(path.parent, path.name).open("rb") as f:
            data = tomllib.load(f)
    except Refused as e:
        raise BuildError(path, str(e)) from None
    except OSError as e:
        raise BuildError(path, f"cannot read book.toml: {e.strerror}") from e
    except tomllib.TOMLDecodeError as e:
        raise toml_error(path, e, path.read_text(encoding="utf-8", errors="replace")) from None
    except UnicodeDecodeError as e:
        raise BuildError(path, f"not UTF-8 (byte {e.start})") from e

    for key in data:
        if unknown := _unknown(key, BookConfig):
            raise BuildError(path, f"{key}: {unknown}")
    for key in sorted(_REQUIRED - data.keys()):
        raise BuildError(path, f"{key}: required key is missing")

    values: dict[str, object] = {}
    for key, value in data.items():
        values[key] = _check(path, key, value)
        if key in _URL_KEYS and full_check:
            from .urls import problem

            if wrong := problem(value):
                raise BuildError(path, f"{key}: {value!r} {wrong}")
        if key == "language" and full_check:
            from .languages import is_valid

            if not is_valid(value):
                raise BuildError(path, f"{key}: {value!r} is not a BCP 47 language tag such as 'en' or 'en-GB'")
    if "authors_sort" in values and len(cast(tuple, values["authors_sort"])) != len(cast(tuple, values["authors"])):
        raise BuildError(path, "authors_sort: must give one sort form for each of the authors, in their order")
    back, chapters = cast(tuple, values.get("back_matter", ())), cast(tuple, values["chapters"])
    if back and chapters[-len(back) :] != back:
        raise BuildError(path, "back_matter: must name the last chapters, in their order")
    if values.get("untitled_opening") and chapters[0] in back:
        raise BuildError(path, "untitled_opening: the opening chapter cannot be back matter")
    return BookConfig(**values)  # type: ignore[arg-type]


def toml_error(path: Path, error: tomllib.TOMLDecodeError, text: str) -> BuildError:
    """A TOML file's syntax error at its line and column (tomllib says where only in its message)."""
    message = str(error)
    if m := re.search(r" \(at line (\d+), column (\d+)\)$", message):
        return BuildError(path, f"not valid TOML: {message[: m.start()]}", line=int(m[1]), col=int(m[2]))
    return BuildError(path, f"not valid TOML: {message.removesuffix(' (at end of document)')}", line=text.count("\n") + 1)


def _unknown(key: str, table: type) -> str | None:
    """None for a key of the table's dataclass; else the message, with the key it may be a slip for."""
    known = sorted(f.name for f in fields(table))
    if key in known:
        return None
    close = difflib.get_close_matches(key, known, n=1)
    return "unknown key" + (f" (did you mean {close[0]!r}?)" if close else "")


def _inside(relative: str) -> bool:
    p = PurePosixPath(relative)
    return not p.is_absolute() and ".." not in p.parts


def _check(path: Path, key: str, value: object) -> object:
    def fail(message: str) -> BuildError:
        return BuildError(path, f"{key}: {message}")

    for text in value if isinstance(value, list) else [value]:
        if isinstance(text, str) and (control := CONTROL.search(text)):
            raise fail(f"a control character {printable(control[0])} is not allowed (at character {control.start() + 1})")
    if key in _STRING_KEYS:
        if not isinstance(value, str):
            raise fail(f"must be a string, not {type(value).__name__}")
        if not value.strip():
            raise fail("must not be empty")
        if key == "identifier" and value.lower().startswith("urn:uuid:"):
            try:
                uuid.UUID(value[9:])
            except ValueError:
                raise fail(f"{value!r} is not a valid UUID (make one with: python -c 'import uuid; print(uuid.uuid4())')") from None
        if key == "source_text" and not _inside(value):
            raise fail(f"{value!r} must be a path inside the book folder")
        return value.strip()
    if key in _LIST_KEYS:
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            raise fail("must be a list of non-empty strings")
        if key in ("authors", "chapters") and not value:
            raise fail("must list at least one entry")
        if key == "chapters":
            for chapter in value:
                if not _inside(chapter):
                    raise fail(f"{chapter!r} must be a path inside the book folder")
            if len(set(value)) != len(value):
                raise fail("lists a chapter twice")
        return tuple(v.strip() for v in value)
    if key in _DATE_KEYS:
        if isinstance(value, dt.datetime):
            raise fail("must be a date such as 2026-11-25, without a time")
        if isinstance(value, dt.date):
            return value
        if isinstance(value, str):
            try:
                return dt.date.fromisoformat(value)
            except ValueError:
                pass
        raise fail(f"must be an ISO date such as 2026-11-25, not {value!r}")
    if key == "untitled_opening":
        if not isinstance(value, bool):
            raise fail("must be true or false")
        return value
    if key == "print":
        return _check_print(path, value)
    if key == "limits":
        return _check_limits(path, value)
    raise AssertionError(key)  # every known key is handled above


def _check_print(path: Path, table: object) -> PrintConfig:
    if not isinstance(table, dict):
        raise BuildError(path, "print: must be a table ([print])")
    for key, value in table.items():

        def fail(message: str, key: str = key) -> BuildError:
            return BuildError(path, f"print.{key}: {message}")

        if unknown := _unknown(key, PrintConfig):
            raise fail(unknown)
        if key == "trim" and not (isinstance(value, str) and re.fullmatch(f"{_LENGTH} {_LENGTH}", value)):
            raise fail(f"must be a width and a height such as '6in 9in' or '148mm 210mm', not {value!r}")
        if key == "bleed" and not (isinstance(value, str) and re.fullmatch(_LENGTH, value)):
            raise fail(f"must be a length such as '0.125in' or '3mm', not {value!r}")
        if key == "crop_marks" and not isinstance(value, bool):
            raise fail("must be true or false")
        if key == "page_multiple" and value not in (2, 4):
            raise fail("must be 2 or 4")
    return PrintConfig(**table)


def _check_limits(path: Path, table: object) -> LimitsConfig:
    if not isinstance(table, dict):
        raise BuildError(path, "limits: must be a table ([limits])")
    for key, value in table.items():
        if unknown := _unknown(key, LimitsConfig):
            raise BuildError(path, f"limits.{key}: {unknown}")
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise BuildError(path, f"limits.{key}: must be a positive whole number, not {value!r}")
    return LimitsConfig(**table)
