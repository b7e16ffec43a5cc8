"""The EPUB, read as readers' tools read it: EPUBCheck, DAISY Ace, XPath on the package and nav."""

from __future__ import annotations

import io
import re
import shutil
import zipfile

import pytest
from books import write_book
from conftest import FIXTURES, ROOT, need
from lxml import etree
from PIL import Image
from readers import ACE, CHROMIUM, NS, EpubEdition, ace_violations, epubcheck_messages

from folio.cover import cover_png
from folio.epub import CONFORMANCE, accessibility_metadata, write_epub
from folio.html import cover_text, epub_chapter_body, epub_nav_body
from folio.model import PageStart
from folio.project import Project, RenderContext
from folio.transforms import prepare_book

SLUGS = {
    "mqm": "mqm-militancy",
    "mini": "mini",
    "apparatus": "apparatus",
    "hostile": "hostile",
    "conformance": "conformance",
    "francais": "francais",
    "urdu": "urdu",
    "polyglot": "polyglot",
}


@pytest.fixture(params=list(SLUGS))
def built(request):
    """(the book, its built EPUB) for the real book and the fixture books."""
    project = request.getfixturevalue(request.param)
    book = prepare_book(project.root / "content" / SLUGS[request.param])
    return book, EpubEdition(project.out(f"{book.slug}.epub"))


EPUB_TYPE = f"{{{NS['epub']}}}type"


def xpath(node, path: str) -> list:
    return node.xpath(path, namespaces=NS)


def test_epubcheck_reports_nothing(built):
    need("Java (for EPUBCheck)", shutil.which("java") is not None)
    _book, epub = built
    assert epubcheck_messages(epub.path) == []


def test_ace_reports_no_violation(built, tmp_path):
    need("DAISY Ace", ACE.exists())
    need("Chromium", CHROMIUM is not None)
    book, epub = built
    violations, report = ace_violations(epub.path, tmp_path)
    assert violations == []
    # Chromium really ran: every document of the spine was loaded and checked, headings read
    checked = {group["earl:testSubject"]["url"] for group in report["assertions"]}
    assert set(epub.spine()) <= checked
    assert book.chapters[-1].title in report["outlines"]["headings"]
    assert "dcterms:conformsTo" in report["a11y-metadata"]["present"]


def test_package_metadata(built):
    book, epub = built
    c, opf = book.config, epub.opf
    assert opf.get("version") == "3.0"
    assert opf.get("{http://www.w3.org/XML/1998/namespace}lang") == c.language
    assert xpath(opf, "//dc:language/text()") == [c.language]
    unique = opf.get("unique-identifier")
    assert xpath(opf, f"//dc:identifier[@id='{unique}']/text()") == [c.identifier]
    assert xpath(opf, "//opf:meta[@property='dcterms:modified']/text()") == [f"{c.date.isoformat()}T00:00:00Z"]
    titles = {t.get("id"): t.text for t in xpath(opf, "//dc:title")}
    types = {m.get("refines")[1:]: m.text for m in xpath(opf, "//opf:meta[@property='title-type']")}
    assert {types[i]: text for i, text in titles.items()} == (
        {"main": c.title, "subtitle": c.subtitle} if c.subtitle else {"main": c.title}
    )
    assert xpath(opf, "//dc:title[1]/text()") == [c.title]  # what EPUB 2 readers show
    creators = xpath(opf, "//dc:creator")
    assert [a.text for a in creators] == list(c.authors)
    for creator in creators:
        assert xpath(opf, f"//opf:meta[@refines='#{creator.get('id')}'][@property='role'][@scheme='marc:relators']/text()") == ["aut"]
    sort_names = [xpath(opf, f"//opf:meta[@refines='#{creator.get('id')}'][@property='file-as']/text()") for creator in creators]
    assert sort_names == [[name] for name in c.sort_names] and all(sort_names)
    assert xpath(opf, "//dc:rights/text()")[0].startswith(c.license)
    assert xpath(opf, "//dc:source[not(@id)]/text()") == ([c.source] if c.source else [])  # and the print edition
    assert xpath(opf, "//dc:description/text()") == ([c.description] if c.description else [])
    assert xpath(opf, "//dc:subject/text()") == list(c.keywords)
    editors = xpath(opf, "//dc:contributor")
    assert [e.text for e in editors] == list(c.editors)
    for editor in editors:
        assert xpath(opf, f"//opf:meta[@refines='#{editor.get('id')}'][@property='role']/text()") == ["edt"]
    assert xpath(opf, "//dc:publisher/text()") == ([c.publisher] if c.publisher else [])


def test_accessibility_metadata_is_what_the_content_has(built):
    _book, epub = built

    def meta(name):
        return xpath(epub.opf, f"//opf:meta[@property='{name}']/text()")

    assert meta("schema:accessMode") == ["textual"]  # no images in these books but the cover
    assert meta("schema:accessModeSufficient") == ["textual"]
    assert meta("schema:accessibilityFeature") == [
        "tableOfContents",
        "readingOrder",
        "structuralNavigation",
        "displayTransformability",
        "pageNavigation",
        "pageBreakMarkers",
    ]  # tests/test_pagelist.py holds these up
    assert meta("schema:accessibilityHazard") == ["none"]
    assert meta("schema:accessibilitySummary")[0].endswith(f"It meets {CONFORMANCE}.")
    assert meta("dcterms:conformsTo") == [CONFORMANCE]  # test_ace_reports_no_violation holds it up


def test_spine_contents_landmarks_and_ncx(built):
    book, epub = built
    chapters = [ch.filename for ch in book.chapters]
    assert epub.spine() == ["cover.xhtml", "titlepage.xhtml", "nav.xhtml", *chapters, "colophon.xhtml"]
    assert not xpath(epub.opf, "//opf:itemref[@linear='no']")

    nav = epub.nav()
    toc = xpath(nav, "//x:nav[@epub:type='toc'][@role='doc-toc']")[0]
    entries = [(a.text, a.get("href"), len(xpath(a, "ancestor::x:ol"))) for a in xpath(toc, ".//x:a")]
    expected = []
    for chapter in book.chapters:
        if chapter.untitled:  # in the spine, not in the contents
            continue
        expected.append((chapter.title, chapter.filename, 1))
        expected += [(h.text, f"{chapter.filename}#{h.id}", 2) for h in chapter.headings if h.level == 2]
    expected.append(("Colophon", "colophon.xhtml", 1))  # back matter
    assert entries == expected
    for _, href, _ in entries:  # every entry leads somewhere
        if "#" in href:
            assert xpath(epub.document(href), f"//*[@id='{href.split('#')[1]}']"), href

    landmarks = xpath(nav, "//x:nav[@epub:type='landmarks']")[0]
    assert landmarks.get("hidden") is not None
    back = [ch.filename for ch in book.chapters if ch.back_matter][:1]
    assert [(a.get(EPUB_TYPE), a.get("href")) for a in xpath(landmarks, ".//x:a")] == [
        ("cover", "cover.xhtml"),
        ("titlepage", "titlepage.xhtml"),
        ("toc", "nav.xhtml#toc"),
        ("bodymatter", chapters[0]),
        ("backmatter", back[0] if back else "colophon.xhtml"),
    ]
    assert back or book.slug != "mqm-militancy"  # its Note on the text is back matter
    guide = [(r.get("type"), r.get("href")) for r in xpath(epub.opf, "//opf:guide/opf:reference")]
    assert guide == [("cover", "cover.xhtml"), ("title-page", "titlepage.xhtml"), ("toc", "nav.xhtml"), ("text", chapters[0])]

    ncx = epub.item(xpath(epub.opf, "//opf:item[@media-type='application/x-dtbncx+xml']/@href")[0])
    points = xpath(ncx, "//ncx:navPoint")
    assert [
        (xpath(p, "string(ncx:navLabel/ncx:text)"), xpath(p, "string(ncx:content/@src)"), len(xpath(p, "ancestor::ncx:navPoint")) + 1)
        for p in points
    ] == expected
    assert [p.get("playOrder") for p in points] == [str(i) for i in range(1, len(points) + 1)]
    assert xpath(ncx, "//ncx:meta[@name='dtb:uid']/@content") == [book.config.identifier]


def test_cover_image_and_page(built):
    book, epub = built
    items = xpath(epub.opf, "//opf:item[contains(concat(' ', @properties, ' '), ' cover-image ')]")
    assert len(items) == 1 and items[0].get("media-type") == "image/png"
    assert xpath(epub.opf, "//opf:meta[@name='cover']/@content") == [items[0].get("id")]  # EPUB 2, Kindle
    data = epub.zip.read(f"{epub.base}/{items[0].get('href')}")
    assert data == cover_png(book.config, book.folder / "book.toml")
    with Image.open(io.BytesIO(data)) as image:
        assert image.size == (1600, 2560)
    img = xpath(epub.item("cover.xhtml"), "//x:img")
    assert [(i.get("src"), i.get("alt"), i.get("role")) for i in img] == [(items[0].get("href"), cover_text(book), "doc-cover")]
    assert book.config.title in cover_text(book) and book.config.authors[-1] in cover_text(book)


def test_cover_follows_book_toml(tmp_path):
    short = prepare_book(write_book(tmp_path / "a", {"a.md": "# A\n"}, title="Short"))
    longer = prepare_book(
        write_book(
            tmp_path / "b", {"a.md": "# A\n"}, title="A Much Longer Title " * 4, subtitle="With a subtitle", authors=["One", "Two", "Three"]
        )
    )

    def png(book):
        return cover_png(book.config, book.folder / "book.toml")

    assert png(short) == png(short)
    assert png(short) != png(longer)
    assert cover_text(longer) == f"{longer.config.title}: With a subtitle, by One, Two and Three"


def test_notes_pop_up(built):
    """Apple Books, Kobo, KOReader and Thorium pop up a noteref's aside; Kindle wants the note to
    begin with a link back to its call."""
    book, epub = built
    numbers = []
    for href in epub.spine():
        doc = epub.item(href)
        ids = set(xpath(doc, "//@id"))
        for ref in xpath(doc, "//x:a[@epub:type='noteref']"):
            assert ref.get("role") == "doc-noteref"
            assert not xpath(ref, ".//x:sup | ancestor::x:sup")
            target = ref.get("href")[1:]
            aside = xpath(doc, f"//x:aside[@id='{target}']")[0]
            assert (aside.get(EPUB_TYPE), aside.get("role")) == ("footnote", "doc-footnote")
            back = xpath(aside, "(.//x:a)[1]")[0]
            assert back.get("role") == "doc-backlink" and back.get("href")[1:] in ids
            assert back.text == f"{ref.text}."
            numbers.append(int(ref.text))
    assert sorted(set(numbers)) == [n.number for n in book.notes]


def test_stylesheet_leaves_the_reader_in_charge():
    """What accessibilityFeature displayTransformability claims: the reader's fonts, sizes and
    colours (night mode) win, and images fit the screen."""
    css = re.sub(r"/\*.*?\*/", "", (ROOT / "styles" / "epub.css").read_text(), flags=re.DOTALL)
    assert not re.findall(r"\d(?:px|pt|pc|cm|mm|in|q)\b", css, re.IGNORECASE)  # relative units only
    assert not re.findall(r"(?<![\w-])(?:color|background(?:-color)?)\s*:", css)
    families = [family.split(",")[-1].strip() for family in re.findall(r"font-family\s*:\s*([^;}]+)", css)]
    assert families[0] == "serif" and set(families) == {"serif", "monospace"}  # the text, and code: each a fallback stack
    assert re.search(r"img\s*{[^}]*max-width:\s*100%", css)


def test_zip_layout(built):
    _book, epub = built
    infos = epub.zip.infolist()
    assert infos[0].filename == "mimetype" and infos[0].compress_type == zipfile.ZIP_STORED
    assert epub.zip.read("mimetype") == b"application/epub+zip"
    assert not infos[0].extra
    assert {i.date_time for i in infos} == {(1980, 1, 1, 0, 0, 0)}


def test_page_list_when_the_print_layout_gives_page_starts():
    book = prepare_book(FIXTURES / "mini")

    def nav(starts):
        return etree.fromstring(
            f'<html xmlns="{NS["x"]}" xmlns:epub="{NS["epub"]}"><body>{epub_nav_body(book, starts)}</body></html>'.encode()
        )

    def features(page_list):
        documents = [epub_chapter_body(book, ch)[0] for ch in book.chapters]
        return {v for k, v, _ in accessibility_metadata(book, documents, page_list) if k == "schema:accessibilityFeature"}

    starts = [PageStart("1", "history.xhtml#page-1"), PageStart("2", "history-2.xhtml#page-2")]
    pages = xpath(nav(starts), "//x:nav[@epub:type='page-list']")[0]
    assert pages.get("hidden") is not None
    assert [(a.text, a.get("href")) for a in xpath(pages, ".//x:a")] == [("1", "history.xhtml#page-1"), ("2", "history-2.xhtml#page-2")]
    assert {"pageNavigation", "pageBreakMarkers"} <= features(page_list=True)
    assert not xpath(nav(None), "//x:nav[@epub:type='page-list']")
    assert not {"pageNavigation", "pageBreakMarkers"} & features(page_list=False)


@pytest.mark.parametrize("alt", ["A grey square", ""])
def test_images_change_the_access_modes(tmp_path, alt):
    folder = write_book(
        tmp_path / "book",
        {"a.md": f"# A\n\n![{alt}](grey.png)\n"},
        language="fr",
        identifier="urn:uuid:5f0c2a2e-8d1b-4e53-9a51-0f3b1c7e9d42",
    )
    Image.new("L", (40, 40), 128).save(folder / "grey.png")
    book = prepare_book(folder)
    files = Project(tmp_path).files("book")
    write_epub(RenderContext(book, files, ROOT / "styles" / "epub.css"), cover_png(book.config, book.folder / "book.toml"))
    epub = EpubEdition(files.epub)

    def meta(name):
        return xpath(epub.opf, f"//opf:meta[@property='{name}']/text()")

    assert meta("schema:accessMode") == ["textual", "visual"]
    assert xpath(epub.opf, "//opf:meta[@property='schema:accessibilitySummary']/@xml:lang") == ["en"]
    grey = book.images["grey.png"]  # stored under the name folio chose, its checked bytes
    assert xpath(epub.opf, f"//opf:item[@href='{grey.name}']/@media-type") == ["image/png"]
    assert epub.zip.read(f"EPUB/{grey.name}") == (folder / "grey.png").read_bytes()
    if alt:
        assert meta("schema:accessModeSufficient") == ["textual", "textual,visual"]
        assert "alternativeText" in meta("schema:accessibilityFeature")
        assert meta("dcterms:conformsTo") == [CONFORMANCE]
    else:  # no text alternative: no claim, and the text alone does not suffice
        assert meta("schema:accessModeSufficient") == ["textual,visual"]
        assert "alternativeText" not in meta("schema:accessibilityFeature")
        assert meta("dcterms:conformsTo") == []
    need("Java (for EPUBCheck)", shutil.which("java") is not None)
    assert epubcheck_messages(files.epub) == []
    need("DAISY Ace", ACE.exists() and CHROMIUM is not None)
    violations, _ = ace_violations(files.epub, tmp_path / "ace")
    assert violations == []  # to Ace an empty alt marks a decorative image; folio cannot know, claims nothing
