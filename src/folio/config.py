"""book.toml -> BookConfig: a frozen, typed, validated description of one book."""

from __future__ import annotations

import datetime as dt
import difflib
import re
import tomllib
from dataclasses import MISSING, dataclass, fields
from pathlib import Path, PurePosixPath

from .errors import BuildError

# A simplified BCP 47 check: language, then subtags such as script or region ("en", "en-GB").
_LANGUAGE_TAG = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$")


@dataclass(frozen=True)
class BookConfig:
    """Everything book.toml says; the keys and types are the contract in DESIGN.md."""

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
    keywords: tuple[str, ...] = ()

    def as_metadata(self) -> dict[str, object]:
        """The settings the editions read, as plain data for doit's config_changed."""
        return {f.name: _plain(getattr(self, f.name)) for f in fields(self)}


_REQUIRED = {f.name for f in fields(BookConfig) if f.default is MISSING}
_STRING_KEYS = {"title", "language", "identifier", "license", "subtitle", "source", "description",
                "license_url", "attribution"}
_LIST_KEYS = {"authors", "chapters", "keywords"}


def _plain(value: object) -> object:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, tuple):
        return list(value)
    return value


def load_config(path: Path) -> BookConfig:
    """Read and check book.toml; every problem is a BuildError naming the file and the key."""
    try:
        with path.open("rb") as f:
            data = tomllib.load(f)
    except OSError as e:
        raise BuildError(path, f"cannot read book.toml: {e.strerror}") from e
    except tomllib.TOMLDecodeError as e:
        raise BuildError(path, f"not valid TOML: {e}") from e
    except UnicodeDecodeError as e:
        raise BuildError(path, f"not UTF-8 (byte {e.start})") from e

    known = {f.name for f in fields(BookConfig)}
    for key in data:
        if key not in known:
            close = difflib.get_close_matches(key, sorted(known), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise BuildError(path, f"{key}: unknown key{hint}")
    for key in sorted(_REQUIRED - data.keys()):
        raise BuildError(path, f"{key}: required key is missing")

    values: dict[str, object] = {}
    for key, value in data.items():
        values[key] = _check(path, key, value)
    return BookConfig(**values)  # type: ignore[arg-type]


def _check(path: Path, key: str, value: object) -> object:
    def fail(message: str) -> BuildError:
        return BuildError(path, f"{key}: {message}")

    if key in _STRING_KEYS:
        if not isinstance(value, str):
            raise fail(f"must be a string, not {type(value).__name__}")
        if not value.strip():
            raise fail("must not be empty")
        if key == "language" and not _LANGUAGE_TAG.match(value):
            raise fail(f"{value!r} is not a BCP 47 language tag such as 'en' or 'en-GB'")
        return value.strip()
    if key in _LIST_KEYS:
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            raise fail("must be a list of non-empty strings")
        if key != "keywords" and not value:
            raise fail("must list at least one entry")
        if key == "chapters":
            for chapter in value:
                p = PurePosixPath(chapter)
                if p.is_absolute() or ".." in p.parts:
                    raise fail(f"{chapter!r} must be a path inside the book folder")
            if len(set(value)) != len(value):
                raise fail("lists a chapter twice")
        return tuple(v.strip() for v in value)
    if key == "date":
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
    raise AssertionError(key)  # every known key is handled above
