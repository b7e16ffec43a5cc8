"""Book -> EPUB 3 with ebooklib (the only module that imports it), byte for byte reproducible.

Import this module only inside a task's action: ebooklib is not needed to decide what to rebuild.
"""

from __future__ import annotations

import zipfile
from collections.abc import Sequence

import tinycss2
from ebooklib import epub
from lxml import html as lxml_html

from .fileio import atomic_path
from .fonts import faces_for, font_face, subset_fonts
from .html import (
    COLOPHON,
    COVER_IMAGE,
    COVER_PAGE,
    NAV,
    TITLE_PAGE,
    contents,
    epub_chapter_body,
    epub_colophon_body,
    epub_cover_body,
    epub_nav_body,
    epub_title_page_body,
    long_date,
)
from .languages import direction, is_english
from .model import Book, PrintPage
from .project import RenderContext

# Zip entries carry this time, not the time of the build (the earliest a zip can hold).
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
# Where the fonts the EPUB embeds are kept, beside style/ (the stylesheet names them from there).
FONTS = "fonts"
# Claimed where every image has a text alternative; tests/test_epub.py holds the claim up by
# running DAISY Ace and EPUBCheck on the real book, the fixture books and books with images.
CONFORMANCE = "EPUB Accessibility 1.1 - WCAG 2.2 Level AA"


def write_epub(ctx: RenderContext, cover: bytes, print_pages: Sequence[PrintPage] = ()) -> None:
    """Write the EPUB: cover, title page, contents, the chapters, then the colophon.

    `cover` is the cover image (PNG). `print_pages`, from the print layout, puts a pagebreak
    marker where each page of the print edition begins, lists them in a page-list and names the
    print edition as their source.
    """
    book, c = ctx.book, ctx.config
    out = epub.EpubBook()
    out.set_identifier(c.identifier)
    out.set_language(c.language)
    rtl = "rtl" if direction(c.language) == "rtl" else None  # a left-to-right book's package stays as it was
    if rtl:
        out.set_direction(rtl)  # the spine's page-progression-direction: pages turn to the left
    out.title = c.title  # for the NCX; the dc:title elements follow, refined
    out.add_metadata("DC", "title", c.title, {"id": "title"})
    out.add_metadata(None, "meta", "main", {"refines": "#title", "property": "title-type"})
    if c.subtitle:
        out.add_metadata("DC", "title", c.subtitle, {"id": "subtitle"})
        out.add_metadata(None, "meta", "subtitle", {"refines": "#subtitle", "property": "title-type"})
    for i, (author, sort_name) in enumerate(zip(c.authors, c.sort_names)):
        out.add_author(author, uid=f"creator{i}", role="aut")
        out.add_metadata(None, "meta", sort_name, {"refines": f"#creator{i}", "property": "file-as"})  # shelves sort by it
    for i, editor in enumerate(c.editors):
        out.add_metadata("DC", "contributor", editor, {"id": f"editor{i}"})
        out.add_metadata(None, "meta", "edt", {"refines": f"#editor{i}", "property": "role", "scheme": "marc:relators"})
    if c.publisher:
        out.add_metadata("DC", "publisher", c.publisher)
    out.add_metadata("DC", "date", c.date.isoformat())
    out.add_metadata("DC", "rights", f"{c.license}" + (f" ({c.license_url})" if c.license_url else ""))
    for key, value in (("source", c.source), ("description", c.description)):
        if value:
            out.add_metadata("DC", key, value)
    for keyword in c.keywords:
        out.add_metadata("DC", "subject", keyword)

    css = epub.EpubItem(uid="style", file_name="style/epub.css", media_type="text/css", content=ctx.stylesheet.read_bytes())
    out.add_item(css)

    def page(uid: str, file_name: str, title: str, body: str) -> epub.EpubHtml:
        item = epub.EpubHtml(uid=uid, file_name=file_name, title=title, lang=c.language, content=body, direction=rtl)
        item.add_item(css)
        out.add_item(item)
        return item

    image = epub.EpubCover(uid="cover-image", file_name=COVER_IMAGE)
    image.media_type, image.content = "image/png", cover
    out.add_item(image)
    out.add_metadata(None, "meta", "", {"name": "cover", "content": "cover-image"})  # for EPUB 2 readers, Kindle
    cover_page = page("cover", COVER_PAGE, "Cover", epub_cover_body(book))
    title_page = page("titlepage", TITLE_PAGE, c.title, epub_title_page_body(book))
    bodies = [epub_chapter_body(book, ch, print_pages) for ch in book.chapters]
    page_starts = [start for _, placed in bodies for start in placed]
    nav = page("nav", NAV, "Contents", epub_nav_body(book, page_starts))
    nav.properties.append("nav")
    chapters = [page(ch.id, ch.filename, ch.title, body) for ch, (body, _) in zip(book.chapters, bodies)]
    colophon = page("colophon", COLOPHON, "Colophon", epub_colophon_body(book))
    if page_starts:  # the print edition is the source of the pagination
        out.add_metadata("DC", "source", f"{c.title}, print edition of {long_date(c.date)}", {"id": "print-edition"})
        out.add_metadata(None, "meta", "pagination", {"refines": "#print-edition", "property": "source-of"})
    css.content, fonts = embedded_fonts(css.content.decode("utf-8"), [item.content for item in (cover_page, title_page, nav, *chapters)])
    for font in fonts:
        out.add_item(font)
    images = {image.name: image for image in book.images.values()}  # one item for the same bytes however named
    for name, image in sorted(images.items()):
        uid = f"image-{name.split('/')[-1].split('.')[0]}"
        out.add_item(epub.EpubImage(uid=uid, file_name=name, media_type=image.media_type, content=image.data))

    documents = [ch.content for ch in chapters]  # the colophon has no image
    for key, value, attributes in accessibility_metadata(book, documents, bool(page_starts)):
        out.add_metadata(None, "meta", value, {"property": key, **attributes})

    out.toc = []  # for the NCX, which EPUB 2 readers use: the navigation document's contents
    for ch, sections in contents(book):
        links = [epub.Link(f"{ch.filename}#{h.id}", h.text, f"toc-{h.id}") for h in sections]
        out.toc.append((epub.Section(ch.title, ch.filename), links) if links else epub.Link(ch.filename, ch.title, f"toc-{ch.id}"))
    out.toc.append(epub.Link(COLOPHON, "Colophon", "toc-colophon"))
    out.add_item(epub.EpubNcx())
    out.guide = [
        {"type": "cover", "href": COVER_PAGE, "title": "Cover"},  # EPUB 2's landmarks
        {"type": "title-page", "href": TITLE_PAGE, "title": "Title page"},
        {"type": "toc", "href": NAV, "title": "Contents"},
        {"type": "text", "href": book.chapters[0].filename, "title": book.chapters[0].title},
    ]
    out.spine = [cover_page, title_page, nav, *chapters, colophon]

    options = {"mtime": c.timestamp, "epub3_pages": False, "epub3_landmark": False, "play_order": {"enabled": True, "start_from": 1}}
    with atomic_path(ctx.files.epub) as tmp:
        writer = _ReproducibleWriter(str(tmp), out, options)
        writer.process()
        writer.write()


def embedded_fonts(stylesheet: str, documents: Sequence[str]) -> tuple[bytes, list[epub.EpubItem]]:
    """The stylesheet and the font files for the EPUB's documents (their XHTML bodies).

    A reader's own fonts may lack a script the book uses (Urdu words: ہ, U+06C1, is missing from
    many), so for every face after the book face that the text needs, as the PDF sets it (Amiri
    for Arabic script), the EPUB carries a subset of each of its styles with just the characters
    used (and the glyphs shaping them needs), declared with @font-face and a unicode-range of those
    characters, and named first in each font stack of the stylesheet: the rest of the text stays in
    the reader's fonts. A book the book face covers embeds nothing: its stylesheet is left as it is.
    """
    chars = {ord(char) for document in documents for char in lxml_html.fromstring(document).text_content()}
    faces = faces_for(chars)
    if not faces:
        return stylesheet.encode("utf-8"), []
    items, rules = [], []
    for face, points in faces.items():
        for name, weight, style, data in subset_fonts(face, points):
            file_name = f"{FONTS}/{name}.woff2"
            items.append(epub.EpubItem(uid=f"font-{name}", file_name=file_name, media_type="font/woff2", content=data))
            rules.append(font_face(face, f"../{file_name}", weight, style, points))
    header = "\n\n/* The faces the book's text needs beyond the reader's: subsets of the print edition's. */\n"
    return (_first_in_font_stacks(stylesheet, list(faces)) + header + "\n".join(rules) + "\n").encode("utf-8"), items


def _first_in_font_stacks(stylesheet: str, families: Sequence[str]) -> str:
    """The stylesheet with `families` named first in every font-family declaration (in @media too)."""
    prefix = tinycss2.parse_component_value_list("".join(f'"{family}", ' for family in families))

    def rewrite(nodes: list) -> list:
        for node in nodes:
            if node.type == "qualified-rule":
                node.content = _prefixed(node.content, prefix)
            elif node.type == "at-rule" and node.content is not None and node.lower_at_keyword in ("media", "supports"):
                node.content = rewrite(tinycss2.parse_rule_list(node.content, skip_comments=False))
        return nodes

    return tinycss2.serialize(rewrite(tinycss2.parse_stylesheet(stylesheet, skip_comments=False)))


def _prefixed(tokens: list, prefix: list) -> list:
    """A declaration block's tokens with `prefix` put after each `font-family:`."""
    out, last, pending = [], None, False
    for token in tokens:
        if pending and token.type not in ("whitespace", "comment"):
            out += prefix
            pending = False
        out.append(token)
        if (
            token.type == "literal"
            and token.value == ":"
            and last is not None
            and last.type == "ident"
            and last.lower_value == "font-family"
        ):
            pending = True
        if token.type not in ("whitespace", "comment"):
            last = token
    return out


def accessibility_metadata(book: Book, documents: Sequence[str], page_list: bool) -> list[tuple[str, str, dict]]:
    """The schema.org accessibility properties, read off the chapters' XHTML `documents`.

    The cover image is left out of the access modes: it repeats the title page, as its text
    alternative says.
    """
    images = [img for doc in documents for img in lxml_html.fromstring(doc).iter("img")]
    by_name = {image.name: image for image in book.images.values()}
    animated = any(by_name[img.get("src")].animated for img in images if img.get("src") in by_name)  # a GIF, WebP, PNG or SVG
    described = all(img.get("alt", "").strip() for img in images)
    modes = ["textual"] + (["visual"] if images else [])
    sufficient = (["textual"] if described else []) + (["textual,visual"] if images else [])
    features = ["tableOfContents", "readingOrder", "structuralNavigation", "displayTransformability"]
    if images and described:
        features.append("alternativeText")
    if page_list:
        features += ["pageNavigation", "pageBreakMarkers"]

    summary = ["A text with a table of contents and a heading for every chapter and section."]
    if book.notes:
        summary.append("Each note links to its call and back.")
    if images:
        summary.append("Every image has a text alternative." if described else "Some images have no text alternative.")
    if page_list:
        summary.append("Page breaks and a page list follow the print edition.")
    if described:
        summary.append(f"It meets {CONFORMANCE}.")
    lang = {} if is_english(book.config.language) else {_XML_LANG: "en"}

    meta: list[tuple[str, str, dict]] = [("schema:accessMode", mode, {}) for mode in modes]
    meta += [("schema:accessModeSufficient", s, {}) for s in sufficient]
    meta += [("schema:accessibilityFeature", f, {}) for f in features]
    meta.append(("schema:accessibilityHazard", "unknown" if animated else "none", {}))
    meta.append(("schema:accessibilitySummary", " ".join(summary), lang))
    if described:
        meta.append(("dcterms:conformsTo", CONFORMANCE, {}))
    return meta


class _ReproducibleZip(zipfile.ZipFile):
    """A zip whose entries carry a fixed time and mode, so that the same book gives the same bytes."""

    def writestr(self, zinfo_or_arcname, data, compress_type=None, compresslevel=None):
        if isinstance(zinfo_or_arcname, str):
            zinfo_or_arcname = zipfile.ZipInfo(zinfo_or_arcname, date_time=_ZIP_TIME)
            zinfo_or_arcname.compress_type = compress_type if compress_type is not None else self.compression
            zinfo_or_arcname.external_attr = 0o644 << 16
        super().writestr(zinfo_or_arcname, data, compress_type, compresslevel)


class _ReproducibleWriter(epub.EpubWriter):
    def write(self):
        # As EpubWriter.write, with a reproducible zip; mimetype first and stored.
        self.out = _ReproducibleZip(self.file_name, "w", zipfile.ZIP_DEFLATED, compresslevel=9)
        self.out.writestr("mimetype", "application/epub+zip", compress_type=zipfile.ZIP_STORED)
        self._write_container()
        self._write_opf()
        self._write_items()
        self.out.close()

    def _write_opf_file(self, root):
        root.set(_XML_LANG, self.book.language)  # ebooklib leaves the package without a language
        super()._write_opf_file(root)
