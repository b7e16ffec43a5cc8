"""A whole book in another language: its typography (quotation marks, French spacing) in the
parser and the built editions, and a book written right to left (Urdu) mirrored in every edition."""

from __future__ import annotations

import shutil

import pdfplumber
import pytest
from books import write_book
from conftest import FIXTURES, Project, need
from lxml import html as lxml_html
from pypdf import PdfReader
from readers import NS, EpubEdition, epubcheck_messages

from folio.config import load_config
from folio.languages import quotes
from folio.lint import check_typography
from folio.parse import make_parser
from folio.prose import read_prose

NNBSP = "\u202f"

# CLDR's delimiters (cldr-json main/<locale>/delimiters.json): outer open, close, inner open, close.
CLDR = {
    "en": "“”‘’",
    "en-GB": "“”‘’",
    "de": "„“‚‘",
    "de-CH": "«»‹›",
    "fr": "«»«»",
    "fr-CH": "«»‹›",
    "es": "«»“”",
    "it": "«»“”",
    "pt": "“”‘’",
    "pt-PT": "«»“”",
    "nl": "‘’“”",
    "ru": "«»„“",
    "pl": "„”«»",
    "ar": "”“’‘",
    "ur": "“”‘’",
}


@pytest.mark.parametrize(("language", "marks"), CLDR.items())
def test_quotation_marks_are_cldrs(language, marks):
    assert quotes(language) == marks


def render(markdown: str, language: str, tmp_path) -> str:
    config = load_config(write_book(tmp_path / "book", {"a.md": "# T\n"}, language=language) / "book.toml")
    return make_parser(config).renderInline(markdown)


@pytest.mark.parametrize(
    ("language", "markdown", "expected"),
    [
        ("en", "\"Yes,\" she said, 'no'.", "“Yes,” she said, ‘no’."),
        ("en-GB", "\"Yes: 'no'!\"", "“Yes: ‘no’!”"),
        ("de", "Er sagte \"Hallo 'du'\".", "Er sagte „Hallo ‚du‘“."),
        ("es", "Dijo \"hola\".", "Dijo «hola»."),
        ("ru", "Он сказал \"да 'нет'\".", "Он сказал «да „нет“»."),
        ("pl", "Powiedział \"tak\".", "Powiedział „tak”."),
        ("ur", 'اس نے کہا "ہاں"۔', "اس نے کہا “ہاں”۔"),
        ("ar", 'قال "نعم".', "قال ”نعم“."),
        ("it", "l'uomo disse \"sì\"", "l’uomo disse «sì»"),  # the apostrophe stays one
    ],
)  # fmt: skip
def test_the_parser_sets_the_books_quotation_marks(language, markdown, expected, tmp_path):
    assert render(markdown, language, tmp_path) == expected


@pytest.mark.parametrize(
    ("markdown", "expected"),
    [
        ('Il dit : "Oui !"', f"Il dit{NNBSP}: «{NNBSP}Oui{NNBSP}!{NNBSP}»"),
        ('Il dit: "Oui!"', f"Il dit{NNBSP}: «{NNBSP}Oui{NNBSP}!{NNBSP}»"),  # spaces added where the author left none
        ("« Déjà » ; enfin", f"«{NNBSP}Déjà{NNBSP}»{NNBSP}; enfin"),  # typed guillemets, a plain space made narrow
        ("Quoi\u00a0?!", f"Quoi{NNBSP}?!"),  # a no-break space made narrow; one space before a run
        ("À 12:30 ou 8:00", "À 12:30 ou 8:00"),  # a colon inside a number
        ("Voir `a : b;c` !", f"Voir <code>a : b;c</code>{NNBSP}!"),  # code keeps its own spacing
        ("<https://exemple.fr/p?x=1>", '<a href="https://exemple.fr/p?x=1">https://exemple.fr/p?x=1</a>'),
        ("[Lisez !](https://exemple.fr/)", f'<a href="https://exemple.fr/">Lisez{NNBSP}!</a>'),
        ("http://exemple.fr", "http://exemple.fr"),  # an address written out: no space before ://
        ("*Oui* ?", f"<em>Oui</em>{NNBSP}?"),
        ("Il viendra (?) demain", "Il viendra (?) demain"),  # a doubt in brackets
        ("Il dit [Hello: you!]{lang=en} puis : oui", f'Il dit <span lang="en">Hello: you!</span> puis{NNBSP}: oui'),  # English in English
    ],
)  # fmt: skip
def test_french_spacing(markdown, expected, tmp_path):
    assert render(markdown, "fr", tmp_path) == expected


@pytest.mark.parametrize(("language", "spaced"), [("en", False), ("de", False), ("it", False), ("fr-CA", True), ("fr-CH", True)])
def test_only_french_is_spaced(language, spaced, tmp_path):
    assert (NNBSP in render("Oui ? Non ! Si : là ; « ici »", language, tmp_path)) == spaced


@pytest.mark.parametrize(
    ("language", "text"),
    [("fr", "Il dit : \"Oui !\" et 'non'."), ("de", "Er sagte \"Hallo 'du'\" und ging."), ("ur", 'اس نے کہا "ہاں"۔')],
)
def test_the_lint_accepts_the_languages_own_quotes(language, text, tmp_path):
    """T001 counts the typographer's marks: « » and „ “ are settled quotes, not lost ones."""
    folder = write_book(tmp_path / "book", {"a.md": f"# T\n\n{text}\n"}, language=language)
    config = load_config(folder / "book.toml")
    units, _ = read_prose(folder / "a.md", config)
    assert [f for f in check_typography(units, True, config) if f.code == "T001"] == []


# -- the French fixture book, built


def test_french_book_epub_has_narrow_spaces(francais):
    epub = EpubEdition(francais.out("francais.epub"))
    paragraphs = ["".join(p.itertext()) for p in epub.document("le-depart.xhtml").xpath("//x:section//x:p", namespaces=NS)]
    assert f"Le matin, Marie ouvrit la fenêtre et dit{NNBSP}: «{NNBSP}Quel beau jour{NNBSP}!{NNBSP}»" in paragraphs[0]
    assert f"Ils marchèrent longtemps{NNBSP}; le chemin montait." in paragraphs[1]
    assert "il était 12:30." in paragraphs[1]
    assert f"«{NNBSP}Il faut dire «{NNBSP}merci{NNBSP}» à chacun.{NNBSP}»" in paragraphs[2]
    note = epub.document("le-depart.xhtml").xpath("//x:aside[@role='doc-footnote']", namespaces=NS)[0]
    assert f"se posait{NNBSP}; personne ne répondit{NNBSP}!" in "".join(note.itertext())
    doc = epub.document("le-depart.xhtml")
    assert doc.xpath("//x:code/text()", namespaces=NS) == ["route : nord"]
    assert doc.xpath("//x:a[starts-with(@href, 'https:')]/text()", namespaces=NS) == ["https://exemple.fr/carte?zone=1"]
    assert epub.opf.xpath("//opf:spine/@page-progression-direction", namespaces=NS) == []  # left to right: unchanged


def test_french_book_pdf_has_narrow_spaces(francais):
    with pdfplumber.open(francais.out("francais.pdf")) as pdf:
        text = "".join(page.extract_text() for page in pdf.pages)
    # pdfplumber reads the narrow space as a space or nothing: the marks are what the PDF prints
    assert "«" in text and "»" in text and '"' not in text


# -- the Urdu fixture book, right to left


def test_urdu_epub_turns_right_to_left(urdu):
    epub = EpubEdition(urdu.out("urdu.epub"))
    assert epub.opf.xpath("//opf:spine/@page-progression-direction", namespaces=NS) == ["rtl"]
    for href in epub.spine():
        root = epub.item(href)
        assert root.get("dir") == "rtl", href
        assert root.xpath("//x:body/@dir", namespaces=NS) == ["rtl"], href
        assert root.get("lang") == "ur", href
    # folio's own English words (the imprint) are marked as English, left to right
    imprint = epub.document("titlepage.xhtml").xpath("//x:section[@epub:type='imprint']", namespaces=NS)[0]
    assert (imprint.get("lang"), imprint.get("dir")) == ("en", "ltr")


def test_epubcheck_accepts_the_language_books(francais, urdu):
    need("Java (for EPUBCheck)", shutil.which("java") is not None)
    for project, slug in ((francais, "francais"), (urdu, "urdu")):
        assert epubcheck_messages(project.out(f"{slug}.epub")) == [], slug


INCH = 72
OUTER, INNER = 0.6 * INCH, 0.75 * INCH  # print.css's page margins


def _lines(page) -> list[tuple[float, float, float]]:
    """(top, x0, x1) of each line of text on a page."""
    return [(round(line["top"]), line["x0"], line["x1"]) for line in page.extract_text_lines(layout=False, strip=True)]


def test_urdu_pdf_is_mirrored(urdu):
    """The first page is a left page (a recto, for a right-to-left binding); the folio and running
    head sit on the outer side (left on a left page), and every line of the text ends at the
    right margin."""
    with pdfplumber.open(urdu.out("urdu.pdf")) as pdf:
        pages = pdf.pages
        text_pages = [i for i, page in enumerate(pages) if page.extract_words() and page.height - page.extract_words()[-1]["bottom"] < 60]
        assert len(text_pages) >= 3
        for i in text_pages:
            page = pages[i]
            left_page = i % 2 == 0  # page 1 is a left page
            words = page.extract_words()
            folio = max(words, key=lambda w: w["bottom"])
            assert folio["text"].isdigit()
            if left_page:
                assert folio["x0"] == pytest.approx(OUTER, abs=1), i
            else:
                assert folio["x1"] == pytest.approx(page.width - OUTER, abs=1), i
            heads = [w for w in words if w["top"] < 0.6 * INCH]
            if heads:
                edge = min(w["x0"] for w in heads) if left_page else max(w["x1"] for w in heads)
                assert edge == pytest.approx(OUTER if left_page else page.width - OUTER, abs=1), i
            right_margin = INNER if left_page else OUTER
            body = [line for line in _lines(page) if 0.6 * INCH < line[0] < folio["top"] - 2]
            assert body, i
            for top, x0, x1 in body:
                assert x1 == pytest.approx(page.width - right_margin, abs=1.5), (i, top)
            assert any(x0 > page.width - right_margin - (page.width - OUTER - INNER) + 20 for _, x0, _ in body)  # a short line: ragged left
        # the title and section heads: the book's title on the versos (right pages)
        title = load_config(urdu.root / "content" / "urdu" / "book.toml").title
        versos = [i for i in text_pages if i % 2 == 1 and i != text_pages[0]]
        assert versos
        for i in versos:
            head = " ".join(w["text"] for w in pages[i].extract_words() if w["top"] < 0.6 * INCH)
            assert len(head.split()) == len(title.split()), i


@pytest.mark.parametrize("name", ["urdu.pdf", "urdu-print.pdf"])
def test_urdu_pdfs_ask_viewers_for_right_to_left_spreads(urdu, name):
    assert PdfReader(urdu.out(name)).trailer["/Root"]["/ViewerPreferences"]["/Direction"] == "/R2L"


def test_french_pdfs_leave_the_viewers_direction(francais):
    assert "/Direction" not in PdfReader(francais.out("francais.pdf")).trailer["/Root"].get("/ViewerPreferences", {})


def test_urdu_web_edition_is_right_to_left(urdu):
    read = urdu.out("site") / "urdu" / "read"
    pages = sorted(read.glob("*.html"))
    assert len(pages) == 4
    for path in pages:
        root = lxml_html.parse(str(path)).getroot()
        assert (root.get("lang"), root.get("dir")) == ("ur", "rtl"), path.name


def test_urdu_print_document_is_right_to_left(urdu):
    root = lxml_html.parse(str(urdu.out("urdu") / "print.html")).getroot()
    assert (root.get("lang"), root.get("dir")) == ("ur", "rtl")
    # folio's English words keep their language inside it
    for xpath in ("//h1[@id='front_contents']", "//section[@class='copyright-page']", "//section[@class='colophon']"):
        element = root.xpath(xpath)[0]
        assert (element.get("lang"), element.get("dir")) == ("en", "ltr"), xpath


def test_urdu_editions_are_reproducible(urdu, tmp_path):
    """The same bytes from a build in another folder: the cover shaped by raqm, the mirrored PDFs."""
    again = Project(tmp_path / "elsewhere", {"urdu": FIXTURES / "urdu"})
    assert again.doit()[0] == 0, again.output
    for name in ("urdu.pdf", "urdu-print.pdf", "urdu.epub", "urdu/cover.png"):
        assert urdu.out(name).read_bytes() == again.out(name).read_bytes(), name


def test_urdu_contents_read_right_to_left(urdu):
    """Each entry's title on the right, its page number on the left, leaders between."""
    with pdfplumber.open(urdu.out("urdu.pdf")) as pdf:
        page = next(p for p in pdf.pages if "Contents" in (p.extract_text() or ""))
        entries = [line for line in page.extract_text_lines() if line["text"] != "Contents"]
        assert len(entries) == 9  # three chapters, six sections
        for line in entries:
            words = [c for c in line["chars"] if not c["text"].isspace() and c["text"] != "."]
            digits = [c for c in words if c["text"].isdigit()]
            letters = [c for c in words if not c["text"].isdigit()]
            assert digits and letters, line["text"]
            assert max(c["x1"] for c in digits) < min(c["x0"] for c in letters), line["text"]
            # at the right margin (the contents page is a recto: a left page), a section 1.2em (12pt) in from it
            assert page.width - INNER - 13 < max(c["x1"] for c in letters) < page.width - INNER + 1, line["text"]
