"""The book model every stage after loading works on. No I/O here."""

from __future__ import annotations

import base64
import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from markdown_it.token import Token

from .config import BookConfig


@dataclass(frozen=True)
class Heading:
    level: int
    text: str
    id: str
    chapter: str  # the id of the chapter it belongs to


@dataclass
class Note:
    """A footnote definition; `number` counts through the whole book in order of first call."""

    label: str
    number: int
    tokens: list[Token]  # the definition's block tokens
    line: int  # 1-based line of the definition in its chapter file
    calls: int = 0  # how many times the chapter calls it


@dataclass
class Chapter:
    path: Path
    text: str
    id: str = ""  # readable and unique in the book; names the chapter's EPUB document
    tokens: list[Token] = field(default_factory=list)
    headings: list[Heading] = field(default_factory=list)
    notes: dict[str, Note] = field(default_factory=dict)  # by label; labels are per chapter
    images: list[str] = field(default_factory=list)  # its images, as keys of Book.images, in order
    back_matter: bool = False
    book_title: str | None = None  # an untitled opening's (book.toml untitled_opening): it stands under the book's title

    @property
    def untitled(self) -> bool:
        """The opening that has no title of its own, as an article's lead: in no contents, but read in order."""
        return self.book_title is not None

    @property
    def title(self) -> str:
        if self.book_title is not None:
            return self.book_title
        return self.headings[0].text if self.headings else self.id

    @property
    def filename(self) -> str:
        return f"{self.id}.xhtml"


# The EPUB's name suffix for each image type folio takes (EPUB 3's core media types).
IMAGE_SUFFIXES = {"image/png": "png", "image/jpeg": "jpg", "image/gif": "gif", "image/webp": "webp", "image/svg+xml": "svg"}


@dataclass(frozen=True)
class BookImage:
    """An image of the book, checked (images.py): both editions carry these bytes, never the file's
    own (an SVG's are its cleaned tree, written out again)."""

    path: str  # the file, relative to the book folder: the one key however a chapter writes it
    media_type: str
    data: bytes
    animated: bool = False  # more than one frame, or an SVG that animates

    @cached_property
    def name(self) -> str:
        """Its name in the EPUB, chosen by folio from its bytes: no book file can take the name of
        a file folio writes (the cover is images/cover.png, and "cover" is not hexadecimal)."""
        return f"images/{hashlib.sha256(self.data).hexdigest()[:32]}.{IMAGE_SUFFIXES[self.media_type]}"

    @cached_property
    def data_url(self) -> str:
        """The image as a data: URL, for the print HTML: WeasyPrint reads no book file."""
        return f"data:{self.media_type};base64,{base64.b64encode(self.data).decode('ascii')}"


@dataclass
class Book:
    slug: str
    folder: Path
    config: BookConfig
    chapters: list[Chapter]
    images: dict[str, BookImage] = field(default_factory=dict)  # by BookImage.path

    @property
    def notes(self) -> list[Note]:
        return sorted((n for c in self.chapters for n in c.notes.values()), key=lambda n: n.number)

    @property
    def headings(self) -> list[Heading]:
        return [h for c in self.chapters for h in c.headings]


# Names the EPUB uses for its own documents and items, and the web edition's contents page
# (index.html): no chapter or heading id may take them.
RESERVED_IDS = frozenset({"cover", "titlepage", "nav", "toc", "style", "ncx", "cover-image", "landmarks", "page-list", "index", "colophon"})


def countable(text: str) -> int:
    """The characters that place a page break in a block's text, the same in the laid-out PDF and
    in the tokens: spaces (lines collapse and break them), hyphenation hyphens and invisible
    format characters (a word joiner before a note's call) do not count."""
    return sum(1 for char in text if not char.isspace() and char != "\u2010" and unicodedata.category(char) != "Cf")


@dataclass(frozen=True)
class PrintPage:
    """Where a page of the print edition begins: its printed number, and the block of text (the
    index of its opening token in its chapter) and the countable characters of it before the page."""

    label: str
    chapter: str
    block: int
    offset: int


@dataclass(frozen=True)
class PageStart:
    """Where a page of the print edition begins in the EPUB, for the EPUB's page-list: the page's
    printed number and the target ("chapter.xhtml#id") of the pagebreak marker put there."""

    label: str
    href: str


# The ids of notes and their calls, in every edition: the note's text is fn_N, its first call
# fnref_N, a later call fnref_N_2, ... (an underscore: heading slugs never contain one).
_ANCHOR = re.compile(r"(fn|fnref)_([0-9]+)(?:_([0-9]+))?")


def note_id(number: int) -> str:
    return f"fn_{number}"


def call_id(number: int, call: int = 0) -> str:
    """The id of the note's call: its first (call 0), or a later one."""
    return f"fnref_{number}" + (f"_{call + 1}" if call else "")


def read_anchor(anchor: str) -> tuple[str, int, int] | None:
    """("note", N, 0) for the id of note N's text, ("call", N, k) for its k-th call's (0: the
    first); None for any other id."""
    m = _ANCHOR.fullmatch(anchor)
    if not m or m[1] == "fn" and m[3]:
        return None
    return ("note" if m[1] == "fn" else "call", int(m[2]), int(m[3]) - 1 if m[3] else 0)


def misplaced_notes(page_of: dict[str, int]) -> list[tuple[int, int, int | None]]:
    """(note, page of its first call, page of its text or None) for every note not printed on
    the page of its first call, given the page each id is on."""
    firsts = sorted(
        (found[1], page) for anchor, page in page_of.items() if (found := read_anchor(anchor)) and found[0] == "call" and not found[2]
    )
    return [(n, page, page_of.get(note_id(n))) for n, page in firsts if page_of.get(note_id(n)) != page]


def notes_off_their_pages(page_of: dict[str, int]) -> list[str]:
    """The notes not printed on the page of their first call, given the page each id is on."""
    return [f"note {n} is called on page {called} but printed on page {printed}" for n, called, printed in misplaced_notes(page_of)]
