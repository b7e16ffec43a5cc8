"""A book's images, from a book folder nobody vouches for: every image is checked to be an image
(by its bytes), decodes, is stored in the EPUB under a name folio chooses and is printed from the
checked bytes; an SVG that could run or load anything is refused. Real builds in temporary
folders, the outputs read as readers' tools read them."""

from __future__ import annotations

import base64
import hashlib
import io
import os
import re
import shutil
import struct
import zlib
from collections.abc import Callable
from pathlib import Path

import pytest
from books import write_book
from conftest import Project, need
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree
from PIL import Image
from readers import NS, EpubEdition, PdfEdition, epubcheck_messages

from folio.errors import BuildError
from folio.images import MAX_PIXELS
from folio.transforms import prepare_book

SLUG = "pics"
CI = os.environ.get("CI") == "true"
OUTPUTS = [f"{SLUG}.pdf", f"{SLUG}-print.pdf", f"{SLUG}.epub"]


def raster(kind: str, size=(24, 16), color=(200, 30, 30), **options) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, kind, **options)
    return out.getvalue()


def noise(kind: str) -> bytes:
    """An image that compresses badly, so that cutting it short cuts its pixels."""
    out = io.BytesIO()
    Image.effect_noise((300, 300), 64).convert("RGB").save(out, kind)
    return out.getvalue()


def animated_gif() -> bytes:
    frames = [Image.new("RGB", (16, 16), color) for color in ((255, 0, 0), (0, 0, 255))]
    out = io.BytesIO()
    frames[0].save(out, "GIF", save_all=True, append_images=frames[1:], duration=500, loop=0)
    return out.getvalue()


def png_claiming(width: int, height: int) -> bytes:
    """A PNG of a few dozen bytes whose header claims width x height pixels: a decompression bomb."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * (width + 1))) + chunk(b"IEND", b"")


RED = raster("PNG")
BIG = noise("PNG")
SVG_NS = 'xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"'
INK = 'xmlns:inkscape="http://www.inkscape.org/namespaces/inkscape"'
# What an editor writes: its own namespace, a comment; gradients, a style and a <use> within the
# image, and a raster image embedded in it. The rect's colour (#123456) is found in the PDFs.
DRAWING = f"""<?xml version="1.0" encoding="UTF-8"?>
<!-- Created with an editor -->
<svg {SVG_NS} {INK} width="120" height="60" viewBox="0 0 120 60" inkscape:version="1.3">
  <title>A drawing</title>
  <inkscape:namedview pagecolor="#ffffff"/>
  <defs><linearGradient id="g"><stop offset="0" stop-color="#123456"/></linearGradient></defs>
  <style>.b {{ fill: url(#g) }} @keyframes none {{ }}</style>
  <rect id="r" x="0" y="0" width="60" height="60" fill="#123456" inkscape:label="box"/>
  <use xlink:href="#r" x="60"/>
  <image href="data:image/png;base64,{base64.b64encode(RED).decode()}" width="10" height="10"/>
</svg>
""".encode()

BOOK_TEXT = """# Pictures

The same picture three ways: ![A red square](pic.png), ![A red square](./pic.png) and ![A red square](sub/../pic.png).

A photograph, ![A blue photograph](photo.jpg), a blinking dot ![A blinking dot](blink.gif), ![A green square](green.webp).

The book's own images/cover.png is not the cover: ![A yellow square](images/cover.png). ![The same red square](<my pic.png>)

![A drawing of two squares](drawing.svg)

A note with a picture.[^n]

[^n]: In the note: ![A red square](pic.png)
"""


def write_pictures_book(folder: Path) -> Path:
    write_book(folder, {"a.md": BOOK_TEXT, "b.md": "# More\n\nSee ![A red square](pic.png) here.\n"}, title="Pictures")
    (folder / "sub").mkdir()
    (folder / "images").mkdir()
    files = {
        "pic.png": RED,
        "my pic.png": RED,  # the same bytes: one image in the EPUB
        "photo.jpg": raster("JPEG", color=(20, 40, 220)),
        "blink.gif": animated_gif(),
        "green.webp": raster("WEBP", color=(20, 200, 20)),
        "images/cover.png": raster("PNG", color=(240, 220, 0)),
        "drawing.svg": DRAWING,
    }
    for name, data in files.items():
        (folder / name).write_bytes(data)
    (folder / "words.txt").write_text("WebP\n")
    return folder


@pytest.fixture(scope="module")
def good(tmp_path_factory) -> Project:
    """A book of images that are all sound, however they are named, built once."""
    source = write_pictures_book(tmp_path_factory.mktemp("source") / SLUG)
    project = Project(tmp_path_factory.mktemp("good"), {SLUG: source})
    assert project.doit()[0] == 0, project.output
    return project


# --- What a sound book gives ---------------------------------------------------------------


def test_each_image_is_stored_once_under_a_name_folio_chooses(good):
    epub = EpubEdition(good.out(f"{SLUG}.epub"))
    names = epub.zip.namelist()
    assert len(names) == len(set(names))  # no entry written twice
    images = sorted(n for n in names if n.startswith("EPUB/images/"))
    # pic.png (however written, and "my pic.png": the same bytes), photo, blink, green, the book's
    # images/cover.png, the drawing; and folio's own cover, which no book file can replace
    assert len(images) == 7
    assert "EPUB/images/cover.png" in images
    with Image.open(io.BytesIO(epub.zip.read("EPUB/images/cover.png"))) as cover:
        assert cover.size == (1600, 2560)
    for name in images:
        assert name == "EPUB/images/cover.png" or re.fullmatch(r"EPUB/images/[0-9a-f]{32}\.(png|jpg|gif|webp|svg)", name)
    types = {i.get("href"): i.get("media-type") for i in epub.opf.xpath("//opf:manifest/opf:item", namespaces=NS)}
    assert sorted(types[n.removeprefix("EPUB/")] for n in images) == sorted(
        ["image/png"] * 3 + ["image/jpeg", "image/gif", "image/webp", "image/svg+xml"]
    )
    document = epub.document("pictures.xhtml")
    srcs = [(img.get("src"), img.get("alt")) for img in document.iter(f"{{{NS['x']}}}img")]
    assert len(srcs) == 10
    assert len({src for src, alt in srcs if alt == "A red square"}) == 1  # pic.png, ./pic.png, sub/../pic.png, in the note
    assert all(f"EPUB/{src}" in names for src, _ in srcs)
    assert srcs[0][0] == f"images/{hashlib.sha256(RED).hexdigest()[:32]}.png"
    assert epub.zip.read(f"EPUB/{srcs[0][0]}") == RED  # a raster image's own bytes, checked


def test_an_svg_is_written_out_again_without_what_no_reader_shows(good):
    epub = EpubEdition(good.out(f"{SLUG}.epub"))
    name = next(n for n in epub.zip.namelist() if n.endswith(".svg"))
    data = epub.zip.read(name)
    assert data != DRAWING
    svg = etree.fromstring(data)
    assert "inkscape" not in data.decode() and b"<!--" not in data
    assert [etree.QName(e).localname for e in svg] == ["title", "defs", "style", "rect", "use", "image"]
    assert svg.find("{http://www.w3.org/2000/svg}rect").get("fill") == "#123456"


def test_the_animated_gif_makes_the_hazard_unknown(good, tmp_path):
    epub = EpubEdition(good.out(f"{SLUG}.epub"))
    assert epub.opf.xpath("//opf:meta[@property='schema:accessibilityHazard']/text()", namespaces=NS) == ["unknown"]
    from folio.epub import accessibility_metadata
    from folio.html import epub_chapter_body

    folder = write_book(tmp_path / "still", {"a.md": "# A\n\n![A still dot](dot.gif)\n"})
    (folder / "dot.gif").write_bytes(raster("GIF"))  # a GIF of one frame: no hazard
    book = prepare_book(folder)
    documents = [epub_chapter_body(book, chapter)[0] for chapter in book.chapters]
    assert ("schema:accessibilityHazard", "none", {}) in accessibility_metadata(book, documents, False)


def test_epubcheck_finds_nothing_in_the_book_of_images(good):
    need("Java (for EPUBCheck)", shutil.which("java") is not None)
    assert epubcheck_messages(good.out(f"{SLUG}.epub")) == []


def test_the_print_html_holds_the_checked_images_and_names_no_book_file(good):
    html = (good.root / "build" / SLUG / "print.html").read_text()
    srcs = re.findall(r'<img src="([^"]*)"', html)
    assert len(srcs) == 11  # a.md's ten, b.md's one
    assert all(
        src.startswith(("data:image/png;base64,", "data:image/jpeg;", "data:image/gif;", "data:image/webp;", "data:image/svg+xml;"))
        for src in srcs
    )
    assert "pic.png" not in html and "drawing.svg" not in html


@pytest.mark.parametrize("reader", ["foliate", "epubjs"])
def test_reading_systems_show_every_image(good, browser, reader):
    """foliate-js and epub.js in Chromium: every image loads from the EPUB and decodes (the cleaned
    SVG, the WebP too), with no error and no outside request."""
    run = browser.open_epub(good.out(f"{SLUG}.epub"), reader, 600, 800)
    assert (run["consoleErrors"], run["pageErrors"], run["failedRequests"]) == ([], [], [])
    images = [image for doc in run["documents"] if doc["href"] in ("pictures.xhtml", "more.xhtml") for image in doc["images"]]
    assert len(images) == 11
    assert all(image["width"] > 0 for image in images), images


@pytest.mark.parametrize("name", OUTPUTS[:2])
def test_both_pdfs_show_every_image(good, name):
    pdf = PdfEdition(good.out(name))
    shown = [image for page in pdf.pages for image in page.images]
    # rasters: pic.png four times in a.md and once in b.md, my pic.png, the photo, the dot, the
    # green square, the yellow square, and the PNG inside the drawing
    assert len(shown) == 11
    assert {(round(i["srcsize"][0]), round(i["srcsize"][1])) for i in shown} == {(24, 16), (16, 16)}
    drawn = [
        r
        for page in pdf.pages
        for r in page.rects + page.curves
        if r.get("non_stroking_color") == pytest.approx((0x12 / 255, 0x34 / 255, 0x56 / 255), abs=0.01)
    ]
    assert len(drawn) >= 2  # the SVG's rect and its <use>: drawn, not dropped


# --- What is refused ---------------------------------------------------------------------------


@pytest.fixture
def project(good, tmp_path) -> Project:
    """A copy of the good build, outputs and doit's state included, to break."""
    shutil.copytree(good.root, tmp_path / "p", symlinks=True)
    copy = Project.__new__(Project)
    copy.root = tmp_path / "p"
    return copy


def digests(project: Project) -> dict[str, str]:
    return {n: hashlib.sha256(project.out(n).read_bytes()).hexdigest() for n in OUTPUTS}


def svg(body: str, prolog: str = "") -> bytes:
    return f'{prolog}<svg {SVG_NS} width="10" height="10">\n{body}\n</svg>\n'.encode()


LAUGHS = (
    '<!DOCTYPE svg [<!ENTITY a "lol">' + "".join(f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(9)) + "]>"
)
XXE = '<!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
DTD = '<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">'
BROKEN_PNG = base64.b64encode(RED[:40]).decode()
SCRIPT = b'<html xmlns="http://www.w3.org/1999/xhtml"><body><script>alert(1)</script></body></html>'
EMPTY: dict[str, bytes] = {}

Files = dict[str, bytes] | Callable[[Path], object]


def limits(line: str, files: dict[str, bytes]) -> Callable[[Path], object]:
    def make(book: Path):
        for name, data in files.items():
            (book / name).write_bytes(data)
        with (book / "book.toml").open("a") as toml:
            toml.write(f"\n[limits]\n{line}\n")

    return make


def link(name: str, target: str) -> Callable[[Path], object]:
    def make(book: Path):
        (book.parent.parent / "outside.png").write_bytes(RED)  # beside content/, outside the book
        (book / name).symlink_to(target if target.startswith("/") else book / target)

    return make


# (what, the image's src in b.md, the files it writes into the book, the rest of the message)
ROWS: list[tuple[str, str, Files, str]] = [
    # Files named as folio's own: never an image, so never in the EPUB under that name
    (
        "a chapter's name",
        "pictures.xhtml",
        {"pictures.xhtml": SCRIPT},
        "is a text file, not an image: folio takes only PNG, JPEG, GIF, WebP and SVG",
    ),
    ("a chapter's name, PNG inside", "pictures.xhtml", {"pictures.xhtml": RED}, "is a PNG image named .xhtml: rename it to end in .png"),
    ("the navigation's name", "nav.xhtml", {"nav.xhtml": SCRIPT}, "is a text file, not an image"),
    ("the stylesheet's name", "style/epub.css", {"style/epub.css": b"body { display: none }"}, "is a text file, not an image"),
    ("the package's name", "content.opf", {"content.opf": RED}, "is a PNG image named .opf: rename it to end in .png"),
    ("the mimetype", "mimetype", {"mimetype": b"application/epub+zip"}, "is a text file, not an image"),
    ("the container", "META-INF/container.xml", {"META-INF/container.xml": b"<container/>"}, "is a text file, not an image"),
    ("an SVG named .png", "drawing.png", {"drawing.png": DRAWING}, "is an SVG image named .png: rename it to end in .svg"),
    # Not an image by its bytes, or not the image its name says
    ("text named .png", "pic2.png", {"pic2.png": b"just some text\n"}, "is a text file, not an image"),
    ("PNG named .jpg", "pic.jpg", {"pic.jpg": RED}, "is a PNG image named .jpg: rename it to end in .png"),
    ("JPEG named .png", "photo.png", {"photo.png": raster("JPEG")}, "is a JPEG image named .png: rename it to end in .jpg"),
    (
        "a PDF named .png",
        "doc.png",
        {"doc.png": b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"},
        "is a PDF document: folio takes only PNG, JPEG, GIF, WebP and SVG",
    ),
    ("BMP", "pic.bmp", {"pic.bmp": raster("BMP")}, "is a BMP image: folio takes only PNG, JPEG, GIF, WebP and SVG"),
    ("TIFF", "pic.tiff", {"pic.tiff": raster("TIFF")}, "is a TIFF image: folio takes only"),
    ("binary junk", "junk.png", {"junk.png": bytes(range(256))}, "is not an image: folio takes only"),
    # Images that do not decode
    ("empty", "empty.png", {"empty.png": b""}, "is an empty file"),
    ("truncated PNG", "cut.png", {"cut.png": noise("PNG")[:2000]}, "does not decode as PNG: image file is truncated"),
    ("PNG signature only", "cut.png", {"cut.png": RED[:8]}, "is a PNG image whose header is broken: it does not decode"),
    ("PNG header cut", "cut.png", {"cut.png": RED[:12]}, "is a PNG image whose header is broken: it does not decode"),
    ("truncated JPEG", "cut.jpg", {"cut.jpg": noise("JPEG")[:2000]}, "does not decode as JPEG: image file is truncated"),
    (
        "decompression bomb (Pillow warns)",
        "bomb.png",
        {"bomb.png": png_claiming(10_000, 10_000)},
        f"has 100,000,000 pixels, more than the {MAX_PIXELS:,} folio decodes (a decompression bomb?): make it smaller",
    ),
    (
        "decompression bomb (Pillow refuses)",
        "bomb.png",
        {"bomb.png": png_claiming(100_000, 100_000)},
        f"has more than the {MAX_PIXELS:,} folio decodes (a decompression bomb?)",
    ),
    # SVG: what runs or reaches outside is refused, at its line in the SVG
    (
        "SVG script",
        "x.svg",
        {"x.svg": svg("<script>alert(1)</script>")},
        "is an SVG whose line 2 has a <script> element: an image runs no scripts; remove it",
    ),
    (
        "SVG onload",
        "x.svg",
        {"x.svg": svg('<rect onload="alert(1)" width="1" height="1"/>')},
        "is an SVG whose line 2 has an event handler (onload=…)",
    ),
    (
        "SVG onclick on the root",
        "x.svg",
        {"x.svg": f'<svg {SVG_NS} onclick="alert(1)"/>'.encode()},
        "is an SVG whose line 1 has an event handler (onclick=…)",
    ),
    (
        "SVG external image",
        "x.svg",
        {"x.svg": svg('<image href="https://example.org/track.png" width="1" height="1"/>')},
        "is an SVG whose line 2 refers to 'https://example.org/track.png', outside the image",
    ),
    (
        "SVG file: href",
        "x.svg",
        {"x.svg": svg('<image xlink:href="file:///etc/passwd"/>')},
        "is an SVG whose line 2 refers to 'file:///etc/passwd', outside the image",
    ),
    (
        "SVG use of another file",
        "x.svg",
        {"x.svg": svg('<use href="other.svg#a"/>')},
        "is an SVG whose line 2 refers to 'other.svg#a', outside the image: only #id within it, or an embedded raster image, is allowed",
    ),
    (
        "SVG javascript: link",
        "x.svg",
        {"x.svg": svg('<a href="javascript:alert(1)"><rect width="1" height="1"/></a>')},
        "is an SVG whose line 2 refers to 'javascript:alert(1)', outside the image",
    ),
    (
        "SVG billion laughs",
        "x.svg",
        {"x.svg": svg("<text>&j;</text>", LAUGHS)},
        "is an SVG with a DOCTYPE, which folio does not read (its entities could expand without end or read files: billion laughs, XXE)",
    ),
    ("SVG XXE", "x.svg", {"x.svg": svg("<text>&x;</text>", XXE)}, "is an SVG with a DOCTYPE, which folio does not read"),
    ("SVG with a DTD", "x.svg", {"x.svg": svg("", DTD)}, "is an SVG with a DOCTYPE"),
    (
        "SVG foreignObject",
        "x.svg",
        {"x.svg": svg('<foreignObject><p xmlns="http://www.w3.org/1999/xhtml">hi</p></foreignObject>')},
        "is an SVG whose line 2 has a <foreignObject> (HTML inside the image, which can run or load anything)",
    ),
    (
        "SVG XHTML script",
        "x.svg",
        {"x.svg": svg('<h:script xmlns:h="http://www.w3.org/1999/xhtml">alert(1)</h:script>')},
        "is an SVG whose line 2 has a <script> element: an image runs no scripts; remove it",
    ),
    (
        "SVG XHTML iframe",
        "x.svg",
        {"x.svg": svg('<h:iframe xmlns:h="http://www.w3.org/1999/xhtml" src="https://example.org/"/>')},
        "is an SVG whose line 2 has HTML inside the image (<iframe>): draw it in SVG",
    ),
    (
        "SVG XInclude",
        "x.svg",
        {"x.svg": svg('<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="/etc/passwd" parse="text"/>')},
        "is an SVG whose line 2 includes a file from outside the image (XInclude): write its content in",
    ),
    (
        "SVG style @import",
        "x.svg",
        {"x.svg": svg('<style>@import "https://example.org/x.css";</style>')},
        "is an SVG whose line 2 has a style that loads a stylesheet from outside the image with @import: remove it",
    ),
    (
        "SVG style url()",
        "x.svg",
        {"x.svg": svg("<style>rect { fill: url(https://example.org/p.svg#p) }</style>")},
        "is an SVG whose line 2 has a style that loads 'https://example.org/p.svg#p' from outside the image with url(): remove it",
    ),
    (
        "SVG style with an editor's element in it",
        "x.svg",
        {"x.svg": svg('<style>rect { }<i:x xmlns:i="urn:i"/>@import "https://example.org/x.css";</style>')},
        "is an SVG whose line 2 has a style that loads a stylesheet from outside the image with @import",
    ),
    (
        "SVG style url() escaped",
        "x.svg",
        {"x.svg": svg(r"<style>rect { fill: u\72l(https://example.org/p) }</style>")},
        "is an SVG whose line 2 has a style that loads 'https://example.org/p' from outside the image with url(): remove it",
    ),
    (
        "SVG style attribute",
        "x.svg",
        {"x.svg": svg("<rect style=\"fill: url('file:///etc/passwd')\"/>")},
        "is an SVG whose line 2 has a style that loads 'file:///etc/passwd' from outside the image with url()",
    ),
    (
        "SVG presentation attribute",
        "x.svg",
        {"x.svg": svg('<rect filter="url(https://example.org/f.svg#f)"/>')},
        "is an SVG whose line 2 has a style that loads 'https://example.org/f.svg#f' from outside the image",
    ),
    (
        "SVG image-set()",
        "x.svg",
        {"x.svg": svg('<style>rect { fill: image-set("https://example.org/x.png" 1x) }</style>')},
        "is an SVG whose line 2 has a style that loads an image with image-set(): use url(#id) within the image",
    ),
    (
        "SVG animated href",
        "x.svg",
        {"x.svg": svg('<a href="#r"><set attributeName="xlink:href" to="javascript:alert(1)"/></a>')},
        "is an SVG whose line 2 animates 'xlink:href'",
    ),
    (
        "SVG animated handler",
        "x.svg",
        {"x.svg": svg('<rect><animate attributeName="onclick" to="alert(1)"/></rect>')},
        "is an SVG whose line 2 animates 'onclick': an image may not change what it links to or runs",
    ),
    (
        "SVG xml-stylesheet",
        "x.svg",
        {"x.svg": svg("", '<?xml-stylesheet href="https://example.org/x.css"?>\n')},
        "is an SVG whose line 1 loads a stylesheet from outside the image (<?xml-stylesheet?>)",
    ),
    (
        "SVG handler element",
        "x.svg",
        {"x.svg": svg('<handler type="application/ecmascript">alert(1)</handler>')},
        "is an SVG whose line 2 has a <handler> element: an image runs no scripts",
    ),
    (
        "SVG unknown element",
        "x.svg",
        {"x.svg": svg("<iframe/>")},
        "is an SVG whose line 2 has an element that folio does not know as SVG (<iframe>): remove it",
    ),
    (
        "SVG embedded SVG",
        "x.svg",
        {"x.svg": svg('<image href="data:image/svg+xml;base64,PHN2Zy8+"/>')},
        "is an SVG whose line 2 holds a data: URL that is not a base64 PNG, JPEG, GIF or WebP image: embed only those",
    ),
    (
        "SVG embedded PNG broken",
        "x.svg",
        {"x.svg": svg(f'<image href="data:image/png;base64,{BROKEN_PNG}"/>')},
        "is an SVG whose line 2 holds a data: image that is a PNG image whose header is broken: it does not decode",
    ),
    (
        "SVG embedded bomb",
        "x.svg",
        {"x.svg": svg(f'<image href="data:image/png;base64,{base64.b64encode(png_claiming(10_000, 10_000)).decode()}"/>')},
        "is an SVG whose line 2 holds a data: image that has 100,000,000 pixels, more than the 89,478,485 folio decodes",
    ),
    (
        "SVG without its namespace",
        "x.svg",
        {"x.svg": b'<svg width="1" height="1"/>'},
        'is an <svg> without the SVG namespace: add xmlns="http://www.w3.org/2000/svg" to it',
    ),
    ("SVG not well-formed", "x.svg", {"x.svg": b'<svg xmlns="http://www.w3.org/2000/svg">\n<rect>\n'}, "is not a well-formed SVG: "),
    ("HTML named .svg", "x.svg", {"x.svg": SCRIPT}, "is an XML document (<html>), not an SVG image"),
    # Sources that are not a relative path inside the book
    ("file: URL", "file:///etc/passwd", EMPTY, "is a file: URL: copy the image into the book folder and name it by its path there"),
    ("http: URL", "http://example.org/x.png", EMPTY, "is remote: download it into the book folder"),
    ("another host", "//example.org/x.png", EMPTY, "is remote: download it into the book folder"),
    (
        "data: URL",
        f"data:image/png;base64,{base64.b64encode(RED).decode()}",
        EMPTY,
        "is a data: URL: save the image as a file in the book folder and name that file",
    ),
    ("javascript: URL", "javascript:alert(1)", EMPTY, "is a javascript: URL, not a file: name an image file in the book folder"),
    ("absolute path", "/etc/passwd", EMPTY, "is an absolute path: name the image by its path inside the book folder"),
    ("a drive letter", "C:/x.png", EMPTY, "is an absolute path"),
    ("up and out", "../../outside.png", EMPTY, "is outside the book folder: copy it into the book folder"),
    ("down, then up and out", "sub/../../x.png", EMPTY, "is outside the book folder"),
    ("a link out of the book", "link.png", link("link.png", "../../outside.png"), "leads outside the book folder (to "),
    ("a link to a system file", "link.png", link("link.png", "/etc/passwd"), "leads outside the book folder (to /etc/passwd): refused"),
    ("a dangling link", "link.png", link("link.png", "nowhere.png"), "does not exist"),
    (
        "a loop of links",
        "loop.png",
        lambda book: (book / "loop.png").symlink_to(book / "loop.png"),
        "cannot be read: Too many levels of symbolic links",
    ),
    ("a folder", "sub", EMPTY, "is a folder, not a file: refused"),
    ("a pipe", "pipe.png", lambda book: os.mkfifo(book / "pipe.png"), "is a device, a FIFO or a socket, not a file: refused"),
    (
        "over the book's limit",
        "big.png",
        limits("image_size = 10_000", {"big.png": BIG}),
        f"is {len(BIG):,} bytes, over the book's limit of 10,000 (raise it in book.toml's [limits])",
    ),
    ("a query", "pic.png?v=2", EMPTY, "has a query or a fragment (?… or #…): name the file alone"),
    ("a fragment", "drawing.svg#layer", EMPTY, "has a query or a fragment"),
    ("a backslash", "sub\\pic.png", EMPTY, "is not a path: separate its folders with /"),
    ("nothing", "", EMPTY, "names no file"),
    ("missing", "missing.png", EMPTY, "does not exist"),
]


@pytest.mark.parametrize("src, files, message", [row[1:] for row in ROWS], ids=[row[0] for row in ROWS])
def test_a_hostile_image_stops_the_build_at_its_reference(project, src, files, message):
    """In one process after a layout (the good build's): WeasyPrint, imported, lets Pillow load
    truncated images for all; folio's check must not."""
    book = project.root / "content" / SLUG
    before = digests(project)
    (book / "b.md").write_text(f"# More\n\nSee ![x](<{src}>) here.\n")
    if callable(files):
        files(book)
    else:
        for name, data in files.items():
            (book / name).parent.mkdir(parents=True, exist_ok=True)
            (book / name).write_bytes(data)
    shown = src if len(src) <= 60 else src[:59] + "…"
    where = f"content/{SLUG}/b.md:3" + (":11" if src else "")  # the column of the src, after "See ![x](<"
    code, ran = project.doit()
    assert code != 0
    assert f"{where if src else where + ':1'}: S009 image {shown!r} {message}" in project.output, project.output  # the lint
    assert ran.get(f"pdf:{SLUG}") != "ran" and ran.get(f"epub:{SLUG}") != "ran"
    code, _ = project.doit(f"layout:{SLUG}")  # the build's own check, as the layout makes it: the same line
    assert code != 0
    assert f"{where}: image {shown!r} {message}" in project.output, project.output
    assert "Traceback" not in project.output and "internal error" not in project.output
    assert digests(project) == before


# --- Any name, any bytes -----------------------------------------------------------------------

FUZZ = settings(deadline=None, derandomize=CI, max_examples=60 if CI else 200, suppress_health_check=[HealthCheck.function_scoped_fixture])
name_chars = st.sampled_from("abcxyz019 -_.äß")
file_name = st.text(name_chars, min_size=1, max_size=12).filter(lambda n: n.strip(". ") == n and n not in (".", ".."))


@FUZZ
@given(
    stem=file_name,
    ways=st.lists(st.sampled_from(["", "./", "sub/../", "./sub/./../", "sub//../"]), min_size=1, max_size=4),
    encode=st.booleans(),
)
def test_every_way_of_writing_one_file_is_one_image(tmp_path_factory, stem, ways, encode):
    from urllib.parse import quote

    folder = write_book(tmp_path_factory.mktemp("names"), {"a.md": "# A\n"})
    (folder / "sub").mkdir()
    (folder / f"{stem}.png").write_bytes(RED)
    written = [way + (quote(f"{stem}.png") if encode else f"{stem}.png") for way in ways]
    (folder / "a.md").write_text("# A\n\n" + " ".join(f"![A red square](<{w}>)" for w in written) + "\n")
    book = prepare_book(folder)
    assert list(book.images) == [f"{stem}.png"]
    assert book.chapters[0].images == [f"{stem}.png"]


@FUZZ
@given(src=st.text(st.sampled_from("ab./:%?#\\~ \t@"), max_size=16))
def test_any_src_is_an_image_of_the_book_or_one_s009(tmp_path_factory, src):
    folder = write_book(tmp_path_factory.mktemp("srcs"), {"a.md": "# A\n"})
    (folder / "a").write_bytes(RED)
    (folder / "a.png").write_bytes(RED)
    (folder / "a.md").write_text(f"# A\n\n![x](<{src}>)\n")
    problems: list[BuildError] = []
    book = prepare_book(folder, report=problems.append)
    images = [
        child for token in book.chapters[0].tokens if token.type == "inline" for child in token.children or [] if child.type == "image"
    ]
    for problem in problems:
        assert problem.code == "S009" and problem.line == 3 and problem.path == folder / "a.md", str(problem)
    for image in images:
        if "image" in image.meta:
            assert (folder / image.meta["image"]).resolve().parent == folder.resolve()
            assert book.images[image.meta["image"]].data == RED
    assert len(problems) + len([i for i in images if "image" in i.meta]) == len(images)


def _sound() -> dict[str, bytes]:
    return {
        "pic.png": RED,
        "photo.jpg": raster("JPEG", size=(40, 30)),
        "blink.gif": animated_gif(),
        "green.webp": raster("WEBP"),
        "drawing.svg": DRAWING,
    }


@FUZZ
@given(name=st.sampled_from(sorted(_sound())), cut=st.integers(0, 2000), flip=st.integers(0, 2000), byte=st.integers(0, 255))
def test_damaged_images_are_refused_or_decode(tmp_path_factory, name, cut, flip, byte):
    """A sound image cut short or with one byte changed: refused with one S009 line, or kept and
    then it decodes (Pillow) or parses (SVG), never a traceback."""
    data = bytearray(_sound()[name])
    data = data[: cut % (len(data) + 1)]
    if data:
        data[flip % len(data)] = byte
    folder = write_book(tmp_path_factory.mktemp("damaged"), {"a.md": f"# A\n\n![x]({name})\n"})
    (folder / name).write_bytes(bytes(data))
    problems: list[BuildError] = []
    book = prepare_book(folder, report=problems.append)
    if problems:
        assert [p.code for p in problems] == ["S009"] and str(problems[0]).startswith(f"{folder / 'a.md'}:3:6: image '{name}' ")
        return
    kept = book.images[name]
    if name.endswith(".svg"):
        etree.fromstring(kept.data)
    else:
        with Image.open(io.BytesIO(kept.data)) as image:
            image.load()


def test_an_image_decoded_once_is_not_decoded_again_and_its_name_still_counts(tmp_path, monkeypatch):
    """The lint, the layout and the EPUB each check the book: the same bytes decode once a
    machine (the cache folder), and a cached verdict still holds the file to its name."""
    from folio import images

    monkeypatch.setenv("FOLIO_CACHE", str(tmp_path / "cache"))
    photo = noise("JPEG")
    assert images.check_image("a.jpg", photo).media_type == "image/jpeg"
    assert len(list((tmp_path / "cache" / "images").iterdir())) == 1

    def no_decoding(*args):
        raise AssertionError("decoded again")

    monkeypatch.setattr(images, "_decode", no_decoding)
    assert images.check_image("b.jpeg", photo).media_type == "image/jpeg"
    with pytest.raises(images.ImageError, match="is a JPEG image named .png: rename it to end in .jpg"):
        images.check_image("c.png", photo)
    with pytest.raises(AssertionError, match="decoded again"):  # other bytes are decoded
        images.check_image("d.jpg", photo[:-1])
