"""Source files -> Prose: the words of each paragraph, heading, table cell and note, for the lint,
and the Finding a check reports at a place in them.

The Markdown is blanked out to spaces, so that every offset still gives the line and column in
the file; a plain text file (a raw source) is read as paragraphs and headings.
"""

from __future__ import annotations

import bisect
import re
from collections import defaultdict, deque
from dataclasses import dataclass, field
from pathlib import Path

from mdit_py_plugins.attrs.parse import ParseError
from mdit_py_plugins.attrs.parse import parse as parse_attrs

from .config import BookConfig
from .errors import BuildError
from .fonts import ENTITY, entity_char
from .load import read_utf8
from .parse import parse

MARKDOWN_SUFFIXES = {".md", ".markdown"}

_SENTENCE_END = re.compile(r"[.!?][\"'”’)\]]*(?=\s+[\"'“‘(\[]*[A-Z0-9])")
_URL = re.compile(r"\b(?:https?|ftp)://[^\s<>]+|\bwww\.[^\s<>]+")
_FOLD = str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"', "–": "-", "—": "-", "\u00a0": " "})


def blank(text: str) -> str:
    return re.sub(r"[^\n]", " ", text)


def fold(text: str) -> str:
    """Typography folded away, one character for one: curly quotes, dashes, no-break spaces."""
    return text.translate(_FOLD)


@dataclass(frozen=True, order=True)
class Finding:
    path: Path
    line: int
    col: int
    code: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.col}: {self.code} {self.message}"


@dataclass
class Prose:
    """The words of one paragraph, heading, table cell or note of a file.

    `text` has the Markdown blanked out to spaces, so an offset in it still gives the line and
    column in the file; `checked` also blanks what the text checks leave alone (words the edition
    quotes from its source).
    """

    path: Path
    kind: str  # "heading", "text", "note" or "cell"
    text: str
    starts: list[tuple[int, int]]  # (line, column) where each line of `text` begins in the file
    sections: tuple[str, ...] = ()  # the headings it stands under, outermost first
    column: str = ""  # a table cell's column heading
    paragraph: int = 0  # a paragraph's number under its heading (1, 2, ...), as the Note on the text's "¶3" counts
    checked: str = ""
    langs: tuple[Lang, ...] = ()  # the spans marked in another language, [mot]{lang=fr}
    _breaks: list[int] | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.checked = self.checked or _URL.sub(lambda m: blank(m[0]), self.text)

    def where(self, offset: int) -> tuple[int, int]:
        """The line and column in the file of an offset in the text (a search, not a count from
        the start: a paragraph of many lines asks for many places)."""
        if self._breaks is None:
            self._breaks = [m.start() for m in re.finditer("\n", self.text)]
        row = bisect.bisect_left(self._breaks, offset)
        line, col = self.starts[row]
        return line, col + offset - (self._breaks[row - 1] + 1 if row else 0)

    def finding(self, offset: int, code: str, message: str) -> Finding:
        return Finding(self.path, *self.where(offset), code, message)

    def lang(self, offset: int) -> str | None:
        """The language marked on the text at an offset, or None: the book's. (The spans stand
        apart, in order: a search, not a scan, for a paragraph of many.)"""
        k = bisect.bisect_right(self.langs, offset, key=lambda span: span.start) - 1
        return self.langs[k].tag if k >= 0 and offset < self.langs[k].end else None


@dataclass(frozen=True)
class Lang:
    """Text marked as another language: the offsets of its words, and its BCP 47 tag."""

    start: int
    end: int
    tag: str


# Each pattern stops at the next opening mark of its kind, so that no search runs from every
# unclosed "[" or "<" to the end of the paragraph (bench/hostile.py measures it).
_AUTOLINK = re.compile(r"<[A-Za-z][\w+.-]*:[^<>\s]*>|<[\w.!#$%&'*+/=?^`{|}~-]+@[A-Za-z0-9.-]+>")  # <https://a.b>, <ada@b.org>
_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?/?>")
_IMAGE = re.compile(r"!\[[^\[\]]*\]\([^()]*\)")
_NOTE_CALL = re.compile(r"\[\^[^\]\s\[]+\]")
_LINK = re.compile(r"\[([^\[\]]*)\]\([^()]*\)")
ATTRIBUTES_MAX = 1000  # characters read for attributes, or back to a span's "[": no read to the paragraph's end from every "]{"
_ATTRIBUTES = re.compile(r"(?<=[\])`])\{")  # mdit-py-plugins' attributes: [mot]{lang=fr}, [a](u){lang=fr}, `x`{.c}
_ESCAPE = re.compile(r"\\(?=[!-/:-@\[-`{-~])")
_EMPHASIS = re.compile(r"\*+|(?<!\w)_+|_+(?!\w)")


def _mask(content: str) -> tuple[str, list[tuple[int, str]], tuple[Lang, ...]]:
    """Markdown inline markup blanked out, length for length; the raw HTML found on the way; and
    the spans marked in another language."""
    html: list[tuple[int, str]] = []

    def tag(m: re.Match) -> str:
        html.append((m.start(), m[0]))
        return blank(m[0])

    text, langs = _spans(content)  # first: a code span's closing backtick stands before its attributes
    text = _blank_spans(text, _code_spans(text))
    text = _AUTOLINK.sub(lambda m: blank(m[0]), text)
    comments = _comments(text)
    html += [(start, text[start:end]) for start, end in comments]
    text = _blank_spans(text, comments)
    text = _IMAGE.sub(lambda m: blank(m[0]), text)
    text = _NOTE_CALL.sub(lambda m: blank(m[0]), text)
    text = _LINK.sub(lambda m: " " + m[1] + blank(m[0][len(m[1]) + 1 :]), text)
    text = _TAG.sub(tag, text)  # after images and links: a destination may be written <a b.png>
    text = ENTITY.sub(lambda m: _entity(m[0]), text)
    text = _ESCAPE.sub(" ", text)
    text = _EMPHASIS.sub(lambda m: blank(m[0]), text)
    return text, html, langs


def _spans(text: str) -> tuple[str, tuple[Lang, ...]]:
    """Attributes blanked out, read by the attributes plugin's own parser: after a span
    ([mot]{lang=fr}, its brackets blanked too), a link, an image or a code span; and the text
    each `lang` is on (a span's, a link's)."""
    pieces, langs, at = [], [], 0
    for m in _ATTRIBUTES.finditer(text):
        if m.start() < at:
            continue
        try:
            length, attrs = parse_attrs(text[m.start() : m.start() + ATTRIBUTES_MAX])
        except ParseError:
            continue
        end = m.start() + length + 1  # the parser gives the index of the closing brace
        found = _opening(text, m.start())  # the brackets of a span or a link, if it is one
        opening, close = found if found and found[0] >= at else (None, None)
        if text[m.start() - 1] == "]" and opening is not None:  # a span: the text stands without its brackets
            pieces += [text[at:opening], " ", text[opening + 1 : m.start() - 1], blank(text[m.start() - 1 : end])]
        else:
            pieces += [text[at : m.start()], blank(text[m.start() : end])]
        lang = attrs.get("lang", "").strip()
        if lang and opening is not None and close is not None:
            langs.append(Lang(opening + 1, close, lang))
        at = end
    return "".join([*pieces, text[at:]]), tuple(sorted(langs, key=lambda span: span.start))


def _opening(text: str, brace: int) -> tuple[int, int] | None:
    """Where the "[" and the "]" are of the span ("[mot]") or link ("[mot](url)") that ends before a
    brace; brackets inside it (a link in a span) are passed over in pairs."""
    close = brace - 1
    if text[close] == ")":  # a link: back over its destination to its "]"
        start = text.rfind("(", max(0, close - ATTRIBUTES_MAX), close)
        close = start - 1 if start > 0 and ")" not in text[start + 1 : close] else -1
    if close < 0 or text[close] != "]":
        return None
    depth = 0
    for at in range(close - 1, max(-1, close - ATTRIBUTES_MAX), -1):
        if text[at] == "]":
            depth += 1
        elif text[at] == "[":
            if depth == 0:
                return at, close
            depth -= 1
    return None


# Pads a character reference that stands for a letter to its length, inside the word: the lint's
# words take it as a letter and drop it (f&ouml;&ouml; is the word föö).
FILL = "\ue000"


def _entity(reference: str) -> str:
    """A character reference as the reader sees it, a letter (&ouml;) or nothing (&copy;), padded
    to its length: its name is no word to check."""
    char = entity_char(reference) or ""
    return char + FILL * (len(reference) - 1) if char.isalpha() else blank(reference)


def _code_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each code span: a run of backticks up to the next run of the same length."""
    runs = [(m.start(), m.end()) for m in re.finditer("`+", text)]
    later: dict[int, deque[int]] = defaultdict(deque)  # run length -> indices of runs of that length
    for i, (start, end) in enumerate(runs):
        later[end - start].append(i)
    spans, i = [], 0
    while i < len(runs):
        start, end = runs[i]
        same = later[end - start]
        while same and same[0] <= i:
            same.popleft()
        if same:
            j = same.popleft()
            spans.append((start, runs[j][1]))
            i = j + 1
        else:
            i += 1
    return spans


def _comments(text: str) -> list[tuple[int, int]]:
    """(start, end) of each HTML comment: from "<!--" to the next "-->"."""
    spans, at = [], 0
    while (start := text.find("<!--", at)) >= 0 and (end := text.find("-->", start + 4)) >= 0:
        spans.append((start, end + 3))
        at = end + 3
    return spans


def _blank_spans(text: str, spans: list[tuple[int, int]]) -> str:
    pieces, at = [], 0
    for start, end in spans:
        pieces += [text[at:start], blank(text[start:end])]
        at = end
    return "".join([*pieces, text[at:]])


def _place(lines: list[str], first: int, content: str, start_col: int = 0) -> list[tuple[int, int]]:
    """Where each line of an inline's content begins in the file (1-based line and column)."""
    starts = []
    for k, part in enumerate(content.split("\n")):
        raw = lines[first + k] if first + k < len(lines) else ""
        col = raw.find(part, start_col if k == 0 else 0) if part else -1
        if col < 0:
            col = len(raw) - len(raw.lstrip())
        starts.append((first + k + 1, col + 1))
    return starts


def markdown_prose(path: Path, text: str, config: BookConfig | None = None) -> tuple[list[Prose], list[Finding]]:
    """The prose of a Markdown file, and its raw HTML as findings (S010)."""
    lines = text.splitlines()
    prose: list[Prose] = []
    html: list[Finding] = []
    sections: list[tuple[int, str]] = []
    in_note = 0
    header: list[str] = []
    cell = 0
    row_col = 0
    in_head = False
    paragraph = 0
    tokens = parse(text, config)
    for i, token in enumerate(tokens):
        if token.type == "footnote_reference_open":
            in_note += 1
        elif token.type == "footnote_reference_close":
            in_note -= 1
        elif token.type == "thead_open":
            in_head, header = True, []
        elif token.type == "thead_close":
            in_head = False
        elif token.type == "tr_open":
            cell, row_col = 0, 0
        elif token.type == "inline" and token.map:
            parent = tokens[i - 1]
            kind = "note" if in_note else "text"
            column = ""
            number = 0
            if parent.type == "heading_open":
                kind = "heading"
                level = int(parent.tag[1])
                title = "".join(c.content for c in token.children or [] if c.type in ("text", "code_inline"))
                sections = [s for s in sections if s[0] < level] + [(level, title.strip())]
                paragraph = 0
            elif parent.type in ("th_open", "td_open"):
                kind = "cell"
                if in_head:
                    header.append(token.content.strip())
                else:
                    column = header[cell] if cell < len(header) else ""
                cell += 1
            elif kind == "text":
                paragraph += 1
                number = paragraph
            masked, tags, langs = _mask(token.content)
            starts = _place(lines, token.map[0], token.content, row_col)
            unit = Prose(path, kind, masked, starts, tuple(title for _, title in sections), column, number, langs=langs)
            if kind == "cell":  # the next cell of the row stands further right
                row_col = unit.starts[0][1] - 1 + len(token.content)
            prose.append(unit)
            html += [unit.finding(offset, "S010", f"raw HTML {tag[:40]!r} is printed as text") for offset, tag in tags]
    return prose, html


def _looks_like_heading(line: str) -> bool:
    return len(line.split()) <= 12 and not re.search(r"[.!?:;,\"”'’]$", line)


def text_prose(path: Path, text: str) -> list[Prose]:
    """A plain-text file's prose: each line a paragraph, short lines without a full stop headings."""
    prose = []
    section: tuple[str, ...] = ()
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        kind = "heading" if _looks_like_heading(line.strip()) else "text"
        if kind == "heading":
            section = (line.strip(),)
        prose.append(Prose(path, kind, line, [(n, 1)], section))
    return prose


def read_prose(path: Path, config: BookConfig | None = None, markdown: bool | None = None) -> tuple[list[Prose], list[Finding]]:
    """A file's prose, read as Markdown by its name (or as `markdown` says: a book's chapters are
    Markdown whatever their names, as the build reads them)."""
    try:
        text = read_utf8(path)
    except OSError as e:
        raise BuildError(path, f"cannot read: {e.strerror}") from e
    if markdown or markdown is None and path.suffix.lower() in MARKDOWN_SUFFIXES:
        return markdown_prose(path, text, config)
    return text_prose(path, text), []


def sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence of a text."""
    spans, start = [], 0
    for m in _SENTENCE_END.finditer(text):
        spans.append((start, m.end()))
        start = m.end()
    spans.append((start, len(text)))
    return [(a + len(text[a:b]) - len(text[a:b].lstrip()), b) for a, b in spans if text[a:b].strip()]


def shingles(words: list[str], n: int = 3) -> set[tuple[str, ...]]:
    """The runs of n words by which two texts' likeness is measured."""
    return {tuple(words[i : i + n]) for i in range(len(words) - n + 1)}
