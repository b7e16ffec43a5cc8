"""Both editions, read as readers' tools read them: pypdf, pdfplumber, XPath (the EPUB's own checks
are in test_epub.py, the PDFs' in test_pdf.py)."""

from __future__ import annotations

import pytest
from readers import NS, EpubEdition, PdfEdition

from folio.model import note_id, read_anchor
from folio.transforms import prepare_book

BOOKS = ["mqm", "mini", "hostile", "francais", "urdu"]


@pytest.fixture(params=BOOKS)
def project(request):
    return request.getfixturevalue(request.param)


def pdfs(project):
    slug = project.root.joinpath("content").iterdir().__next__().name
    return [PdfEdition(project.out(f"{slug}.pdf")), PdfEdition(project.out(f"{slug}-print.pdf"))]


def book_of(project):
    return prepare_book(next(project.root.joinpath("content").iterdir()))


def test_notes_match_between_epub_and_pdf(project):
    book = book_of(project)
    epub = EpubEdition(project.out(f"{book.slug}.epub"))
    refs, asides = [], []
    for href in epub.spine():
        doc = epub.item(href)
        refs += doc.xpath("//x:a[@epub:type='noteref']/text()", namespaces=NS)
        asides += doc.xpath("//x:aside[@epub:type='footnote']/@id", namespaces=NS)
    numbers = [str(n.number) for n in book.notes]
    assert asides == [note_id(n) for n in numbers]
    assert sorted(set(refs), key=int) == numbers
    pdf = pdfs(project)[0]
    notes = {found[1]: k for k in pdf.destinations() if (found := read_anchor(k)) and found[0] == "note"}
    assert [notes[n] for n in sorted(notes)] == asides


def test_both_editions_carry_attribution_and_licence(mqm):
    pdf_text = " ".join(PdfEdition(mqm.out("mqm-militancy.pdf")).text(i) for i in range(6))
    epub_text = EpubEdition(mqm.out("mqm-militancy.epub")).text()
    for text in (pdf_text, epub_text):
        assert "Wikipedia contributors" in text
        assert "CC BY-SA 4.0" in text
        assert "https://en.wikipedia.org/wiki/MQM_militancy" in text
        assert "Note on the text" in text
