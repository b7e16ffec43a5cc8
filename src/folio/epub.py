"""Book -> EPUB 3 with ebooklib (the only module that imports it), byte for byte reproducible.

Import this module only inside a task's action: ebooklib is not needed to decide what to rebuild.
"""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

from ebooklib import epub

from .fileio import atomic_path
from .html import epub_chapter_body, epub_title_page_body
from .model import Book

# Zip entries carry this time, not the time of the build (the earliest a zip can hold).
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def write_epub(book: Book, stylesheet: Path, target: Path) -> None:
    c = book.config
    out = epub.EpubBook()
    out.set_identifier(c.identifier)
    out.set_title(c.title)
    out.set_language(c.language)
    for i, author in enumerate(c.authors):
        out.add_author(author, uid=f"creator{i}", role="aut")
    if c.subtitle:
        out.add_metadata("DC", "title", c.subtitle, {"id": "subtitle"})
    out.add_metadata("DC", "date", c.date.isoformat())
    out.add_metadata("DC", "rights", f"{c.license}" + (f" ({c.license_url})" if c.license_url else ""))
    for key, value in (("source", c.source), ("description", c.description)):
        if value:
            out.add_metadata("DC", key, value)

    css = epub.EpubItem(uid="style", file_name="style/epub.css", media_type="text/css",
                        content=stylesheet.read_bytes())
    out.add_item(css)

    def page(uid: str, file_name: str, title: str, body: str) -> epub.EpubHtml:
        item = epub.EpubHtml(uid=uid, file_name=file_name, title=title, lang=c.language, content=body)
        item.add_item(css)
        out.add_item(item)
        return item

    title_page = page("titlepage", "titlepage.xhtml", c.title, epub_title_page_body(book))
    chapters = [page(ch.id, ch.filename, ch.title, epub_chapter_body(book, ch)) for ch in book.chapters]
    for chapter in book.chapters:
        for src in chapter.images:
            out.add_item(epub.EpubImage(uid=f"img-{len(out.items)}", file_name=src,
                                        content=(book.folder / src).read_bytes()))

    out.toc = []
    for chapter in book.chapters:
        sections = [epub.Link(f"{chapter.filename}#{h.id}", h.text, f"toc-{h.id}")
                    for h in chapter.headings[1:] if h.level == 2]
        if sections:
            out.toc.append((epub.Section(chapter.title, chapter.filename), sections))
        else:
            out.toc.append(epub.Link(chapter.filename, chapter.title, f"toc-{chapter.id}"))
    nav = epub.EpubNav(title="Contents")
    nav.add_item(css)
    out.add_item(nav)
    out.add_item(epub.EpubNcx())
    out.spine = [title_page, nav, *chapters]

    modified = dt.datetime.combine(c.date, dt.time(), dt.timezone.utc)
    with atomic_path(target) as tmp:
        writer = _ReproducibleWriter(str(tmp), out, {"mtime": modified, "epub3_pages": False})
        writer.process()
        writer.write()


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
