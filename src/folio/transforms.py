"""Book -> Book: parse every chapter, give headings ids, number the notes, check references.

Like mdBook's preprocessors, each step takes the whole book so that what must be unique or
continuous across chapters (heading ids, note numbers) is decided in one place. The checks here
are the build's and the lint's alike: the build stops at the first problem, the lint collects
them all (each with its stable code) and goes on.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path
from urllib.parse import unquote

from markdown_it.token import Token

from . import images, languages
from .errors import BuildError, Report, stop
from .load import load_book
from .model import RESERVED_IDS, Book, Chapter, Heading, Note
from .parse import parse


def prepare_book(folder: Path, report: Report = stop) -> Book:
    """Load a book folder and run every transform: the Book the renderers take.

    Each problem in the chapters goes to `report`; by default the first one is raised.
    """
    book = load_book(folder, report)
    used_ids = set(RESERVED_IDS)  # a chapter called "Cover" must not overwrite cover.xhtml
    number = 0
    for index, chapter in enumerate(book.chapters):
        chapter.tokens = parse(chapter.text, book.config)
        collect_notes(chapter, report)
        if index == 0 and book.config.untitled_opening:
            untitled_opening(chapter, book.config.title, used_ids, report)
        else:
            assign_heading_ids(chapter, used_ids, report)
        number = number_notes(chapter, number, report)
        collect_images(chapter, book, report)
        check_languages(chapter, report)
    check_links(book, report)
    return book


_prepared: dict[Path, tuple[tuple, Book]] = {}


def prepared_book(folder: Path) -> Book:
    """prepare_book, once per process for all of a book's editions (while its files are unchanged):
    doit's serial runner lays a book out and writes its EPUB in one process."""
    state = tuple((p.name, p.lstat().st_mtime_ns, p.lstat().st_size) for p in sorted(folder.rglob("*")))  # lstat: a link may dangle
    if folder not in _prepared or _prepared[folder][0] != state:
        _prepared[folder] = (state, prepare_book(folder))
    return _prepared[folder][1]


def slugify(text: str) -> str:
    """A readable ASCII id: 'Rise (1978–1992)' -> 'rise-1978-1992', '1992–94' -> 'section-1992-94'."""
    spaced = "".join(c if c.isalnum() else " " for c in text)  # dashes separate words too
    ascii_text = unicodedata.normalize("NFKD", spaced).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    if not slug[:1].isalpha():  # ids that begin with a digit are not XML names
        slug = f"section-{slug}".rstrip("-")
    return slug


def unique_id(base: str, used: set[str]) -> str:
    candidate, n = base, 1
    while candidate in used:
        n += 1
        candidate = f"{base}-{n}"
    used.add(candidate)
    return candidate


def _line(token: Token) -> int | None:
    return token.map[0] + 1 if token.map else None


def _plain_text(inline: Token) -> str:
    return "".join(c.content for c in inline.children or [] if c.type in ("text", "code_inline", "html_inline")).strip()


def collect_notes(chapter: Chapter, report: Report = stop) -> None:
    """Take footnote definitions out of the token stream and keep them by label."""
    kept: list[Token] = []
    current: list[Token] | None = None
    for token in chapter.tokens:
        if token.type == "footnote_reference_open":
            label = token.meta["label"]
            current = []
            if label in chapter.notes:
                report(
                    BuildError(
                        chapter.path,
                        f"note [^{label}] is defined twice (first at line {chapter.notes[label].line})",
                        line=_line(token),
                        code="S005",
                        mark=f"[^{label}]",
                    )
                )
            else:
                chapter.notes[label] = Note(label=label, number=0, tokens=current, line=_line(token) or 0)
        elif token.type == "footnote_reference_close":
            current = None
        elif current is not None:
            current.append(token)
        else:
            kept.append(token)
    chapter.tokens = kept


def assign_heading_ids(chapter: Chapter, used: set[str], report: Report = stop) -> None:
    def problem(code: str, message: str, token: Token) -> None:
        report(BuildError(chapter.path, message, line=_line(token), code=code))

    previous_level = 0
    for i, token in enumerate(chapter.tokens):
        if token.type != "heading_open":
            continue
        level = int(token.tag[1])
        if i > 0 and not chapter.headings:  # reported where the text before the title begins
            problem("S003", "text before the chapter's title: a chapter begins with a level-1 heading (# Title)", chapter.tokens[0])
        elif i == 0 and level != 1:
            problem("S003", "a chapter begins with a level-1 heading (# Title)", token)
        elif level == 1 and chapter.headings:
            problem("S003", "a chapter has one level-1 heading; use ## for sections", token)
        elif level > previous_level + 1:
            problem("S001", f"heading level jumps from {previous_level} to {level}", token)
        previous_level = level
        text = _plain_text(chapter.tokens[i + 1])
        if not text:
            problem("S003", "heading is empty", token)
            continue
        heading_id = unique_id(slugify(text), used)
        token.attrSet("id", heading_id)
        if level == 1:
            chapter.id = heading_id
        chapter.headings.append(Heading(level=level, text=text, id=heading_id, chapter=chapter.id))
    if not any(t.type == "heading_open" for t in chapter.tokens):
        report(BuildError(chapter.path, "a chapter begins with a level-1 heading (# Title)", line=1, code="S003"))


def untitled_opening(chapter: Chapter, title: str, used: set[str], report: Report = stop) -> None:
    """The opening that book.toml calls untitled: text without headings, under the book's title,
    whose id it takes (and so names its EPUB document and web page)."""
    chapter.id = unique_id(slugify(title), used)
    chapter.book_title = title
    for token in chapter.tokens:
        if token.type == "heading_open":
            message = "the untitled opening (book.toml untitled_opening) has no headings: begin the next chapter here"
            report(BuildError(chapter.path, message, line=_line(token), code="S003"))


def _inline_tokens(tokens: list[Token]):
    """Yield (line, child) for every inline child in a token list, with the child's own line."""
    for token in tokens:
        if token.type == "inline":
            line = _line(token)
            for child in token.children or []:
                yield line, child
                if line is not None and child.type in ("softbreak", "hardbreak"):
                    line += 1


def number_notes(chapter: Chapter, last: int, report: Report = stop) -> int:
    """Number notes in order of first call, continuing from `last`; every note called, once defined."""
    for line, child in _inline_tokens(chapter.tokens):
        if child.type != "footnote_ref":
            continue
        label = child.meta["label"]
        note = chapter.notes.get(label)
        if note is None:
            report(BuildError(chapter.path, f"note [^{label}] is called but not defined", line=line, code="S004", mark=f"[^{label}]"))
        else:
            if note.number == 0:
                last += 1
                note.number = last
            note.calls += 1
    for note in chapter.notes.values():
        if note.number == 0:
            report(
                BuildError(
                    chapter.path, f"note [^{note.label}] is defined but never called", line=note.line, code="S006", mark=f"[^{note.label}]"
                )
            )
        for line, child in _inline_tokens(note.tokens):
            if child.type == "footnote_ref":
                report(
                    BuildError(
                        chapter.path,
                        "a note cannot call another note",
                        line=line or note.line,
                        code="S007",
                        mark=f"[^{child.meta['label']}]",
                    )
                )
    return last


def _all_tokens(chapter: Chapter) -> list[Token]:
    """The chapter's tokens and its notes' tokens."""
    return chapter.tokens + [t for note in chapter.notes.values() for t in note.tokens]


def collect_images(chapter: Chapter, book: Book, report: Report = stop) -> None:
    """Check every image the chapter names (images.py) into book.images, once each however it is
    written; each image token's meta["image"] is its key there, for the renderers."""
    lines = chapter.text.split("\n")
    for line, child in _inline_tokens(_all_tokens(chapter)):
        if child.type != "image":
            continue
        src = str(child.attrGet("src") or "")
        try:
            key, path = images.locate(book.folder, src, book.config.limits.image_size)
            if key not in book.images:
                book.images[key] = images.check_image(key, images.read(path, book.config.limits.image_size))
        except images.ImageError as problem:
            text = lines[line - 1] if line and line <= len(lines) else ""
            mark = next((m for m in (src, unquote(src)) if m and m in text), None)
            col = text.find(mark) + 1 if mark else None
            shown = mark or src  # as the chapter has it
            shown = shown if len(shown) <= 60 else shown[:59] + "…"
            report(BuildError(chapter.path, f"image {shown!r} {problem}", line=line, col=col, code="S009", mark=mark))
            continue
        child.meta["image"] = key
        if key not in chapter.images:
            chapter.images.append(key)


def check_languages(chapter: Chapter, report: Report = stop) -> None:
    """Attributes in braces ({lang=ur}) give a language and nothing else; the language a sound
    BCP 47 tag (languages.py), which reading systems, screen readers and hyphenation can use."""
    lines = chapter.text.split("\n")
    for line, child in _inline_tokens(_all_tokens(chapter)):
        text = lines[line - 1] if line and line <= len(lines) else ""
        lang = child.attrGet("lang")
        if lang is not None and not languages.is_valid(str(lang)):
            mark = next((m for m in (f"lang={lang}", f'lang="{lang}"', f"lang='{lang}'") if m in text), None)
            col = text.find(mark) + 1 if mark else None
            message = f"lang={lang!r} is not a BCP 47 language tag such as 'ur', 'fr' or 'pa-Arab'"
            report(BuildError(chapter.path, message, line=line, col=col, code="S015", mark=mark))
        others = (child.meta or {}).get("insecure_attrs", {})
        if child.type == "span_open" and lang is None and not others:  # [text]{} or {%a comment%}: the braces would vanish
            mark = "]{" if "]{" in text else None
            col = text.find(mark) + 2 if mark else None
            report(
                BuildError(chapter.path, "braces that give no language: write [text]{lang=ur}", line=line, col=col, code="S015", mark=mark)
            )
        for name, value in others.items():
            shown = {"class": f".{str(value).split()[0]}", "id": f"#{value}"}.get(name, f"{name}=")
            mark = next((m for m in (shown, name) if m in text), None)
            col = text.find(mark) + 1 if mark else None
            message = f"{mark or name!r}: only a language may stand in braces, as {{lang=ur}}"
            report(BuildError(chapter.path, message, line=line, col=col, code="S015", mark=mark))


def check_links(book: Book, report: Report = stop) -> None:
    """Internal links must name a heading of this book; external ones be a web or mail address a
    reader can follow (urls.py), which every edition then writes in one form."""
    from .urls import is_external, normalized, problem  # the URL parser: 0.1 s to import

    ids = {h.id for h in book.headings}
    for chapter in book.chapters:
        for line, child in _inline_tokens(_all_tokens(chapter)):
            if child.type != "link_open":
                continue
            href = str(child.attrGet("href") or "")
            if href.startswith("#"):
                if href[1:] in ids:
                    continue
                wrong = "no heading has that id"
            elif is_external(href):
                if not (wrong := problem(href) or ""):
                    child.attrSet("href", normalized(href))
                    continue
            else:
                wrong = "only #heading-id, http(s) and mailto links are allowed"
            report(BuildError(chapter.path, f"link to {href!r}: {wrong}", line=line, code="S008", mark=href))
