"""The fonts an EPUB embeds for the scripts a reader's own fonts may lack: read with fontTools,
from the stylesheet's @font-face rules, and in Chromium reading the EPUB."""

from __future__ import annotations

import hashlib
import io
import os
import subprocess
import sys
import unicodedata

import pytest
import tinycss2
from conftest import FIXTURES, ROOT
from fontTools.pens.recordingPen import DecomposingRecordingPen
from fontTools.ttLib import TTFont
from readers import NS, EpubEdition

from folio.epub import embedded_fonts
from folio.fonts import BOOK_FACE, covered, static_fonts

STYLESHEET = (ROOT / "styles" / "epub.css").read_text(encoding="utf-8")


def fonts_of(epub: EpubEdition) -> dict[str, TTFont]:
    """The fonts the package lists, by href, as WOFF2 files decoded by fontTools."""
    items = epub.opf.xpath("//opf:manifest/opf:item[starts-with(@media-type, 'font/')]", namespaces=NS)
    assert {item.get("media-type") for item in items} <= {"font/woff2"}
    return {item.get("href"): TTFont(io.BytesIO(epub.zip.read(f"{epub.base}/{item.get('href')}"))) for item in items}


def beyond_the_book_face(epub: EpubEdition) -> set[int]:
    """Every character the EPUB's documents show that the book face (the PDF's Latin face) lacks."""
    text = "".join("".join(epub.item(href).xpath("//x:body//text()", namespaces=NS)) for href in epub.spine())
    shown = {ord(char) for char in text if not char.isspace() and unicodedata.category(char) not in ("Cc", "Cf")}
    return shown - covered(BOOK_FACE)


def font_faces(css: str) -> list[dict[str, str]]:
    """Each @font-face rule of a stylesheet, its descriptors by name."""
    rules = tinycss2.parse_stylesheet(css, skip_comments=True, skip_whitespace=True)
    faces = []
    for rule in rules:
        if rule.type == "at-rule" and rule.lower_at_keyword == "font-face":
            declarations = tinycss2.parse_blocks_contents(rule.content, skip_comments=True, skip_whitespace=True)
            faces.append({d.lower_name: tinycss2.serialize(d.value).strip() for d in declarations if d.type == "declaration"})
    return faces


def stacks(css: str, selector: str) -> list[str]:
    """The font-family values of the rules whose selector is `selector`, in order."""
    found = []
    for rule in tinycss2.parse_stylesheet(css, skip_comments=True, skip_whitespace=True):
        if rule.type == "qualified-rule" and tinycss2.serialize(rule.prelude).strip() == selector:
            declarations = tinycss2.parse_blocks_contents(rule.content, skip_comments=True, skip_whitespace=True)
            found += [
                tinycss2.serialize(d.value).strip() for d in declarations if d.type == "declaration" and d.lower_name == "font-family"
            ]
    return found


def unicode_range(value: str) -> set[int]:
    points = set()
    for part in value.replace("U+", "").split(","):
        lo, _, hi = part.strip().partition("-")
        points |= set(range(int(lo, 16), int(hi or lo, 16) + 1))
    return points


def drawing(font: TTFont, glyph: str) -> tuple:
    """A glyph's outline, components drawn in: what it looks like, whatever it is called."""
    pen = DecomposingRecordingPen(font.getGlyphSet())
    font.getGlyphSet()[glyph].draw(pen)
    return tuple(pen.value), font["hmtx"][glyph][0]


def joined_forms(font: TTFont, points: set[int]) -> dict[tuple[int, str], tuple]:
    """What the features that join Arabic letters (initial, medial, final) make of each character,
    drawn: glyph names differ between a font and its subset, outlines do not."""
    cmap, gsub = font.getBestCmap(), font["GSUB"].table
    forms = {}
    for record in gsub.FeatureList.FeatureRecord:
        if record.FeatureTag not in ("init", "medi", "fina"):
            continue
        for index in record.Feature.LookupListIndex:
            for table in gsub.LookupList.Lookup[index].SubTable:
                table = getattr(table, "ExtSubTable", table)
                mapping = getattr(table, "mapping", None) or {}
                for point in points & set(cmap):
                    if cmap[point] in mapping:
                        out = mapping[cmap[point]]
                        forms[point, record.FeatureTag] = tuple(drawing(font, g) for g in ([out] if isinstance(out, str) else out))
    return forms


# -- the hostile fixture book: Urdu words in English text


def test_the_urdu_words_bring_a_subset_of_amiri_and_nothing_more(hostile):
    epub = EpubEdition(hostile.out("hostile.epub"))
    urdu = beyond_the_book_face(epub)
    assert {0x06A9, 0x06CC} <= urdu <= covered("Amiri")  # Urdu's ک and ی among them, letters Arabic fonts may lack
    fonts = fonts_of(epub)
    assert sorted(fonts) == [
        f"fonts/amiri-{style}-{weight}.woff2" for style, weight in (("italic", 400), ("italic", 700), ("normal", 400), ("normal", 700))
    ]
    full = {(weight, style): TTFont(path) for path, weight, style in static_fonts("Amiri")}
    for href, font in fonts.items():
        _, style, weight = href.removesuffix(".woff2").split("-")
        whole = full[int(weight), style]
        assert font.flavor == "woff2" and font["name"].getDebugName(1) == "Amiri"
        assert set(font.getBestCmap()) == urdu  # every character used beyond Latin, and none other
        assert len(font.getGlyphOrder()) < len(whole.getGlyphOrder()) / 10  # glyphs for these letters only
        # what shaping needs is kept: each letter joins as in the whole font
        assert joined_forms(font, urdu) == joined_forms(whole, urdu) != {}
        features = {record.FeatureTag for record in font["GSUB"].table.FeatureList.FeatureRecord}
        assert {"init", "medi", "fina", "rlig"} <= features and "curs" in {
            r.FeatureTag for r in font["GPOS"].table.FeatureList.FeatureRecord
        }


@pytest.mark.parametrize("book, slug", [("polyglot", "polyglot"), ("urdu", "urdu"), ("mqm", "mqm-militancy")])
def test_every_character_beyond_the_book_face_is_in_a_font_the_epub_carries(request, book, slug):
    """English with Urdu words, a book in Urdu, and the MQM edition with the party's Urdu name:
    whatever the reader's own fonts lack, the EPUB's regular subsets draw."""
    epub = EpubEdition(request.getfixturevalue(book).out(f"{slug}.epub"))
    beyond = beyond_the_book_face(epub)
    regular = [font for href, font in fonts_of(epub).items() if href.endswith("-normal-400.woff2")]
    assert beyond and regular
    assert beyond <= set().union(*(set(font.getBestCmap()) for font in regular))


def test_the_stylesheet_declares_the_fonts_first_in_each_stack_for_those_letters_only(hostile):
    epub = EpubEdition(hostile.out("hostile.epub"))
    css = epub.zip.read(f"{epub.base}/style/epub.css").decode()
    urdu = beyond_the_book_face(epub)
    faces = font_faces(css)
    assert sorted((f["font-family"], f["src"], f["font-weight"], f["font-style"]) for f in faces) == [
        ('"Amiri"', f'url("../{href}") format("woff2")', href.split("-")[2].split(".")[0], href.split("-")[1])
        for href in sorted(fonts_of(epub))
    ]
    assert all(unicode_range(f["unicode-range"]) == urdu for f in faces)  # the rest stays in the reader's fonts
    assert stacks(css, "body") == ['"Amiri", serif']
    assert stacks(css, "code, pre")[0].startswith('"Amiri", ui-monospace')


def test_a_latin_book_embeds_nothing_and_keeps_its_stylesheet(mini):
    epub = EpubEdition(mini.out("mini.epub"))
    assert beyond_the_book_face(epub) == set()
    assert fonts_of(epub) == {} and not [n for n in epub.zip.namelist() if "font" in n]
    assert epub.zip.read(f"{epub.base}/style/epub.css").decode() == STYLESHEET


@pytest.mark.parametrize(
    "text, faces",
    [
        ("plain English, naïve café — “quoted”", {}),
        ("Greek αβγ and Cyrillic абв: the book face has them", {}),
        ("Urdu کراچی", {"Amiri": "کراچی"}),
        ("Arabic العربية and a box ─ line", {"Amiri": "العربية", "Source Code Pro": "─"}),
        ("a character no face has: \U00010600", {}),  # the lint's S011 stops such a book
    ],
)
def test_which_faces_a_text_brings(text, faces):
    css, items = embedded_fonts(STYLESHEET, [f"<p>{text}</p>"])
    declared = font_faces(css.decode())
    assert {f["font-family"].strip('"') for f in declared} == set(faces)
    for face, letters in faces.items():
        assert {ord(c) for c in letters} == unicode_range(next(f["unicode-range"] for f in declared if f["font-family"] == f'"{face}"'))
    assert len(items) == len(declared) == sum(len(static_fonts(face)) for face in faces)  # each style of each face
    if not faces:
        assert css.decode() == STYLESHEET


_WRITE = """
import sys
from pathlib import Path
from folio.cover import cover_png
from folio.epub import write_epub
from folio.project import Project, RenderContext
from folio.transforms import prepare_book
book = prepare_book(Path(sys.argv[1]))
files = Project(Path(sys.argv[2])).files("hostile")
write_epub(RenderContext(book, files, Path(sys.argv[3])), cover_png(book.config, book.folder / "book.toml"))
print(files.epub)
"""


def test_the_same_fonts_and_bytes_from_a_fresh_cache_and_another_hash_seed(tmp_path):
    """The subsets are made afresh each time (an empty cache folder), in processes whose sets iterate
    in different orders: the EPUB is the same bytes."""
    digests = []
    for seed in ("0", "4242"):
        env = os.environ | {"FOLIO_CACHE": str(tmp_path / f"cache-{seed}"), "PYTHONHASHSEED": seed, "PYTHONPATH": str(ROOT / "src")}
        run = subprocess.run(
            [sys.executable, "-c", _WRITE, str(FIXTURES / "hostile"), str(tmp_path / seed), str(ROOT / "styles" / "epub.css")],
            env=env,
            capture_output=True,
            text=True,
            check=True,
            timeout=300,
        )
        epub = EpubEdition(tmp_path / seed / run.stdout.strip())
        assert fonts_of(epub) and list((tmp_path / f"cache-{seed}" / "woff2").iterdir())  # made here, not taken from a cache
        digests.append(hashlib.sha256(epub.path.read_bytes()).hexdigest())
    assert digests[0] == digests[1]


def test_chromium_reading_the_epub_draws_the_urdu_words_in_the_embedded_font(browser, hostile):
    """One page of the EPUB in Chromium: the Urdu words are drawn in the font the EPUB carries (a
    web font, not a system font standing in), with a glyph for every letter; the English around
    them stays in the reader's serif."""
    urls = browser.serve_epub(hostile.out("hostile.epub"))
    runs = browser.fallback_glyphs(urls["every-construct.xhtml"])
    assert [(run["text"], run["missing"]) for run in runs if run["missing"]] == []
    urdu = [run for run in runs if run["script"] == "Arabic"]
    assert [run["text"] for run in urdu] == ["کراچی", "اردو"]
    assert all([(f["family"], f["custom"]) for f in run["fonts"]] == [("Amiri", True)] for run in urdu), urdu
    latin = [run for run in runs if run["script"] == "Latin" and run["fonts"]]
    assert latin and not any(f["custom"] for run in latin for f in run["fonts"])


@pytest.mark.parametrize("book, slug", [("polyglot", "polyglot"), ("urdu", "urdu"), ("mqm", "mqm-militancy")])
def test_chromium_draws_every_arabic_letter_of_the_book_in_the_embedded_font(request, browser, book, slug):
    """English with Urdu words, a book in Urdu, and the MQM edition's Urdu name: the first document
    with Arabic script, read in Chromium, has no letter without a glyph, and its Urdu is drawn in
    the Amiri the EPUB carries."""
    path = request.getfixturevalue(book).out(f"{slug}.epub")
    epub = EpubEdition(path)
    name = next(href for href in epub.spine() if any("\u0600" <= c <= "\u06ff" for c in "".join(epub.item(href).itertext())))
    runs = browser.fallback_glyphs(browser.serve_epub(path)[name])
    assert [(run["text"], run["missing"]) for run in runs if run["missing"]] == []
    urdu = [run for run in runs if run["script"] == "Arabic"]
    assert urdu
    for run in urdu:  # the letters in Amiri; the spaces between words may come from the reader's serif
        others = sum(f["glyphs"] for f in run["fonts"] if (f["family"], f["custom"]) != ("Amiri", True))
        assert ("Amiri", True) in [(f["family"], f["custom"]) for f in run["fonts"]], run
        assert others <= sum(not c.isalpha() for c in run["text"]), run
