"""The static site (build/site/): a catalogue of the books (index.html), a page per book with
copies of its editions (<slug>/index.html), an OPDS 1.2 acquisition feed (opds.xml), and the
shared stylesheet, script and fonts (_static/). The web editions (<slug>/read/) are web.py's.

Every link is relative and names its file (index.html, never a bare folder), so that the site
works from any path of any server and opened from disk. Every value from book.toml is escaped
(HTML by escapeHtml, XML by lxml). The same sources give the same bytes: sizes and digests are
read off the built editions, dates come from book.toml.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from lxml import etree
from markdown_it.common.utils import escapeHtml

from .config import BookConfig
from .errors import BuildError
from .fileio import atomic_path, cache_folder, publish, write_text
from .fonts import FACES, covered, font_face, static_fonts, woff2
from .html import copyright_text, long_date
from .languages import ui_language
from .model import Book
from .project import FEED, STATIC, BookFiles, SiteFiles
from .web import page_shell

ATOM = "http://www.w3.org/2005/Atom"
DCTERMS = "http://purl.org/dc/terms/"
OPDS = "http://opds-spec.org/2010/catalog"
FEED_TYPE = "application/atom+xml;profile=opds-catalog;kind=acquisition"
ENTRY_TYPE = "application/atom+xml;type=entry;profile=opds-catalog"
ACQUIRE = "http://opds-spec.org/acquisition/open-access"  # free to download, no login, no payment
THUMBNAIL_SIZE = (400, 640)  # px: the cover's 5:8, sharp at 200 CSS px wide on a 2x screen


@dataclass(frozen=True)
class Edition:
    """One edition's copy in the site, as its book's page and the OPDS feed describe it."""

    label: str
    purpose: str
    file: str  # its name in the book's folder of the site
    media_type: str
    size: int
    sha256: str
    pages: int | None  # for the PDFs


# label, purpose, media type, in the order the book's page lists them
_EDITIONS = {
    "pdf": (
        "PDF",
        (
            "For reading on a screen or printing at home: the pages of the print edition, with linked "
            "contents and notes, a bookmark outline, and tags for screen readers."
        ),
        "application/pdf",
    ),
    "epub": (
        "EPUB",
        "For e-readers and reading apps: the text reflows to any screen and size of type, and the notes pop up.",
        "application/epub+zip",
    ),
    "print": (
        "Print PDF",
        "For a printer: the interior as print-on-demand services take it, with trim boxes on every page.",
        "application/pdf",
    ),
}


def copy_editions(files: BookFiles) -> list[Edition]:
    """Copy the book's editions into its folder of the site; describe each copy."""
    from pypdf import PdfReader  # only when a book's page is really written

    editions = []
    for key, source, copy in zip(("pdf", "epub", "print"), (files.pdf, files.epub, files.print), files.site.copies):
        label, purpose, media_type = _EDITIONS[key]
        publish(source, copy)
        data = copy.read_bytes()
        pages = len(PdfReader(copy).pages) if media_type == "application/pdf" else None
        editions.append(Edition(label, purpose, copy.name, media_type, len(data), hashlib.sha256(data).hexdigest(), pages))
    return editions


def thumbnail(cover: Path) -> bytes:
    """The cover, small, for the catalogue and reading apps' lists."""
    import io

    from PIL import Image  # only when a cover really changed

    with Image.open(cover) as image:
        small = image.convert("RGB").resize(THUMBNAIL_SIZE, Image.Resampling.LANCZOS)
    out = io.BytesIO()
    small.save(out, "PNG", optimize=True)
    return out.getvalue()


def human_size(size: int) -> str:
    """'612 kB', '1.4 MB': decimal units, as browsers and file managers show downloads."""
    if size < 1000:
        return f"{size} bytes"
    if size < 1_000_000:
        return f"{size / 1000:.0f} kB"
    return f"{size / 1_000_000:.1f} MB"


def _bar(root: str, ui: str, here: str) -> str:
    current = ' aria-current="page"' if here == "catalogue" else ""
    return (
        f'<a class="skip" href="#folio_text"{ui}>Skip to the text</a>\n'
        f'<header class="bar"{ui}>\n<nav aria-label="Site">\n<a class="bar-title" href="{root}index.html"{current}>Catalogue</a>\n'
        f'<a href="{root}{FEED}" type="{FEED_TYPE}">OPDS catalogue</a>\n</nav>\n</header>\n'
    )


def _authors(config: BookConfig) -> str:
    a = config.authors
    return escapeHtml(a[0] if len(a) == 1 else f"{', '.join(a[:-1])} and {a[-1]}")


def _here(site: SiteFiles, path: Path) -> str:
    """A file of the book's folder, as a link from the folder."""
    return escapeHtml(path.relative_to(site.folder).as_posix())


def book_page(config: BookConfig, slug: str, editions: Sequence[Edition], site: SiteFiles) -> str:
    """The book's page: cover, description, each edition with its purpose, size, SHA-256 and a
    link to its copy, the web edition, the OPDS entry, and the licence and attribution."""
    c = config
    e = escapeHtml
    web, entry = _here(site, site.web / "index.html"), _here(site, site.entry)
    ui = ui_language(c.language)
    lang = e(c.language)
    subtitle = f'<p class="book-subtitle">{e(c.subtitle)}</p>\n' if c.subtitle else ""
    description = f'<p class="description">{e(c.description)}</p>\n' if c.description else ""
    items = [
        (
            f'<li class="edition" id="edition-web">\n<h3>Web edition</h3>\n<p>To read in a browser, a page a chapter, with the notes shown '
            f'in place.</p>\n<p><a class="download" href="{web}">Read it online</a></p>\n</li>\n'
        )
    ]
    for edition in editions:
        facts = [f"<dt>Pages</dt><dd>{edition.pages}</dd>"] if edition.pages else []
        facts.append(f"<dt>Size</dt><dd>{human_size(edition.size)} ({edition.size:,} bytes)</dd>")
        facts.append(f'<dt>SHA-256</dt><dd><code class="sha256">{edition.sha256}</code></dd>')
        anchor = "edition-" + edition.label.lower().replace(" ", "-")
        items.append(
            f'<li class="edition" id="{anchor}">\n<h3>{e(edition.label)}</h3>\n<p>{e(edition.purpose)}</p>\n<dl>{"".join(facts)}</dl>\n'
            f'<p><a class="download" href="{e(edition.file)}" type="{edition.media_type}" download>Download the {e(edition.label)}</a></p>\n</li>\n'
        )
    book = Book(slug, Path(slug), c, [])  # the copyright text reads the configuration only
    body = (
        _bar("../", ui, "book")
        + '<main id="folio_text" class="book">\n<div class="book-head">\n'
        + f'<img class="cover" src="{_here(site, site.thumbnail)}" width="{THUMBNAIL_SIZE[0] // 2}" height="{THUMBNAIL_SIZE[1] // 2}" alt="">\n'
        + f'<div class="book-about" lang="{lang}">\n<h1 class="book-title">{e(c.title)}</h1>\n{subtitle}'
        + f'<p class="book-author">{_authors(c)}</p>\n{description}</div>\n</div>\n'
        + f'<section aria-labelledby="editions"{ui}>\n<h2 id="editions">Editions</h2>\n<ul class="editions">\n{"".join(items)}</ul>\n'
        + f'<p>For reading apps (OPDS): <a href="{entry}" type="{ENTRY_TYPE}">this book’s catalogue entry</a>, '
        + f'or <a href="../{FEED}" type="{FEED_TYPE}">the whole catalogue</a>. The edition of {long_date(c.date)}.</p>\n</section>\n'
        + f'<section class="imprint" aria-labelledby="licence">\n<h2 id="licence"{ui}>Licence</h2>\n<div{ui}>\n'
        + f"{copyright_text(book)}\n</div>\n</section>\n</main>\n"
    )
    head = [
        *(f'<meta name="author" content="{e(a)}">' for a in c.authors),
        f'<meta name="description" content="{e(c.description or c.subtitle or c.title)}">',
        f'<link rel="alternate" href="{entry}" type="{ENTRY_TYPE}" title="OPDS entry">',
    ]
    return page_shell(root="../", language=c.language, title=c.title, body=body, head=head)


def one_line(config: BookConfig) -> str:
    """The catalogue's line about a book: the description's first sentence, or the subtitle."""
    text = config.description or config.subtitle or ""
    for end in (". ", "? ", "! "):
        if end in text:
            text = text[: text.index(end) + 1]
    return " ".join(text.split())


def catalogue_page(root: Path, books: Sequence[tuple[BookConfig, SiteFiles]]) -> str:
    """Every book: cover, title, subtitle, authors, language, a line about it, a link to its page."""
    e = escapeHtml
    cards = []
    for c, site in books:
        href, thumbnail = (e(path.relative_to(root).as_posix()) for path in (site.page, site.thumbnail))
        subtitle = f'<p class="book-subtitle">{e(c.subtitle)}</p>\n' if c.subtitle else ""
        cards.append(
            f'<li class="card">\n<img class="cover" src="{thumbnail}" width="{THUMBNAIL_SIZE[0] // 4}" '
            f'height="{THUMBNAIL_SIZE[1] // 4}" alt="">\n<div lang="{e(c.language)}">\n'
            f'<h2 class="book-title"><a href="{href}">{e(c.title)}</a></h2>\n{subtitle}'
            f'<p class="book-author">{_authors(c)}</p>\n<p class="description">{e(one_line(c))}</p>\n</div>\n'
            f'<p class="language" lang="en">Language: <span lang="{e(c.language)}">{e(c.language)}</span></p>\n</li>\n'
        )
    body = (
        _bar("", "", "catalogue")
        + '<main id="folio_text" class="catalogue">\n<h1>Catalogue</h1>\n'
        + f'<p>Each book can be read online or downloaded as a PDF and an EPUB. Reading apps (OPDS) can add <a href="{FEED}" '
        + f'type="{FEED_TYPE}">this catalogue</a>.</p>\n<ul class="cards">\n{"".join(cards)}</ul>\n</main>\n'
    )
    head = [f'<link rel="alternate" href="{FEED}" type="{FEED_TYPE}" title="OPDS catalogue">']
    return page_shell(root="", language="en", title="Catalogue", body=body, head=head)


# -- OPDS


def _el(parent: etree._Element, tag: str, text: str | None = None, **attributes: str) -> etree._Element:
    element = etree.SubElement(parent, tag, {k.rstrip("_"): v for k, v in attributes.items()})
    element.text = text
    return element


def _timestamp(config: BookConfig) -> str:
    return config.timestamp.strftime("%Y-%m-%dT%H:%M:%SZ")


def opds_entry(config: BookConfig, editions: Sequence[Edition], site: SiteFiles) -> etree._Element:
    """The book's OPDS catalogue entry, its links relative to the book's folder."""
    c = config

    def here(path: Path) -> str:
        return path.relative_to(site.folder).as_posix()

    a, dc = f"{{{ATOM}}}", f"{{{DCTERMS}}}"
    entry = etree.Element(f"{a}entry", nsmap={None: ATOM, "dc": DCTERMS, "opds": OPDS})
    _el(entry, f"{a}title", c.title)
    _el(entry, f"{a}id", c.identifier)
    _el(entry, f"{a}updated", _timestamp(c))
    _el(entry, f"{a}published", _timestamp(c))
    for author in c.authors:
        _el(_el(entry, f"{a}author"), f"{a}name", author)
    _el(entry, f"{dc}identifier", c.identifier)
    _el(entry, f"{dc}language", c.language)
    _el(entry, f"{dc}issued", c.date.isoformat())
    if c.source:
        _el(entry, f"{dc}source", c.source)
    _el(entry, f"{a}rights", c.license + (f" ({c.license_url})" if c.license_url else ""))
    for keyword in c.keywords:
        _el(entry, f"{a}category", term=keyword, label=keyword)
    summary = " ".join(part for part in (c.subtitle and f"{c.subtitle}.", c.description) if part) or c.title
    _el(entry, f"{a}summary", summary, type="text")
    _el(entry, f"{a}link", rel="http://opds-spec.org/image", href=here(site.cover), type="image/png")
    _el(entry, f"{a}link", rel="http://opds-spec.org/image/thumbnail", href=here(site.thumbnail), type="image/png")
    for edition in editions:
        if edition.label != "Print PDF":  # for printers, not readers: on the book's page only
            _el(entry, f"{a}link", rel=ACQUIRE, href=edition.file, type=edition.media_type, length=str(edition.size), title=edition.label)
    _el(entry, f"{a}link", rel="alternate", href=here(site.page), type="text/html", title="The book’s page")
    _el(entry, f"{a}link", rel="alternate", href=here(site.web / "index.html"), type="text/html", title="Web edition")
    return entry


def _xml(element: etree._Element) -> bytes:
    etree.indent(element)
    return etree.tostring(element, xml_declaration=True, encoding="utf-8") + b"\n"


def opds_feed(entries: Sequence[tuple[str, BookConfig, etree._Element]]) -> bytes:
    """`entries`: (the book's folder from the site's root, its configuration, its entry)."""
    """The OPDS 1.2 acquisition feed of the whole site: each book's entry (as its own entry file
    has it), its links re-based from the book's folder to the site's root."""
    a = f"{{{ATOM}}}"
    feed = etree.Element(f"{a}feed", nsmap={None: ATOM, "dc": DCTERMS, "opds": OPDS})
    identifiers = "\n".join(sorted(c.identifier for _, c, _ in entries))
    _el(feed, f"{a}id", f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, 'folio-catalogue:' + identifiers)}")
    _el(feed, f"{a}title", "Catalogue")
    _el(feed, f"{a}updated", max((_timestamp(c) for _, c, _ in entries), default="1970-01-01T00:00:00Z"))
    _el(feed, f"{a}link", rel="self", href=FEED, type=FEED_TYPE)
    _el(feed, f"{a}link", rel="start", href=FEED, type=FEED_TYPE)
    _el(feed, f"{a}link", rel="alternate", href="index.html", type="text/html")
    for slug, _, entry in entries:
        copy = etree.fromstring(etree.tostring(entry))
        for link in copy.iter(f"{a}link"):
            link.set("href", f"{slug}/{link.get('href')}")
        feed.append(copy)
    return _xml(feed)


def write_book_page(config: BookConfig, slug: str, files: BookFiles) -> list[Edition]:
    """The book's folder in the site: copies of its editions and cover, a thumbnail, its page and
    its OPDS entry."""
    editions = copy_editions(files)
    publish(files.cover, files.site.cover)
    with atomic_path(files.site.thumbnail) as tmp:
        tmp.write_bytes(thumbnail(files.cover))
    with atomic_path(files.site.entry) as tmp:
        tmp.write_bytes(_xml(opds_entry(config, editions, files.site)))
    write_text(files.site.page, book_page(config, slug, editions, files.site))
    return editions


def write_catalogue(site: Path, books: Sequence[tuple[str, BookConfig, BookFiles]], stylesheet: Path, script: Path) -> None:
    """The site's root: the catalogue page, the OPDS feed from the books' entries, and _static/
    (the stylesheet, after the @font-face rules of the faces the books use, the notes' script and
    those fonts). Each book's folder must be written first (write_book_page)."""
    for slug, _, files in books:
        if slug in (STATIC, site.name):  # the site's own files; a book's intermediates (build/<slug>/) in the site
            raise BuildError(
                files.site.folder.parent.parent.parent / "content" / slug / "book.toml",
                f"a book folder may not be called {slug!r}: the site keeps its own files there",
            )
    ordered = sorted(books, key=lambda b: (b[1].title.casefold(), b[0]))
    entries = [(files.site.folder.relative_to(site).as_posix(), c, etree.parse(str(files.site.entry)).getroot()) for _, c, files in ordered]
    with atomic_path(site / FEED) as tmp:
        tmp.write_bytes(opds_feed(entries))
    write_text(site / "index.html", catalogue_page(site, [(c, files.site) for _, c, files in ordered]))
    faces = [face for face in FACES if any(face in json.loads(files.web_faces.read_text()) for _, _, files in books)]
    fonts = site / STATIC / "fonts"
    rules = []
    for face, path, weight, style in web_fonts(faces):
        publish(path, fonts / path.name)
        rules.append(font_face(face, f"fonts/{path.name}", weight, style, _own_points(face), swap=True))
    for stale in fonts.glob("*.woff2"):
        if stale.name not in {p.name for _, p, _, _ in web_fonts(faces)}:
            stale.unlink()
    header = "/* The faces the books use, from the project's own font files; then styles/web.css. */\n"
    write_text(site / STATIC / "site.css", header + "\n".join(rules) + "\n\n" + stylesheet.read_text(encoding="utf-8"))
    publish(script, site / STATIC / script.name)


def _own_points(face: str) -> frozenset[int]:
    """A face after the first is used only for what the faces before it lack (Amiri: Arabic
    script), so that a browser fetches it only for a page that has such text."""
    index = FACES.index(face)
    return frozenset() if index == 0 else covered(face) - frozenset().union(*(covered(f) for f in FACES[:index]))


def web_fonts(faces: Sequence[str]) -> list[tuple[str, Path, int, str]]:
    """(face, WOFF2 file, weight, style) for each style of the faces: the static fonts the PDFs
    are set in, compressed once per font version into the cache folder (2 s a font)."""
    import fontpkg

    out = []
    for face in faces:
        info = fontpkg.family(face)
        for path, weight, style in static_fonts(face):
            target = cache_folder("woff2") / f"{info.slug}-{info.version}-{style}-{weight}.woff2"
            if not target.exists():
                with atomic_path(target) as tmp:
                    tmp.write_bytes(woff2(path))
            out.append((face, target, weight, style))
    return out
