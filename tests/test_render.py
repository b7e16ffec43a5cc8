"""Book -> HTML: the print document and the EPUB chapters, rendered from the same tokens."""

from __future__ import annotations

from pathlib import Path

from lxml import etree, html

from folio.html import epub_chapter_body, print_document
from folio.model import call_id, note_id
from folio.transforms import prepare_book

MINI = Path(__file__).parent / "fixtures" / "mini"
EPUB_NS = {"x": "http://www.w3.org/1999/xhtml", "epub": "http://www.idpf.org/2007/ops"}


def print_tree():
    return html.fromstring(print_document(prepare_book(MINI)).encode())


def epub_tree(index: int):
    book = prepare_book(MINI)
    body, _ = epub_chapter_body(book, book.chapters[index])
    doc = f'<html xmlns="{EPUB_NS["x"]}" xmlns:epub="{EPUB_NS["epub"]}"><body>{body}</body></html>'
    return etree.fromstring(doc.encode())


def test_print_notes_float_at_their_call_with_no_line_break_inside():
    tree = print_tree()
    notes = tree.xpath("//span[@class='footnote']")
    assert [n.get("id") for n in notes] == [note_id(n) for n in (1, 2, 3, 4)]
    assert "\n" not in notes[0].text_content()
    assert notes[0].text_content() == ("1.\u2002A note whose text runs over two source lines, which must not print as two lines.")
    # right before each note stands its call: a link to it, marking the page the note must be on
    calls = [n.getprevious() for n in notes]
    assert [(c.get("id"), c.get("href"), c.text) for c in calls] == [
        (call_id(1), f"#{note_id(1)}", "1"),
        (call_id(2), f"#{note_id(2)}", "2"),
        (call_id(3), f"#{note_id(3)}", "3"),
        (call_id(4), f"#{note_id(4)}", "4"),
    ]
    # a note called twice is printed once; the second call links to it too
    assert tree.xpath("//a[@class='footnote-call' and not(@id)]/@href") == [f"#{note_id(2)}"]


def test_print_document_front_matter_and_head():
    tree = print_tree()
    assert tree.get("lang") == "en"
    assert tree.findtext(".//title") == "A Small Book & <Friends>: Fixture for folio's tests"
    assert tree.xpath("//meta[@name='author']/@content") == ["Ada Editor", "Ben Typesetter"]
    assert tree.xpath("//meta[@name='dcterms.created']/@content") == ["2025-03-14T00:00:00Z"]
    sections = [s.get("class") for s in tree.xpath("/html/body/*")]
    assert sections == ["half-title", "title-page", "copyright-page", "contents", "text", "back-matter"]
    assert tree.xpath("//div[@class='back-matter']/section[@class='colophon']//text()[contains(., 'EB Garamond')]")
    assert tree.xpath("//nav[@class='contents']//a/@href") == ["#history", "#section-1992-94", "#history-2"]


def test_raw_html_never_passes_through():
    tree = print_tree()
    assert not tree.xpath("//script | //b | //*[@onclick]")
    assert "<script>" in tree.text_content()  # shown as text, escaped
    for i in (0, 1):
        assert not epub_tree(i).xpath("//x:script | //x:b | //*[@onclick]", namespaces=EPUB_NS)


def test_epub_noterefs_and_asides():
    tree = epub_tree(0)
    refs = tree.xpath("//x:a[@epub:type='noteref']", namespaces=EPUB_NS)
    assert [(r.get("id"), r.get("href"), r.text, r.get("role")) for r in refs] == [
        (call_id(1), f"#{note_id(1)}", "1", "doc-noteref"),
        (call_id(2), f"#{note_id(2)}", "2", "doc-noteref"),
        (call_id(2, 1), f"#{note_id(2)}", "2", "doc-noteref"),
    ]
    assert not tree.xpath("//x:a[@epub:type='noteref']//x:sup", namespaces=EPUB_NS)
    asides = tree.xpath("//x:aside[@epub:type='footnote']", namespaces=EPUB_NS)
    assert [(a.get("id"), a.get("role")) for a in asides] == [(note_id(1), "doc-footnote"), (note_id(2), "doc-footnote")]
    assert asides[0].xpath("string(.//x:a[@role='doc-backlink']/@href)", namespaces=EPUB_NS) == f"#{call_id(1)}"


def test_epub_links_across_chapters_name_the_document():
    tree = epub_tree(0)
    hrefs = tree.xpath("//x:a[not(@epub:type) and not(@role)]/@href", namespaces=EPUB_NS)
    assert hrefs == ["history-2.xhtml#history-2"]


def test_print_note_with_several_blocks_is_one_span_inside_its_paragraph(tmp_path):
    from books import write_book

    text = "# A\n\nBefore.[^n] After.\n\n[^n]: First paragraph.\n\n    - item one\n    - item two\n\n    > quoted\n\n        code\n\n    Last.\n"
    tree = html.fromstring(print_document(prepare_book(write_book(tmp_path, {"a.md": text}))).encode())
    paragraph = tree.xpath("//p[.//span[@class='footnote']]")[0]
    assert paragraph.text_content().startswith("Before.") and paragraph.text_content().endswith(" After.")  # whole
    (note,) = tree.xpath("//span[@class='footnote']")
    assert not note.xpath(".//*[not(self::span or self::a or self::em or self::strong or self::code)]")  # phrasing only
    blocks = [(s.get("class"), s.text_content()) for s in note.xpath("./span")]
    assert blocks == [
        ("fn-p", "1.\u2002First paragraph."),
        ("fn-ul", "item oneitem two"),
        ("fn-quote", "quoted"),
        ("fn-pre", "code"),
        ("fn-p", "Last."),
    ]
    assert note.xpath("./span[@class='fn-ul']/span[@class='fn-li']/text()") == ["item one", "item two"]
