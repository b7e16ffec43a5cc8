"""The EPUB's page-list follows the print edition: every entry points at a pagebreak marker, and
the text after each marker is the text the print PDF's page begins with."""

from __future__ import annotations

import re

import pytest
from readers import BODY_BOTTOM, BODY_TOP, NS, EpubEdition, PdfEdition

from folio.transforms import prepare_book


def letters(text: str, n: int = 15) -> str:
    return "".join(c for c in text if c.isalpha())[:n]


@pytest.fixture(params=["mqm", "mini", "hostile", "conformance"])
def editions(request):
    project = request.getfixturevalue(request.param)
    book = prepare_book(next((project.root / "content").iterdir()))
    return book, EpubEdition(project.out(f"{book.slug}.epub")), PdfEdition(project.out(f"{book.slug}-print.pdf"))


def page_list(epub: EpubEdition) -> list[tuple[str, str]]:
    nav = epub.nav()
    return [(a.text, a.get("href")) for a in nav.xpath("//x:nav[@epub:type='page-list']//x:a", namespaces=NS)]


def test_every_entry_points_at_a_marker_where_the_print_page_begins(editions):
    book, epub, pdf = editions
    entries = page_list(epub)
    first = pdf.destinations()[book.chapters[0].id]
    labels = [int(label) for label, _ in entries]
    assert labels[0] == 1 and labels == sorted(set(labels))  # in order; a blank page has no entry
    for label, href in entries:
        name, target = href.split("#")
        doc = epub.item(name)
        marker = doc.xpath(f"//*[@id='{target}']")[0]
        assert marker.get(f"{{{NS['epub']}}}type") == "pagebreak"
        assert (marker.get("role"), marker.get("aria-label")) == ("doc-pagebreak", label)
        assert marker.text is None and len(marker) == 0
        following = re.sub(r"<[^>]+>", " ", etree_tail_text(marker))
        index = first + int(label) - 1
        assert pdf.folio(index) == label
        height = pdf.pages[index].height
        printed = letters(pdf._band(index, BODY_TOP, height - BODY_BOTTOM), 1000)
        header = letters("".join(marker.xpath("ancestor::x:table/x:thead//text()", namespaces=NS)), 1000)
        if header and printed.startswith(header) and not letters(following, 1000).startswith(header):
            printed = printed[len(header) :]  # a table's header, printed again at the top of the page
        # The marker stands before the word in which the page begins (hyphenated across pages,
        # "vari-ous"), never inside it, and never inside a heading, which it would rename.
        word = letters(following.split()[0] if following.split() else "", 1000)
        assert any(letters(following, 1000)[k : k + 15] == printed[:15] for k in range(len(word) + 1)), (
            label,
            following[:40],
            printed[:15],
        )
        before = "".join(marker.xpath("preceding::text()[1]"))
        assert not before[-1:].isalnum(), (label, before[-20:])
        assert not marker.xpath("ancestor::x:h1 | ancestor::x:h2 | ancestor::x:h3 | ancestor::x:h4", namespaces=NS), label


def etree_tail_text(marker) -> str:
    """The document's text from the marker on."""
    return "".join(marker.xpath("following::text()"))


def test_every_numbered_page_with_text_is_listed(editions):
    book, epub, pdf = editions
    first = pdf.destinations()[book.chapters[0].id]
    colophon = pdf.destinations()["back_colophon"]
    with_text = [str(i - first + 1) for i in range(first, len(pdf.pages)) if i != colophon and pdf.text(i)]
    assert [label for label, _ in page_list(epub)] == with_text


def test_the_print_edition_is_named_as_the_page_break_source(editions):
    book, epub, _ = editions
    source = epub.opf.xpath(
        "//dc:source[@id=substring-after(//opf:meta[@property='source-of' and text()='pagination']/@refines, '#')]/text()", namespaces=NS
    )
    assert source and book.config.title in source[0] and "print edition" in source[0]
    features = epub.opf.xpath("//opf:meta[@property='schema:accessibilityFeature']/text()", namespaces=NS)
    assert {"pageNavigation", "pageBreakMarkers"} <= set(features)
