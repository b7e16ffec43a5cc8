"""Both PDFs, read as readers' and printers' tools read them: pages, notes, heads, links, boxes."""

from __future__ import annotations

import datetime as dt
import os
import time

import pikepdf
import pytest
from readers import PdfEdition, squash

from folio.model import call_id, note_id
from folio.transforms import prepare_book

# urdu is not here: these tests read lines left to right; tests/test_book_languages.py reads its mirrored pages.
CASES = [
    (book, kind)
    for book in ("mqm", "mini", "mini_bleed", "apparatus", "hostile", "conformance", "francais")
    for kind in ("download", "print")
]


class Edition:
    """One built PDF with the book it was built from."""

    def __init__(self, project, kind: str):
        folder = next((project.root / "content").iterdir())
        self.book = prepare_book(folder)
        self.kind = kind
        name = f"{self.book.slug}.pdf" if kind == "download" else f"{self.book.slug}-print.pdf"
        self.pdf = PdfEdition(project.out(name))
        self.dests = self.pdf.destinations()
        self.text_start = self.dests[self.book.chapters[0].id]


@pytest.fixture(params=CASES, ids=[f"{b}-{k}" for b, k in CASES])
def edition(request):
    book, kind = request.param
    return Edition(request.getfixturevalue(book), kind)


def test_every_note_is_printed_on_the_page_of_its_call(edition):
    for note in edition.book.notes:
        page = edition.dests[call_id(note.number)]
        assert edition.dests[note_id(note.number)] == page, note.number
        printed = edition.pdf.footnote_area_text(page)
        words = squash(" ".join(t.content for t in note.tokens if t.type == "inline")).split()[:5]
        assert f"{note.number}. " in printed, (note.number, printed)
        assert " ".join(words).replace('"', "“").split("“")[0] in printed, (note.number, printed)


def test_contents_numbers_are_the_pages_headings_are_printed_on(edition):
    entries = edition.pdf.contents()
    expected = [h for h in edition.book.headings if h.level <= 2]
    assert [title for title, _ in entries] == [h.text for h in expected]
    for (title, number), heading in zip(entries, expected):
        page = edition.dests[heading.id]
        assert edition.pdf.folio(page) == number, title
        assert heading.text in edition.pdf.text(page)


def test_front_matter_as_books_have_it(edition):
    pdf, c = edition.pdf, edition.book.config
    assert pdf.text(0) == c.title  # half-title, recto
    assert pdf.text(1) == ""
    assert c.title in pdf.text(2) and all(a in pdf.text(2) for a in c.authors)  # title page, recto
    assert "Licence" in pdf.text(3) and c.identifier in pdf.text(3)  # copyright page, its verso
    assert edition.dests["front_contents"] == 4  # contents, recto
    assert edition.text_start % 2 == 0  # the text begins on a recto
    assert [pdf.folio(i) for i in range(edition.text_start)] == [""] * edition.text_start
    assert [pdf.running_head(i) for i in range(edition.text_start)] == [""] * edition.text_start
    assert pdf.folio(edition.text_start) == "1"


def test_running_heads_and_folios(edition):
    """The book's title on versos, the current chapter's title on rectos (never a section's: an
    untitled opening runs under the book's title)."""
    pdf, book = edition.pdf, edition.book
    titles = [(edition.dests[ch.id], i, ch.title) for i, ch in enumerate(book.chapters)]
    headings = sorted(titles)
    back = [ch for ch in book.chapters if ch.back_matter]
    openings = {edition.text_start, *(edition.dests[ch.id] for ch in back[:1])}
    colophon = edition.dests["back_colophon"]
    for index in range(edition.text_start, len(pdf.pages)):
        head, folio = pdf.running_head(index), pdf.folio(index)
        if index == colophon or not pdf.text(index):  # display and blank pages
            assert (head, folio) == ("", ""), index
            continue
        expected_folio = str(index - edition.text_start + 1)
        assert folio == expected_folio, index
        folio_x = min(c["x0"] for c in pdf.pages[index].chars if c["top"] > pdf.pages[index].height - 60)
        recto = index % 2 == 0
        assert (folio_x > pdf.pages[index].width / 2) == recto, index  # on the outer side
        if index in openings:
            assert head == "", index
        elif not recto:
            assert head == book.config.title, index
        else:
            on_page = [text for page, _, text in headings if page == index]
            before = [text for page, _, text in headings if page < index]
            assert head == (on_page or before)[0 if on_page else -1], index


def test_headings_are_never_alone_at_the_foot_of_a_page(edition):
    for heading in edition.book.headings:
        page = edition.dests[heading.id]
        lines = edition.pdf.lines(page)
        at = next(i for i, line in enumerate(lines) if squash(line["text"]) == heading.text)
        assert any(10 <= line["size"] <= 11.5 for line in lines[at + 1 :]), heading.text


def test_justified_lines_reach_the_margin(edition):
    assert edition.pdf.broken_lines(edition.text_start) == []


def test_metadata_outline_and_fonts(edition):
    pdf, book = edition.pdf, edition.book
    c = book.config
    meta = pdf.reader.metadata
    assert meta.title == (f"{c.title}: {c.subtitle}" if c.subtitle else c.title)
    assert meta.author == ", ".join(c.authors)
    assert meta.subject == (c.description or c.subtitle or c.title)
    assert meta.creation_date == dt.datetime.combine(c.date, dt.time(), dt.UTC)
    assert meta.modification_date == meta.creation_date
    assert pdf.reader.trailer["/Root"]["/Lang"] == c.language
    expected = [(ch.title, [(h.text, []) for h in ch.headings if h.level == 2]) for ch in book.chapters if not ch.untitled]
    assert pdf.outline() == expected + [("Colophon", [])]  # an untitled opening has no entry
    fonts = pdf.fonts()
    assert fonts and all(("EB-Garamond" in f or "Amiri" in f or "Source-Code-Pro" in f) and "not embedded" not in f for f in fonts), fonts


@pytest.mark.parametrize("book", ["mqm", "mini", "mini_bleed", "apparatus"])
def test_download_pdf_is_tagged_and_linked(request, book):
    edition = Edition(request.getfixturevalue(book), "download")
    pdf, book = edition.pdf, edition.book
    root = pdf.reader.trailer["/Root"]
    assert "/StructTreeRoot" in root
    assert root["/MarkInfo"]["/Marked"] == True
    assert root["/ViewerPreferences"]["/DisplayDocTitle"] == True
    contents_links = list(dict.fromkeys(pdf.links(edition.dests["front_contents"])))  # an entry may wrap
    assert contents_links == [h.id for h in book.headings if h.level <= 2]
    for note in book.notes:
        assert note_id(note.number) in pdf.links(edition.dests[call_id(note.number)]), note.number


@pytest.mark.parametrize(
    "book, kind, trim, bleed, multiple",
    [
        ("mqm", "download", (432, 648), 0, 1),
        ("mqm", "print", (432, 648), 0, 2),
        ("mini_bleed", "download", (396, 612), 0, 1),
        ("mini_bleed", "print", (396, 612), 9, 4),
    ],
)
def test_page_boxes_and_count(request, book, kind, trim, bleed, multiple):
    pdf = Edition(request.getfixturevalue(book), kind).pdf
    assert len(pdf.pages) % multiple == 0
    for index in range(len(pdf.pages)):
        boxes = pdf.boxes(index)
        x0, y0, x1, y1 = boxes["TrimBox"]
        assert (round(x1 - x0), round(y1 - y0)) == trim, index
        bx0, by0, bx1, by1 = boxes["BleedBox"]
        assert (round(x0 - bx0), round(bx1 - x1), round(y0 - by0), round(by1 - y1)) == (bleed,) * 4, index
        mx0, my0, mx1, my1 = boxes["MediaBox"]
        assert mx0 <= bx0 and my0 <= by0 and mx1 >= bx1 and my1 >= by1, index
        if not bleed:
            assert boxes["MediaBox"] == boxes["TrimBox"], index


def test_qpdf_finds_no_structural_error(edition):
    with pikepdf.open(edition.pdf.path) as pdf:
        assert pdf.check_pdf_syntax() == []


def test_nothing_runs_into_the_margin(edition):
    for index, page in enumerate(edition.pdf.pages):
        right = edition.pdf.boxes(index)["TrimBox"][2] - 0.6 * 72  # the outer margin, the narrower
        outside = [c["text"] for c in page.chars if c["x1"] > right + 1]
        assert not outside, (index, "".join(outside))


def test_no_weasyprint_warnings(mqm, mini, mini_bleed, hostile, conformance):
    for project in (mqm, mini, mini_bleed, hostile, conformance):
        assert "WeasyPrint:" not in project.output, project.output


def test_a_forked_job_gives_back_its_result_or_its_failure():
    from folio.errors import BuildError
    from folio.workers import Forked as _Forked  # the print PDF is written this way, beside the download PDF

    def mistake():
        raise BuildError("a.md", "a mistake", line=3)

    assert _Forked(lambda: (18, ["a warning"]))() == (18, ["a warning"])
    with pytest.raises(ZeroDivisionError):
        _Forked(lambda: 1 / 0)()
    with pytest.raises(BuildError, match="a.md:3: a mistake"):
        _Forked(mistake)()
    slow = _Forked(lambda: time.sleep(60))
    pid = slow.pid
    slow.cancel()  # when this process fails first: the child is stopped and reaped
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, 0)
