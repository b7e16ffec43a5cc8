"""The edition text of "MQM militancy": faithful to its source, free of its defects, every change listed."""

from __future__ import annotations

import difflib
import hashlib
import re
from pathlib import Path

import pytest

from folio.transforms import prepare_book

BOOK = Path(__file__).resolve().parent.parent / "content" / "mqm-militancy"
# sha256 of ../shared/source/mqm-militancy.txt, the raw source the edition is made from.
SOURCE_SHA256 = "63fe81fa57200c61d421d7ec72b39fda7adc7e333166be1ad7474c7fcce3bbaf"

# Readings of the source that the edition corrects (EDITORIAL.md's classes and more).
DEFECTS = [
    "jilled",
    "back back",
    "gun battled",
    "most bloodiest",
    "more 30",
    "Pushtun",
    "radicalised",
    "Pucca",
    "Qilla",
    "Muttahidda",
    "1985-86",
    "U.S ",
    "June 25, 1995",
    "affliated",
    "to do stop",
    "the Karachi’s",
    "police, moved",
    "Developmental",
    "Liaquatabad/",
    "rivals/",
    "mass-arrests",
    "total 1800",
    "since 1980s",
    "which were also",
    "extra-legal",
    "much of the killings",
    "During tenure",
    "conducted second",
    "1995, 8 MQM",
    "4 thousand",
    "Operation clean-up",
    "five-week long",
    "Law Enforcement",
    "the latter who",
    "resurfaced to the ground",
    "Sindh rangers",
    "Sindh police",
    "Provincial Government",
]


@pytest.fixture(scope="module")
def book():
    return prepare_book(BOOK)


def text_of(tokens) -> str:
    """The text a reader sees in these tokens (typographer applied), notes left out."""
    parts = []
    for token in tokens:
        if token.type == "inline":
            parts.append("".join(c.content for c in token.children if c.type in ("text", "code_inline")))
        elif token.type.endswith("_close") and token.block:
            parts.append(" ")
    return " ".join(" ".join(parts).split())


def edition_text(book) -> str:
    """The running text of the edition, without the Note on the text."""
    return " ".join(text_of(c.tokens) for c in book.chapters if c.id != "note-on-the-text")


def fold(text: str) -> str:
    return text.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')


def test_source_is_kept_byte_for_byte():
    assert hashlib.sha256((BOOK / "source.txt").read_bytes()).hexdigest() == SOURCE_SHA256


def test_no_source_defect_survives(book):
    text = edition_text(book)
    assert [d for d in DEFECTS if d in text] == []


def test_house_style(book):
    text = edition_text(book) + " " + " ".join(text_of(n.tokens) for n in book.notes)
    assert not re.findall(r"['\"]", text), "straight quotes"
    assert not re.findall(r"\b\d{2,4}-\d{2,4}\b", text), "hyphens in ranges"
    months = "January|February|March|April|May|June|July|August|September|October|November|December"
    assert not re.findall(rf"\b(?:{months}) \d{{1,2}}, \d{{4}}", text), "month-day-year dates"
    assert not re.findall(r"\b(\w+) \1\b", text.replace("in in order", "in order")), "doubled words"


def test_no_sentence_stands_twice(book):
    sentences = [s for s in re.split(r"(?<=[.!?])\s+", edition_text(book)) if len(s.split()) > 4]
    assert len(sentences) == len(set(sentences))
    near = [(a, b) for i, a in enumerate(sentences) for b in sentences[i + 1 :] if difflib.SequenceMatcher(None, a, b).ratio() > 0.8]
    assert near == []


def emendations(book) -> list[tuple[str, str, str]]:
    note = next(c for c in book.chapters if c.id == "note-on-the-text")
    cells, rows = [], []
    for token in note.tokens:
        if token.type == "inline" and token.level > 2:  # a table cell
            cells.append(text_of([token]))
        elif token.type == "tr_close":
            rows.append(tuple(cells))
            cells = []
    return rows[1:]  # without the header row


def test_every_emendation_is_listed_with_readings_that_exist(book):
    rows = emendations(book)
    assert len(rows) > 40
    source = fold((BOOK / "source.txt").read_text(encoding="utf-8"))
    edition = fold(edition_text(book))
    for section, before, after in rows:
        before = before.removesuffix(" (heading)").split(" …")[0]
        if not before.startswith("the whole section"):
            assert fold(before) in source, (section, before)
        if not after.startswith("left out"):
            assert fold(after.removesuffix(" (second copy)")) in edition, (section, after)


def test_every_emendation_names_a_place_a_reader_can_find(book):
    """A section and the paragraph's number under its heading (¶), except a heading's own change
    and a passage the edition leaves out; the source's reading as the source has it."""
    raw = (BOOK / "source.txt").read_text(encoding="utf-8")
    for section, before, after in emendations(book):
        if before.endswith(" (heading)") or after.startswith("left out"):
            continue
        assert re.fullmatch(r".+ ¶[1-9][0-9]*", section), section
        assert before.split(" …")[0] in raw, before  # straight quotes where the source has them
