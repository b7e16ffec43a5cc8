"""The apparatus of an edition, read off the built editions: the copyright page (the licence's
address, the source, its history and the date the text was taken, who made the edition), the
running heads, an untitled opening, the title page and cover, and the colophon in every edition."""

from __future__ import annotations

import re

import pytest
from books import write_book
from lxml import html as lxml_html
from readers import NS, EpubEdition, PdfEdition, squash

from folio import __version__
from folio.cover import cover_png
from folio.errors import BuildError
from folio.html import cover_text
from folio.lint import lint_book
from folio.transforms import prepare_book

SLUGS = {"mqm": "mqm-militancy", "mini": "mini", "apparatus": "apparatus"}


def built(request, fixture: str):
    project = request.getfixturevalue(fixture)
    book = prepare_book(project.root / "content" / SLUGS[fixture])
    return project, book


def unbroken(text: str) -> str:
    """The text without its spaces and line breaks: an address broken over two lines whole again."""
    return "".join(text.split())


# Each book's copyright page says what book.toml gives, in full, and nothing for a key it leaves out.
COPYRIGHT = {
    "mqm": [
        "Licence: CC BY-SA 4.0, https://creativecommons.org/licenses/by-sa/4.0/",
        "Source: https://en.wikipedia.org/wiki/MQM_militancy",
        "Its history, which lists its authors: https://en.wikipedia.org/w/index.php?title=MQM_militancy&action=history",
        "Text taken from the source on or before 25 November 2026.",
        "Published by folio editions.",
        "Section 5 of the licence",
        "is not endorsed by the Wikimedia Foundation",
    ],
    "apparatus": [
        "Licence: CC BY-SA 4.0, https://creativecommons.org/licenses/by-sa/4.0/",
        "Its history, which lists its authors: https://example.org/w/index.php?title=Opened&action=history",
        "Text taken from the source revision 1234567890 on or before 1 March 2025.",
        "Edited by Cy Reader and Di Proof. Published by Fixture Press.",
    ],
    "mini": ["Licence: CC BY-SA 4.0"],
}
ABSENT = {
    "mqm": ["Edited by", "revision", "Made with"],
    "apparatus": ["Made with"],
    "mini": ["history", "Text taken", "Edited by", "Published by"],
}


@pytest.mark.parametrize("kind", ["download", "print"])
@pytest.mark.parametrize("fixture", list(COPYRIGHT))
def test_the_copyright_page_of_both_pdfs_says_where_the_text_comes_from_and_under_what_licence(request, fixture, kind):
    project, book = built(request, fixture)
    pdf = PdfEdition(project.out(f"{book.slug}.pdf" if kind == "download" else f"{book.slug}-print.pdf"))
    page = pdf.text(3)  # the title page's verso
    assert book.config.identifier in page
    for expected in COPYRIGHT[fixture]:
        assert unbroken(expected) in unbroken(page), expected
    for absent in ABSENT[fixture]:
        assert absent not in page, absent
    said_once = "is not endorsed" if fixture == "mqm" else "Licence:"
    assert page.count(said_once) == 1  # the attribution and the generated lines do not say it twice


@pytest.mark.parametrize("fixture", list(COPYRIGHT))
def test_the_epub_and_the_web_edition_carry_the_same_copyright_text(request, fixture):
    project, book = built(request, fixture)
    epub = EpubEdition(project.out(f"{book.slug}.epub"))
    imprint = squash("".join(epub.item("titlepage.xhtml").xpath("//x:section[@epub:type='imprint']", namespaces=NS)[0].itertext()))
    web = lxml_html.fromstring((project.root / "build" / "site" / book.slug / "read" / "index.html").read_bytes())
    shown = squash(web.xpath("//section[@class='imprint']")[0].text_content())
    assert imprint == shown
    for expected in COPYRIGHT[fixture]:
        assert expected in imprint, expected


@pytest.mark.parametrize("fixture", ["mqm", "apparatus"])
def test_the_title_page_and_the_cover_carry_the_subtitle_and_who_made_the_edition(request, fixture):
    project, book = built(request, fixture)
    c = book.config
    makers = [f"Edited by {' and '.join(c.editors)}"] if c.editors else []
    makers += [c.publisher] if c.publisher else []
    assert c.subtitle and makers
    pdf = PdfEdition(project.out(f"{book.slug}-print.pdf"))
    title_page = pdf.text(2)
    assert all(text in title_page for text in [c.title, c.subtitle, *c.authors, *makers]), title_page
    epub = EpubEdition(project.out(f"{book.slug}.epub"))
    page = squash("".join(epub.item("titlepage.xhtml").xpath("//x:section[@epub:type='titlepage']", namespaces=NS)[0].itertext()))
    assert all(text in page for text in [c.title, c.subtitle, *makers])
    alt = cover_text(book)
    assert c.subtitle in alt and all(name in alt for name in [*c.editors, *([c.publisher] if c.publisher else [])])


def test_the_cover_draws_the_editors_and_the_imprint(tmp_path):
    def png(**keys):
        book = prepare_book(write_book(tmp_path / str(len(list(tmp_path.iterdir()))), {"a.md": "# A\n"}, title="T", **keys))
        return cover_png(book.config, book.folder / "book.toml")

    plain = png()
    assert png(editors=["Cy Reader"]) != plain
    assert png(publisher="Fixture Press") != plain
    assert png(publisher="Fixture Press") != png(editors=["Cy Reader"])


def test_running_heads_are_the_book_s_title_on_versos_and_the_chapter_s_on_rectos(request):
    project, book = built(request, "mqm")
    pdf = PdfEdition(project.out(f"{book.slug}-print.pdf"))
    dests = pdf.destinations()
    heads = {index: pdf.running_head(index) for index in range(len(pdf.pages))}
    versos = {heads[i] for i in heads if i % 2 == 1 and heads[i]}
    rectos = {heads[i] for i in heads if i % 2 == 0 and heads[i]}
    assert versos == {book.config.title}
    assert "Note on the text" in rectos and rectos <= {ch.title for ch in book.chapters}
    sections = {h.text for h in book.headings if h.level > 1}
    assert not sections & set(heads.values())  # never "1992–94" or "Emendations"
    emendations = dests["emendations"]  # a recto of the Note on the text with a section on it
    later = next(i for i in range(emendations, len(pdf.pages)) if i % 2 == 0 and heads[i])
    assert heads[later] == "Note on the text"


def test_an_untitled_opening_runs_under_the_book_s_title(request):
    project, book = built(request, "apparatus")
    pdf = PdfEdition(project.out(f"{book.slug}-print.pdf"))
    start = pdf.destinations()[book.chapters[0].id]
    following = book.chapters[1].id
    pages = range(start + 1, pdf.destinations()[following])
    assert pages and all(pdf.running_head(i) == book.config.title for i in pages)


@pytest.mark.parametrize("fixture", ["mqm", "apparatus"])
def test_an_untitled_opening_is_read_in_order_but_is_in_no_contents(request, fixture):
    project, book = built(request, fixture)
    opening = book.chapters[0]
    assert opening.untitled and opening.title == book.config.title and opening.headings == []
    epub = EpubEdition(project.out(f"{book.slug}.epub"))
    assert epub.spine()[3] == opening.filename  # after the cover, the title page and the contents
    toc = epub.nav().xpath("//x:nav[@epub:type='toc']//x:a/@href", namespaces=NS)
    assert opening.filename not in [href.split("#")[0] for href in toc] and toc
    ncx = epub.item(epub.opf.xpath("//opf:item[@media-type='application/x-dtbncx+xml']/@href", namespaces=NS)[0])
    assert opening.filename not in [src.split("#")[0] for src in ncx.xpath("//ncx:content/@src", namespaces=NS)]
    headings = epub.item(opening.filename).xpath("//x:h1", namespaces=NS)
    assert [squash("".join(h.itertext())) for h in headings] == [book.config.title]  # one h1, for a screen reader's list
    for kind in ("download", "print"):
        pdf = PdfEdition(project.out(f"{book.slug}.pdf" if kind == "download" else f"{book.slug}-print.pdf"))
        assert book.config.title not in [title for title, _ in pdf.outline()]
        assert book.config.title not in [entry for entry, _ in pdf.contents()]
        start = pdf.destinations()[opening.id]
        assert pdf.folio(start) == "1" and pdf.text(start).startswith(squash(opening.text)[:30])
    page = lxml_html.fromstring((project.root / "build" / "site" / book.slug / "read" / f"{opening.id}.html").read_bytes())
    assert [squash(h.text_content()) for h in page.xpath("//main//h1")] == [book.config.title]
    assert page.xpath("string(//title)") == book.config.title
    contents = lxml_html.fromstring((project.root / "build" / "site" / book.slug / "read" / "index.html").read_bytes())
    assert f"{opening.id}.html" not in contents.xpath("//nav[contains(@class, 'contents')]//a/@href")


@pytest.mark.parametrize(
    "text, message",
    [
        ("# A title\n\nThe lead.\n", "the untitled opening (book.toml untitled_opening) has no headings"),
        ("The lead.\n\n## A section\n\nMore.\n", "the untitled opening (book.toml untitled_opening) has no headings"),
    ],
)
def test_an_untitled_opening_has_no_headings(tmp_path, text, message):
    folder = write_book(tmp_path, {"lead.md": text, "b.md": "# B\n\nText.\n"}, untitled_opening=True)
    with pytest.raises(BuildError, match=re.escape(message)) as e:
        prepare_book(folder)
    assert e.value.code == "S003"


def test_a_chapter_without_a_title_is_still_a_finding_unless_it_opens_an_untitled_book(tmp_path):
    texts = {"lead.md": "The lead of the article.\n", "b.md": "# B\n\nThe body of the article.\n"}
    with pytest.raises(BuildError) as e:
        prepare_book(write_book(tmp_path / "titled", texts))
    assert e.value.code == "S003"
    book = prepare_book(write_book(tmp_path / "untitled", texts, title="The Article", untitled_opening=True))
    assert [ch.id for ch in book.chapters] == ["the-article", "b"]


def test_the_fidelity_check_reads_an_untitled_opening_under_the_book_s_title(tmp_path):
    """The source's first line is the article's title: the book's title stands for it."""
    texts = {"lead.md": "The lead of the article.\n", "b.md": "# Body\n\nThe body of the article.\n"}
    folder = write_book(tmp_path, texts, title="The Article", untitled_opening=True, source_text="source.txt")
    (folder / "source.txt").write_text("The Article\n\nThe lead of the article.\n\nBody\n\nThe body of the article.\n")
    assert lint_book(folder).findings == []
    (folder / "source.txt").write_text("Another Article\n\nThe lead of the article.\n\nBody\n\nThe body of the article.\n")
    found = [(f.path.name, f.line, f.code) for f in lint_book(folder).findings]  # the title is compared with the source's
    assert found == [("book.toml", 1, "F001"), ("source.txt", 1, "F003")]


@pytest.mark.parametrize("fixture", ["mqm", "mini", "apparatus"])
def test_the_colophon_closes_every_edition_and_folio_is_credited_once(request, fixture):
    project, book = built(request, fixture)
    epub = EpubEdition(project.out(f"{book.slug}.epub"))
    assert epub.spine()[-1] == "colophon.xhtml"
    colophon = epub.item("colophon.xhtml")
    assert colophon.xpath("//x:section[@epub:type='colophon']/x:h1/text()", namespaces=NS) == ["Colophon"]
    nav = epub.nav()
    assert nav.xpath("//x:nav[@epub:type='toc']/x:ol/x:li[last()]/x:a/@href", namespaces=NS) == ["colophon.xhtml"]
    credit = f"folio {__version__}"
    documents = ["".join(epub.item(href).itertext()) for href in epub.spine()]
    assert sum(text.count(credit) for text in documents) == 1
    for name in (f"{book.slug}.pdf", f"{book.slug}-print.pdf"):
        pdf = PdfEdition(project.out(name))
        assert sum(pdf.text(i).count(credit) for i in range(len(pdf.pages))) == 1, name
    read = project.root / "build" / "site" / book.slug / "read"
    pages = {page.name: lxml_html.fromstring(page.read_bytes()).xpath("string(//body)") for page in read.glob("*.html")}
    assert {name for name, text in pages.items() if credit in text} == {"index.html"}  # the web edition's, on its first page
    assert sum(text.count(credit) for text in pages.values()) == 1
