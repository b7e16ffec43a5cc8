"""folio's two WeasyPrint 70 layout workarounds (folio/workarounds.py; the third, the language of
parts in the tags, is tested in test_languages.py), each on a small fixture book that triggers its bug: laid out without the workaround, the book shows the bug (so the fixture still
tests something), and with it, not. A WeasyPrint whose code differs stops folio at import."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from weasyprint.formatting_structure import boxes
from weasyprint.layout import block as block_layout
from weasyprint.layout import inline
from weasyprint.text import line_break

from folio import pdf, workarounds
from folio.errors import BuildError
from folio.html import print_document
from folio.model import misplaced_notes
from folio.transforms import prepare_book

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def lay_out(folder: Path):
    book = prepare_book(folder)
    return book, pdf._render(
        print_document(book), folder, ROOT / "styles" / "print.css", pdf.page_css(book.config.print, for_printer=False)
    )


def one_word_lines(document) -> list[str]:
    """Lines of running text that hold one word although the next line of their block holds more:
    the mark of bug (a)."""
    found = []
    for page in document.pages:
        for box in page._page_box.descendants():
            if not (isinstance(box, boxes.BlockContainerBox) and box.children and all(isinstance(c, boxes.LineBox) for c in box.children)):
                continue
            texts = ["".join(t.text for t in line.descendants() if isinstance(t, boxes.TextBox)) for line in box.children]
            found += [a for a, b in itertools.pairwise(texts) if len(a.split()) == 1 and len(b.split()) > 1]
    return found


def notes_off(document) -> list[tuple[int, int, int | None]]:
    return misplaced_notes({anchor: i + 1 for i, page in enumerate(document.pages) for anchor in page.anchors})


def test_a_run_that_fits_without_its_trailing_space_stays_on_its_line(monkeypatch):
    # Each paragraph begins with a run of words before an emphasis, the runs' widths a point apart
    # around the first line's measure: several fit it only without their trailing space.
    folder = FIXTURES / "trailing-spaces"
    with monkeypatch.context() as upstream:
        upstream.setattr(inline, "split_first_line", workarounds.upstream_split_first_line)
        assert one_word_lines(lay_out(folder)[1]), (
            "the fixture no longer triggers the bug: WeasyPrint fixed it, or the fixture needs new runs"
        )
    assert one_word_lines(lay_out(folder)[1]) == []


def test_notes_stay_on_the_page_of_their_call_and_none_is_lost(monkeypatch):
    # Each trial fills its page with one-line paragraphs, then a paragraph of four lines whose second
    # calls a note; in one of them only its first line fits, and breaking after it leaves an orphan.
    folder = FIXTURES / "page-ends"
    with monkeypatch.context() as upstream:
        upstream.setattr(block_layout, "_linebox_layout", workarounds.upstream_linebox_layout)
        book, document = lay_out(folder)
        off = notes_off(document)
        assert off, "the fixture no longer triggers the bug: WeasyPrint fixed it, or the fixture needs new trials"
        assert any(printed is None for _, _, printed in off), off  # upstream even loses a note outright
    book, document = lay_out(folder)
    assert notes_off(document) == []
    pdf.check_notes(book, document)


def test_a_changed_weasyprint_stops_folio_naming_the_workaround(monkeypatch):
    monkeypatch.setattr(line_break, "split_first_line", lambda *args: None)
    with pytest.raises(
        workarounds.WeasyPrintChanged,
        match='"let trailing spaces hang" was written for WeasyPrint 70.0\'s weasyprint.text.line_break.split_first_line',
    ):
        workarounds.let_trailing_spaces_hang()
    monkeypatch.setattr(block_layout, "_linebox_layout", lambda *args: None)
    with pytest.raises(
        workarounds.WeasyPrintChanged,
        match="\"keep notes on their call's page\" was written for WeasyPrint 70.0's weasyprint.layout.block._linebox_layout",
    ):
        workarounds.keep_notes_on_their_call_page()


def test_a_note_off_its_call_s_page_stops_the_build_naming_the_note(monkeypatch):
    with monkeypatch.context() as upstream:  # WeasyPrint's own layout moves and loses notes here
        upstream.setattr(block_layout, "_linebox_layout", workarounds.upstream_linebox_layout)
        book, document = lay_out(FIXTURES / "page-ends")
        with pytest.raises(BuildError, match=r"trial-2\d\.md:\d+: note \[\^[ab]\] \(note \d+\) is called on page \d+ but printed"):
            pdf.check_notes(book, document)
