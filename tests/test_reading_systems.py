"""The EPUBs in real reading systems: foliate-js and epub.js in headless Chromium (tests/browser.py),
on a phone with large text and on an e-reader. Each opens every document of the spine without an
error or a failed request, and nothing is cut off: long words and addresses wrap, tables fit the
column. axe-core checks each document as a page; the harness itself is checked on pages made here."""

from __future__ import annotations

import pytest
from readers import NS, EpubEdition, squash

from folio.fonts import static_fonts

BOOKS = {
    "mini": "mini",
    "hostile": "hostile",
    "mqm": "mqm-militancy",
    "conformance": "conformance",
    "francais": "francais",
    "urdu": "urdu",
    "polyglot": "polyglot",
}  # session fixture: slug
SIZES = {"phone": (390, 844, 1.5), "e-reader": (600, 800, 1.0)}  # width, height, text size
READERS = ("foliate", "epubjs")

CASES = [pytest.param(book, reader, size, id=f"{book}-{reader}-{size}") for book in BOOKS for reader in READERS for size in SIZES]
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]  # the EPUB claims WCAG 2.2 AA
# The page-break markers keep aria-label, as the EPUB Accessibility Techniques, the DAISY Knowledge
# Base and DPUB-ARIA (doc-pagebreak: name from author, name required; span or hr) have them, and
# DAISY Ace checks them (aria-label or title): Ace finds nothing. axe-core 4.14 alone objects: its
# aria-prohibited-attr check (listProhibitedAttrs) reads the element's role with getExplicitRole
# without {dpub: true}, so it ignores every doc-* role there, takes the span for a generic one and
# prohibits naming it; axe-core ignores DPUB roles on purpose (dequelabs/axe-core#3176) and has not
# adopted DPUB-ARIA 1.1 (#4342). The test below shows the day it changes its mind.
PAGE_BREAKS = "aria-prohibited-attr"


@pytest.fixture(scope="module")
def runs() -> dict:
    """Each reading (and each axe run) once, for the tests that look at it."""
    return {}


@pytest.fixture
def reading(request, browser, runs):
    """(book, reader, size) -> open_epub's answer for that book's EPUB."""

    def read(book: str, reader: str, size: str) -> dict:
        if (book, reader, size) not in runs:
            width, height, scale = SIZES[size]
            epub = request.getfixturevalue(book).out(f"{BOOKS[book]}.epub")
            runs[book, reader, size] = browser.open_epub(epub, reader, width, height, font_scale=scale)
        return runs[book, reader, size]

    return read


@pytest.mark.parametrize(("book", "reader", "size"), CASES)
def test_reader_opens_every_document_cleanly(request, reading, book, reader, size):
    run = reading(book, reader, size)
    assert (run["consoleErrors"], run["pageErrors"], run["failedRequests"]) == ([], [], [])
    assert {doc["fontSize"] for doc in run["documents"]} == {16 * SIZES[size][2]}  # the reader's text size took
    epub = EpubEdition(request.getfixturevalue(book).out(f"{BOOKS[book]}.epub"))
    assert [doc["text"] for doc in run["documents"]] == [  # each document's whole text is there to measure
        len(squash("".join(epub.item(href).xpath("//x:body", namespaces=NS)[0].itertext()))) for href in epub.spine()
    ]


@pytest.mark.parametrize(("book", "reader", "size"), CASES)
def test_nothing_is_cut_off(reading, book, reader, size):
    run = reading(book, reader, size)
    assert {doc["href"]: doc["overflows"] for doc in run["documents"] if doc["overflows"]} == {}


@pytest.fixture
def axe_findings(request, browser, runs):
    """book -> {spine href: axe-core's WCAG A and AA violations}, each document loaded as a page."""

    def find(book: str) -> dict[str, list[dict]]:
        if book not in runs:
            urls = browser.serve_epub(request.getfixturevalue(book).out(f"{BOOKS[book]}.epub"))
            found = browser.axe_pages(list(urls.values()), WCAG)
            runs[book] = {href: found[url] for href, url in urls.items()}
        return runs[book]

    return find


@pytest.mark.parametrize("book", BOOKS)
def test_axe_finds_no_wcag_violation(axe_findings, book):
    found = {href: [v for v in violations if v["id"] != PAGE_BREAKS] for href, violations in axe_findings(book).items()}
    assert {href: violations for href, violations in found.items() if violations} == {}


@pytest.mark.xfail(
    strict=True,
    reason="axe-core 4.14 ignores DPUB roles where it checks prohibited attributes, so it prohibits "
    "aria-label on <span role='doc-pagebreak' aria-label='N'/> (see PAGE_BREAKS)",
)
@pytest.mark.parametrize("book", BOOKS)
def test_axe_accepts_the_page_break_markers(axe_findings, book):
    assert not [v for violations in axe_findings(book).values() for v in violations if v["id"] == PAGE_BREAKS]


# -- the harness, on pages made here: it must see what it is there to see


def test_harness_sees_overflow_errors_and_outside_requests(browser, tmp_path):
    (tmp_path / "bad.html").write_text(
        '<!DOCTYPE html><html lang="en"><head><title>bad</title><link rel="icon" href="data:,"></head><body>'
        "<p>A"
        + "b" * 200
        + '</p><table class="wide"><tr><td style="white-space: nowrap">'
        + "wide " * 40
        + '</td></tr></table><img src="missing.png" alt="">'
        '<script>console.error("broken"); fetch("https://example.org/track.js").catch(() => {})</script></body></html>'
    )
    (tmp_path / "good.html").write_text(
        '<!DOCTYPE html><html lang="en"><head><title>good</title><link rel="icon" href="data:,"></head><body>'
        '<p style="overflow-wrap: anywhere">A' + "b" * 200 + "</p></body></html>"
    )
    site = browser.serve(tmp_path)
    bad = browser.page_metrics(site + "bad.html", 390, 844)
    assert bad["overflow"] and bad["scrollWidth"] > bad["viewportWidth"] == 390
    assert [(o["element"], o["text"][:3]) for o in bad["overflows"]] == [("p", "Abb"), ("table.wide", "wid")]
    assert "broken" in bad["consoleErrors"] and bad["pageErrors"] == []
    assert sorted(bad["failedRequests"]) == [f"{site}missing.png: HTTP 404", "https://example.org/track.js: refused, not to 127.0.0.1"]
    good = browser.page_metrics(site + "good.html", 390, 844)
    assert (good["overflow"], good["overflows"], good["consoleErrors"], good["failedRequests"]) == (False, [], [], [])


def test_harness_tells_the_pages_fonts_from_stand_ins(browser, tmp_path):
    amiri = next(path for path, weight, style in static_fonts("Amiri") if (weight, style) == (400, "normal"))
    (tmp_path / "amiri.ttf").write_bytes(amiri.read_bytes())
    (tmp_path / "fonts.html").write_text(
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>fonts</title><style>'
        "@font-face { font-family: Amiri; src: url(amiri.ttf); } [lang=ur] { font-family: Amiri, serif; }</style></head>"
        '<body><p>In Amiri <span lang="ur">کراچی</span>, in a system font اردو, in none \U00010600 here.</p></body></html>',
        encoding="utf-8",
    )
    runs = {run["text"]: run for run in browser.fallback_glyphs(browser.serve(tmp_path) + "fonts.html")}
    assert [(f["family"], f["custom"]) for f in runs["کراچی"]["fonts"]] == [("Amiri", True)]
    assert runs["اردو"]["fonts"] and not any(f["custom"] for f in runs["اردو"]["fonts"])
    assert (runs["اردو"]["missing"], runs["In Amiri"]["missing"], runs["\U00010600"]["missing"]) == ([], [], ["\U00010600"])


def test_a_hung_page_fails_its_call_and_the_next_call_works(browser, tmp_path):
    (tmp_path / "hang.html").write_text("<!DOCTYPE html><title>hang</title><script>for (;;) {}</script>")
    (tmp_path / "ok.html").write_text('<!DOCTYPE html><title>ok</title><link rel="icon" href="data:,"><p>ok</p>')
    site = browser.serve(tmp_path)
    with pytest.raises(pytest.fail.Exception, match="timed out after 2 s"):
        browser.page_metrics(site + "hang.html", timeout=2)
    assert browser.page_metrics(site + "ok.html")["overflow"] is False
