"""The conformance book (tests/fixtures/conformance), construct by construct, in each of the three
editions: where a note's text is printed (the note area of its call's page, found by position),
which face code is set in and where its wrapped lines stand, what the print PDF says after a link,
how characters and raw HTML come out, and the EPUB's notes, back links and lists."""

from __future__ import annotations

import re

import pytest
from readers import NS, EpubEdition, PdfEdition, squash

from folio.model import call_id, note_id
from folio.transforms import prepare_book

LONG_NOTE = [  # each block of the note of several blocks
    "First paragraph of the long note",
    "item one of the note",
    "item two of the note",
    "quoted in the note",
    'print("code in the note")',
    "Last paragraph of the long note.",
]


@pytest.fixture(params=["download", "print"])
def pdf(request, conformance) -> PdfEdition:
    return PdfEdition(conformance.out("conformance.pdf" if request.param == "download" else "conformance-print.pdf"))


@pytest.fixture
def epub(conformance) -> EpubEdition:
    return EpubEdition(conformance.out("conformance.epub"))


def lines_of(pdf: PdfEdition, index: int) -> list[dict]:
    return [dict(line, text=squash(line["text"])) for line in pdf.lines(index)]


def test_a_note_of_several_blocks_prints_whole_at_the_foot_of_its_call_s_page(pdf):
    page = pdf.destinations()[call_id(1)]
    lines = lines_of(pdf, page)
    body = [line for line in lines if line["size"] >= 10.5]  # the text, at 11 pt
    notes_top = max(line["bottom"] for line in body)
    for block in LONG_NOTE:
        found = [line for line in lines if block in line["text"]]
        assert found, (block, [line["text"] for line in lines])
        assert all(line["top"] > notes_top and line["size"] < 9 for line in found), (block, found)  # below the text, in the notes' size
    text = " ".join(line["text"] for line in body)
    assert "for a while. After the call the same paragraph goes on, and it must stay one paragraph" in text.replace("while.1", "while.")
    assert not [line["text"] for line in body if line["text"].startswith(("•", "◦")) and "note" in line["text"]]  # no stray bullets


def test_a_note_called_twice_is_printed_once_and_every_call_links_to_it(pdf):
    dests = pdf.destinations()
    first = dests[call_id(2)]
    assert dests[note_id(2)] == first
    called_again = next(i for i in range(len(pdf.pages)) if "Here is its second call." in pdf.text(i))
    assert note_id(2) in pdf.links(first) and note_id(2) in pdf.links(called_again)
    assert sum(pdf.footnote_area_text(i).count("The note called twice.") for i in range(len(pdf.pages))) == 1


def test_code_is_set_in_the_code_face_and_wraps_hanging_inside_the_measure(pdf):
    index = next(i for i in range(len(pdf.pages)) if "def fetch(" in pdf.text(i))
    page = pdf.pages[index]
    for word in ("print(len(words))", "def", "fetch(address,"):
        found = [w["fontname"] for w in page.extract_words(extra_attrs=["fontname"]) if w["text"] == word]
        assert found and all("Source-Code-Pro" in name for name in found), (word, found)
    lines = lines_of(pdf, index)
    start = next(line for line in lines if line["text"].startswith("def fetch("))
    wrapped = next(line for line in lines if line["text"].startswith("headers="))  # the rest of the def line
    body = next(line for line in lines if line["text"].startswith("for attempt"))
    ch = (start["x1"] - start["x0"]) / len(start["text"])
    assert round((body["x0"] - start["x0"]) / ch) == 4  # the code's own indentation
    assert round((wrapped["x0"] - start["x0"]) / ch) == 4  # a wrapped line hangs 4ch past its line's indentation
    inner = [line for line in lines if line["text"].startswith("headers=headers")]
    assert inner and round((inner[0]["x0"] - start["x0"]) / ch) == 12  # under an indented line, past its 8ch
    right = pdf.boxes(index)["TrimBox"][2] - 0.6 * 72
    assert all(line["x1"] <= right + 0.5 for line in lines)


def test_paper_shows_where_external_links_go_and_nothing_after_internal_ones(pdf):
    text = " ".join(pdf.text(i) for i in range(len(pdf.pages))).replace("- ", "-")
    assert "The Markdown guide (https://commonmark.org/help/) is a link" in text
    assert "write to us (editor@example.org) is a mail link" in text
    assert "https://Spec.CommonMark.org/ is an address written as itself" in text  # as written, and not twice
    assert re.search(r"and the notes (\(p\.\s\d+\) )?is a link inside the book", text)  # at most its page, no address
    assert "https://creativecommons.org/publicdomain/zero/1.0/" in pdf.text(3)  # the licence, on the copyright page


def test_character_references_and_raw_html_print_as_written(pdf, epub):
    text = " ".join(pdf.text(i) for i in range(len(pdf.pages))).replace("\u2010 ", "")  # words hyphenated at a line's end
    printed = epub.text()
    for expected in ("© 2025, café, and — a dash", 'written: <b class="x">bold?</b> and <!-- a comment --> stay'):
        assert expected in text and expected in printed, expected


def test_lists_keep_their_numbers_and_nesting(pdf, epub):
    text = " ".join(pdf.text(i) for i in range(len(pdf.pages)))
    assert "7. the seventh step 8. the eighth step" in text
    assert "◦ an inner item" in text
    doc = epub.item("constructs.xhtml")
    assert doc.xpath("//x:ol[x:li[contains(., 'seventh')]]/@start", namespaces=NS) == ["7"]
    assert doc.xpath("//x:ul/x:li/x:ul/x:li/text()", namespaces=NS)[:1] == ["an inner item"]


def test_the_epub_note_of_several_blocks_and_its_back_links(conformance, epub):
    book = prepare_book(conformance.root / "content" / "conformance")
    doc = epub.item("constructs.xhtml")
    aside = doc.xpath(f"//x:aside[@id='{note_id(1)}']", namespaces=NS)[0]
    assert [squash(" ".join(e.itertext())) for e in aside.xpath("./*", namespaces=NS)][1:] == [
        "item one of the note item two of the note",
        "quoted in the note",
        'print("code in the note")',
        "Last paragraph of the long note.",
    ]
    twice = doc.xpath(f"//x:aside[@id='{note_id(2)}']", namespaces=NS)[0]
    backs = twice.xpath(".//x:a[@role='doc-backlink']/@href", namespaces=NS)
    calls = doc.xpath(f"//x:a[@epub:type='noteref'][@href='#{note_id(2)}']/@id", namespaces=NS)
    assert calls == [call_id(2), call_id(2, 1)] and set(backs) == {f"#{c}" for c in calls}  # one back link a call, at least
    assert book.chapters[0].notes["twice"].calls == 2


def test_code_and_table_pages_have_page_break_markers(conformance, epub):
    markers = {m.get("id") for href in epub.spine() for m in epub.item(href).xpath("//*[@epub:type='pagebreak']", namespaces=NS)}
    long = epub.item("long.xhtml")
    in_code = long.xpath("//x:pre//*[@epub:type='pagebreak']/@aria-label", namespaces=NS)
    in_table = long.xpath("//x:table//*[@epub:type='pagebreak']/@aria-label", namespaces=NS)
    assert in_code and in_table and {f"page_{n}" for n in in_code + in_table} <= markers
