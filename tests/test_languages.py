"""The language of parts: [text]{lang=ur} in every edition (lang, xml:lang in the EPUB, dir where the
language is written right to left), unmarked right-to-left text isolated in <bdi>, and the lint's
S015 and L001; read in the built EPUB (XPath), PDF (the glyphs' order on the line) and web pages."""

from __future__ import annotations

import io
import shutil

import pytest
from books import write_book
from conftest import FIXTURES
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree
from lxml import html as lxml_html
from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject
from readers import NS, EpubEdition, PdfEdition

from folio.errors import BuildError
from folio.html import epub_chapter_body, print_document
from folio.languages import NEUTRAL_SCRIPTS, char_script, direction, foreign_runs, is_rtl_char, is_valid, rtl_runs, script
from folio.lint import lint_book
from folio.transforms import prepare_book
from folio.web import chapter_page

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
URDU = "متحدہ قومی موومنٹ"


@pytest.mark.parametrize(
    ("tag", "valid"),
    [
        ("ur", True),
        ("en-GB", True),
        ("pa-Arab", True),
        ("ks-Deva", True),
        ("zh-Hant-TW", True),
        ("ur_PK", False),  # langcodes mends the underscore; a document's tag may not have it
        ("b c", False),
        ("xx-YY", False),
        ("English", False),
        ("en-", False),
        ("", False),
    ],
)
def test_tags(tag, valid):
    assert is_valid(tag) is valid


@pytest.mark.parametrize(
    ("tag", "script_code", "way"),
    [
        ("ur", "Arab", "rtl"),
        ("ar", "Arab", "rtl"),
        ("fa", "Arab", "rtl"),
        ("he", "Hebr", "rtl"),
        ("dv", "Thaa", "rtl"),
        ("pa-Arab", "Arab", "rtl"),
        ("ur-Latn", "Latn", "ltr"),
        ("ks-Deva", "Deva", "ltr"),
        ("pa", "Guru", "ltr"),
        ("el", "Grek", "ltr"),
        ("en-GB", "Latn", "ltr"),
        ("fr", "Latn", "ltr"),
    ],
)
def test_script_and_direction_of_a_language(tag, script_code, way):
    assert (script(tag), direction(tag)) == (script_code, way)


@pytest.mark.parametrize(
    ("text", "runs"),
    [
        ("plain English, 1984.", [("plain English, 1984.", False)]),
        (f"the party ({URDU}), 1984", [("the party (", False), (URDU, True), ("), 1984", False)]),
        ("سال 1992 میں", [("سال 1992 میں", True)]),  # the figures between its words are the run's
        ("اردو and עברית 12.", [("اردو", True), (" and ", False), ("עברית", True), (" 12.", False)]),
    ],
)
def test_right_to_left_runs(text, runs):
    assert list(rtl_runs(text)) == runs
    assert "".join(piece for piece, _ in runs) == text


def test_runs_of_another_script():
    text = "Greek λόγος, Urdu متحدہ قومی, Russian слово."
    assert list(foreign_runs(text, "Latn")) == [(6, "λόγος", "Grek"), (18, "متحدہ قومی", "Arab"), (38, "слово", "Cyrl")]
    assert [run for _, run, _ in foreign_runs(text, "Grek")][:1] == ["Greek"]  # a Greek book's English is the other script


def test_what_the_latin_shortcut_passes_by_is_latin_or_no_script():
    """foreign_runs passes by a text of these blocks alone in a Latin book: every character in them
    must be Latin or of no script (so the shortcut finds what the full scan would)."""
    chars = [chr(c) for blocks in ((0, 0x24F), (0x1E00, 0x1EFF), (0x2000, 0x206F)) for c in range(blocks[0], blocks[1] + 1)]
    assert {char_script(c) for c in chars} <= NEUTRAL_SCRIPTS | {"Latn"}


def _book(tmp_path, text: str):
    return prepare_book(write_book(tmp_path / "book", {"a.md": f"# Title\n\n{text}\n"}))


def _epub_p(tmp_path, text: str) -> etree._Element:
    """The first paragraph of the chapter as the EPUB has it, read as XHTML."""
    body, _ = epub_chapter_body(_book(tmp_path, text), _book(tmp_path, text).chapters[0])
    doc = etree.fromstring(f'<body xmlns="http://www.w3.org/1999/xhtml" xmlns:epub="{NS["epub"]}">{body}</body>')
    return doc.xpath("//x:p", namespaces=NS)[0]


def _attrs(element) -> tuple:
    return element.get("lang"), element.get(XML_LANG), element.get("dir")


# Markdown -> (XPath from the paragraph, [(lang, xml:lang, dir, text)] of what it finds)
MARKUP = [
    (f"The party [{URDU}]{{lang=ur}} (MQM).", "x:span", [("ur", "ur", "rtl", URDU)]),
    ("A [mise en page]{lang=fr} here.", "x:span", [("fr", "fr", None, "mise en page")]),
    ("A [link](https://example.org/){lang=fr}.", "x:a", [("fr", "fr", None, "link")]),
    ("The `Verb`{lang=de} here.", "x:code", [("de", "de", None, "Verb")]),
    ("Kept *[λόγος]{lang=el}* in emphasis.", "x:em/x:span", [("el", "el", None, "λόγος")]),
    ("[Un [mot]{lang=el}]{lang=fr}", ".//x:span", [("fr", "fr", None, "Un mot"), ("el", "el", None, "mot")]),
    ("The city is called کراچی (Karachi), 2 before 3.", "x:bdi", [(None, None, None, "کراچی")]),
    ("[کراچی (Karachi)]{lang=ur}", ".//x:bdi", []),  # in a right-to-left span: at home
    ("[Karachi کراچی]{lang=en}", "x:span/x:bdi", [(None, None, None, "کراچی")]),
    ("x [1]{sic} y", ".//x:span", []),  # no attribute: the braces stay text
    ("[اردو [English]{lang=en} اردو]{lang=ur}", "x:span/x:span", [("en", "en", "ltr", "English")]),  # it turns back
]


@pytest.mark.parametrize(("text", "path", "expected"), MARKUP)
def test_spans_in_the_epub(tmp_path, text, path, expected):
    p = _epub_p(tmp_path, text)
    assert [(*_attrs(e), "".join(e.itertext())) for e in p.xpath(path, namespaces=NS)] == expected


def test_braces_that_give_no_attribute_stay_text(tmp_path):
    assert "".join(_epub_p(tmp_path, "x [1]{sic} y").itertext()) == "x [1]{sic} y"
    # A paragraph takes no attributes: a line of braces before it is text, the text is not lost.
    p = _epub_p(tmp_path, "{lang=fr}\nUn paragraphe.")
    assert (p.get("lang"), "".join(p.itertext())) == (None, "{lang=fr}\nUn paragraphe.")


def test_print_and_web_carry_lang_and_dir_but_not_xml_lang(tmp_path):
    book = _book(tmp_path, f"The party [{URDU}]{{lang=ur}}, [mot]{{lang=fr}} and کراچی.")
    for page in (print_document(book), chapter_page(book, 0)):
        doc = lxml_html.fromstring(page.encode())
        assert [(s.get("lang"), s.get("dir"), s.get("xml:lang"), s.text) for s in doc.xpath("//p//span[@lang]")] == [
            ("ur", "rtl", None, URDU),
            ("fr", None, None, "mot"),
        ]
        assert doc.xpath("//p//bdi/text()") == ["کراچی"]


def test_a_note_called_in_a_span_is_in_the_books_language_on_paper(tmp_path):
    book = _book(tmp_path, f"The party [{URDU}[^n]]{{lang=ur}} here.\n\n[^n]: An English note on کراچی.")
    doc = lxml_html.fromstring(print_document(book).encode())
    note = doc.xpath("//span[@class='footnote']")[0]
    assert (note.get("lang"), note.get("dir"), note.xpath(".//bdi/text()")) == ("en", "ltr", ["کراچی"])


def test_a_latin_book_is_rendered_as_before(tmp_path):
    """No span, no right-to-left text: nothing added (the outputs of Latin-only books stay byte for byte)."""
    body, _ = epub_chapter_body(book := _book(tmp_path, "Plain “text”, 1984–86 — {braces} and [brackets]."), book.chapters[0])
    assert "<p>Plain “text”, 1984–86 — {braces} and [brackets].</p>" in body


@pytest.mark.parametrize(
    ("text", "where", "message"),
    [
        ("In [Urdu]{lang=ur_PK}.", "a.md:3:11", "lang='ur_PK' is not a BCP 47 language tag"),
        ('Two\nlines [x]{lang="b c"}.', "a.md:4:11", "lang='b c' is not a BCP 47 language tag"),
        ("[big]{.loud}", "a.md:3:7", "'.loud': only a language may stand in braces"),
        ("A [word]{} here", "a.md:3:9", "braces that give no language"),
        ("A [word]{%a comment%} here", "a.md:3:9", "braces that give no language"),
        ("[big]{#here}", "a.md:3:7", "'#here': only a language may stand in braces"),
        ("A [link](https://example.org/){style=x}", "a.md:3:32", "'style=': only a language may stand in braces"),
    ],
)
def test_the_build_refuses_a_bad_language_where_it_stands(tmp_path, text, where, message):
    with pytest.raises(BuildError) as error:
        _book(tmp_path, text)
    assert error.value.code == "S015"
    assert str(error.value).startswith(f"{tmp_path / 'book'}/{where}: {message}")


def test_lint_reports_unmarked_scripts_and_accepts_them_by_its_allow_list(tmp_path):
    folder = tmp_path / "polyglot"
    shutil.copytree(FIXTURES / "polyglot", folder)
    assert lint_book(folder).findings == []
    (folder / "lint-allow.toml").unlink()
    assert [f"{f.path.name}:{f.line}:{f.col}: {f.code} {f.message}" for f in lint_book(folder).findings] == [
        "words.md:9:20: L001 'کراچی' is in Arabic script with no language: mark it [کراچی]{lang=...}"
    ]


# --- The built polyglot book -------------------------------------------------------------------


def test_polyglot_epub(polyglot):
    epub = EpubEdition(polyglot.out("polyglot.epub"))
    doc = epub.document("words-from-elsewhere.xhtml")
    spans = doc.xpath("//x:span[@lang]", namespaces=NS)
    assert [(*_attrs(s), s.text) for s in spans] == [
        ("ur", "ur", "rtl", URDU),
        ("fr", "fr", None, "la mise en page"),
        ("el", "el", None, "λόγος"),
        ("ru", "ru", None, "слово"),
        ("ur", "ur", "rtl", "اردو"),  # in the note's aside
    ]
    assert doc.xpath("//x:aside//x:span/@lang", namespaces=NS) == ["ur"]
    assert [_attrs(a) for a in doc.xpath("//x:a[@lang]", namespaces=NS)] == [("fr", "fr", None)]
    bdi = doc.xpath("//x:bdi", namespaces=NS)
    assert [(b.text, b.tail) for b in bdi] == [("کراچی", " (Karachi), 2 words before 3.")]


def test_polyglot_web_edition(polyglot):
    page = lxml_html.fromstring((polyglot.out("site") / "polyglot" / "read" / "words-from-elsewhere.html").read_bytes())
    text = page.xpath("//main")[0]
    assert [(s.get("lang"), s.get("dir"), s.text) for s in text.xpath(".//span[@lang]")] == [
        ("ur", "rtl", URDU),
        ("fr", None, "la mise en page"),
        ("el", None, "λόγος"),
        ("ru", None, "слово"),
        ("ur", "rtl", "اردو"),
    ]
    assert text.xpath(".//bdi/text()") == ["کراچی"]
    assert "xml:lang" not in (polyglot.out("site") / "polyglot" / "read" / "words-from-elsewhere.html").read_text()


def _line_words(pdf: PdfEdition, before: str) -> list[dict]:
    """The words of the line of the PDF that holds `before`, left to right."""
    for page in pdf.pages:
        words = page.extract_words(extra_attrs=["fontname"])
        first = next((w for w in words if w["text"] == before), None)
        if first:
            return sorted((w for w in words if abs(w["bottom"] - first["bottom"]) < 6), key=lambda w: w["x0"])
    raise AssertionError(f"no line with {before!r}")


@pytest.mark.parametrize("kind", ["polyglot.pdf", "polyglot-print.pdf"])
def test_polyglot_pdf_sets_urdu_right_to_left_in_its_place(polyglot, kind):
    """The Urdu words stand between the English words around them, and run right to left: their
    first word rightmost, each word's letters (as the PDF's text gives them, in the order they are
    drawn) reversed."""
    pdf = PdfEdition(polyglot.out(kind))
    words = [w["text"] for w in _line_words(pdf, "party’s")]
    urdu = [word[::-1] for word in reversed(URDU.split())]
    at = words.index("is") + 1
    assert words[at : at + 3] == urdu and words[at + 3] == "(MQM),"
    words = [(w["text"], w["fontname"].split("+")[-1]) for w in _line_words(pdf, "city")]
    assert words[words.index(("called", "EB-Garamond")) + 1 :][:2] == [("کراچی"[::-1], "Amiri"), ("(Karachi),", "EB-Garamond")]


def _tagged_languages(node, found: list) -> list:
    """(structure type, /Lang) of every structure element below `node` that has its own language."""
    node = node.get_object()
    if isinstance(node, DictionaryObject):
        if "/Lang" in node:
            found.append((str(node["/S"]), str(node["/Lang"])))
        kids = node.get("/K")
        for kid in kids if isinstance(kids, ArrayObject) else [kids] if kids is not None else []:
            if isinstance(kid, (IndirectObject, DictionaryObject)):
                _tagged_languages(kid, found)
    return found


def test_polyglot_pdf_tags_say_the_language_of_parts(polyglot):
    """WeasyPrint 70 writes no element's language: folio's workaround (c) gives each span of the
    tagged (download) PDF its /Lang."""
    root = PdfReader(polyglot.out("polyglot.pdf")).trailer["/Root"]
    assert str(root["/Lang"]) == "en"
    spans = [(s, lang) for s, lang in _tagged_languages(root["/StructTreeRoot"], []) if s == "/Span"]
    assert spans == [("/Span", "ur"), ("/Span", "fr"), ("/Span", "el"), ("/Span", "ru"), ("/Span", "ur")]


def test_a_latin_book_tags_no_language_of_parts(mini):
    root = PdfReader(mini.out("mini.pdf")).trailer["/Root"]
    assert _tagged_languages(root["/StructTreeRoot"], []) == []


@pytest.mark.parametrize("workaround", [True, False])
def test_without_the_workaround_weasyprint_tags_no_language_of_parts(monkeypatch, workaround):
    """The fixture still shows the gap the workaround fills (and the workaround fills it)."""
    from weasyprint.pdf import tags

    from folio import pdf, workarounds

    if not workaround:
        monkeypatch.setattr(tags, "_build_box_tree", workarounds.upstream_build_box_tree)
    book = prepare_book(FIXTURES / "polyglot")
    css = FIXTURES.parent.parent / "styles" / "print.css"
    document = pdf._render(print_document(book), FIXTURES / "polyglot", css, pdf.page_css(book.config.print, for_printer=False))
    root = PdfReader(io.BytesIO(document.write_pdf(**pdf._OPTIONS))).trailer["/Root"]
    assert bool(_tagged_languages(root["/StructTreeRoot"], [])) is workaround


def test_the_mqm_edition_gives_the_party_its_urdu_name_where_it_first_names_it():
    book = prepare_book(FIXTURES.parent.parent / "content" / "mqm-militancy")
    first = book.chapters[0]
    body, _ = epub_chapter_body(book, first)
    doc = etree.fromstring(f'<body xmlns="http://www.w3.org/1999/xhtml" xmlns:epub="{NS["epub"]}">{body}</body>')
    call = doc.xpath("//x:p[1]//x:a[@role='doc-noteref']", namespaces=NS)[0]
    before = "".join(doc.xpath("//x:p[1]", namespaces=NS)[0].itertext()).split(call.text)[0]
    assert before.count("Muttahida Qaumi Movement") == 1 and call.text == "1"  # the first note, at the first mention
    note = doc.xpath(f"//x:aside[@id='{call.get('href')[1:]}']", namespaces=NS)[0]
    assert "".join(note.itertext()).strip().startswith("1. [Editors’ addition:] The party’s name in Urdu is")
    assert [(*_attrs(s), s.text) for s in note.xpath(".//x:span[@lang]", namespaces=NS)] == [("ur", "ur", "rtl", URDU)]
    assert not any(URDU in ch.text for ch in book.chapters[1:])  # given once
    record = next(ch for ch in book.chapters if ch.title == "Note on the text").text
    assert "gives the party’s name in the Urdu script, marked as Urdu" in record


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from("ab ,.()1٢«»متحدہ שלוםλό\u200f-"), max_size=40))
def test_rtl_runs_cover_the_text_and_hold_all_its_right_to_left_letters(text):
    pieces = list(rtl_runs(text))
    assert "".join(piece for piece, _ in pieces) == text
    for piece, rtl in pieces:
        letters = [is_rtl_char(c) for c in piece if char_script(c) not in NEUTRAL_SCRIPTS]
        assert all(letters) and is_rtl_char(piece[0]) and is_rtl_char(piece[-1]) if rtl else not any(letters)


def test_a_marked_span_reads_as_the_sources_text(tmp_path):
    """The span's brackets and braces are no part of the text the lint compares with the source."""
    chapter = "# Title\n\nShe said [bonjour]{lang=fr}, and [le livre de [Hugo](https://example.org) ici]{lang=fr} left.\n"
    folder = write_book(tmp_path / "b", {"a.md": chapter}, source_text="source.txt", language="en-GB")
    (folder / "source.txt").write_text("Title\n\nShe said bonjour, and le livre de Hugo ici left.\n")
    assert lint_book(folder).findings == []
