"""Print HTML -> the two PDFs, laid out once by WeasyPrint (the only module that imports it).

Import this module only inside a task's action: importing WeasyPrint takes 0.2 s even without
its library search (below).
"""

from __future__ import annotations

import contextlib
import ctypes.util
import datetime as dt
import logging
import os
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar, cast
from urllib.parse import urlsplit
from urllib.request import url2pathname

from .config import PrintConfig
from .errors import BuildError
from .fileio import atomic_path
from .fonts import FACES, coverage_errors, font_face_css, not_covered, static_fonts
from .languages import direction
from .model import Book, PrintPage, countable, misplaced_notes, read_anchor
from .project import RenderContext
from .workers import Forked


@contextlib.contextmanager
def _no_library_search():
    """WeasyPrint names each C library several ways; cffi hands every name that does not load as
    written to ctypes.util.find_library, which runs ldconfig, gcc and ld for it: 0.15 s of the
    import here (Kozea/WeasyPrint#1125). Each list also names the library's file
    (libpango-1.0.so.0), which loads directly, so the search can be skipped."""
    find = ctypes.util.find_library
    ctypes.util.find_library = lambda name: None
    try:
        yield
    finally:
        ctypes.util.find_library = find


try:
    with _no_library_search():
        import weasyprint
except OSError:  # a system where only the search finds the libraries
    import weasyprint  # noqa: F401
# The rest of WeasyPrint, once it is imported as above.
import pydyf
from weasyprint import CSS, HTML
from weasyprint.formatting_structure import boxes
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import FatalURLFetchingError, URLFetcher

from . import workarounds

T = TypeVar("T")


@dataclass
class Written:
    """What write_pdfs made: page counts, the print pages' starts, and WeasyPrint's warnings that
    lose nothing (an ignored CSS rule), which would otherwise vanish into its logger."""

    pages: int
    print_pages: int
    starts: list[PrintPage]
    warnings: list[str]


def write_pdfs(ctx: RenderContext, html: str) -> Written:
    """Write the tagged download PDF and the print interior from one layout where they can share it.

    Both have the print edition's pages, so that a page number cited from one is right in the
    other. The interior is laid out again only when book.toml asks for bleed or crop marks, and
    is padded with blank pages to an even count (or a multiple of 4); it is written in a forked
    process while this one writes the download PDF. Lost content stops the build (BuildError): a
    note not whole on its call's page, and every WeasyPrint message that means something was
    dropped or drawn as a box. `html` is the book's print document (html.print_document).
    """
    config, base_url, stylesheet = ctx.config, ctx.book.folder, ctx.stylesheet
    download, printed = ctx.files.laid_out_pdf, ctx.files.laid_out_print
    text_start = ctx.book.chapters[0].id  # the element the text begins with: page 1
    log = _WeasyPrintLog(ctx.book)
    finish = _reading_direction(config.language)
    logging.getLogger("weasyprint").addHandler(log)
    try:
        with private_tempdir(), _source_date_epoch(config.timestamp):
            document = _render(html, base_url, stylesheet, page_css(config.print, for_printer=False, language=config.language))
            log.check()
            check_notes(ctx.book, document)
            starts = page_starts(document, text_start)

            def write_interior(target: Path) -> tuple[int, list[str]]:
                """The interior's page count, and the warnings given while making it."""
                before, interior = len(log.warnings), document
                if config.print.bleed or config.print.crop_marks:
                    interior = _render(html, base_url, stylesheet, page_css(config.print, for_printer=True, language=config.language))
                    check_notes(ctx.book, interior)
                interior = _padded(interior, config.print)
                interior.write_pdf(target, finisher=finish)
                log.check()
                return len(interior.pages), log.warnings[before:]

            with atomic_path(download) as tmp_download, atomic_path(printed) as tmp_printed:
                interior = Forked(lambda: write_interior(tmp_printed))
                try:
                    document.write_pdf(tmp_download, finisher=finish, **_OPTIONS)
                    log.check()
                except BaseException:
                    interior.cancel()
                    raise
                print_pages, print_warnings = interior()  # inside private_tempdir: the child reads the fonts there
    finally:
        logging.getLogger("weasyprint").removeHandler(log)
    return Written(len(document.pages), print_pages, starts, log.warnings + print_warnings)


@contextlib.contextmanager
def private_tempdir() -> Iterator[Path]:
    """Everything `tempfile` makes meanwhile lands in one folder of ours, removed when the block
    ends. WeasyPrint copies every @font-face file into a mkdtemp() folder (3.7 MB here) that only
    FontConfiguration.__del__ removes: never in a process that leaves by os._exit (the forked
    interior, doit's workers), and in this one only when the cycle collector gets to it."""
    with tempfile.TemporaryDirectory(prefix="folio-") as folder:
        saved, tempfile.tempdir = tempfile.tempdir, folder
        try:
            yield Path(folder)
        finally:
            tempfile.tempdir = saved


def check_coverage(book: Book) -> None:
    """Stop at the first character no face of the book covers: it would print in a fallback font."""
    c = book.config
    config_text = " ".join(
        [c.title, c.subtitle or "", *c.authors, *c.editors, c.publisher or "", c.attribution or "", c.source_revision or ""]
    )
    for error in [
        *(error for chapter in book.chapters for error in coverage_errors(chapter.path, chapter.text)),
        *coverage_errors(book.folder / "book.toml", config_text, key=""),
    ]:
        raise error


def _reading_direction(language: str) -> Callable[[Any, pydyf.PDF], None] | None:
    """For a book written right to left, a WeasyPrint finisher that tells PDF viewers to show its
    spreads right to left (ViewerPreferences /Direction /R2L): its first page is a left page."""
    if direction(language) != "rtl":
        return None

    def finish(document: Any, pdf: pydyf.PDF) -> None:
        preferences = pdf.catalog.get("ViewerPreferences") or pydyf.Dictionary()
        preferences["Direction"] = "/R2L"
        pdf.catalog["ViewerPreferences"] = preferences

    return finish


def page_css(settings: PrintConfig, for_printer: bool, language: str = "en") -> str:
    """The page size from book.toml; bleed and crop marks only in the printer's copy; in a book
    written right to left, the rule above the notes on the right (an @page rule cannot ask the
    root's direction, as print.css's other mirrored rules do)."""
    rules = [f"size: {settings.trim};"]
    if for_printer and settings.bleed:
        rules.append(f"bleed: {settings.bleed};")
    if for_printer and settings.crop_marks:
        rules.append("marks: crop;")
    if direction(language) == "rtl":
        rules.append("@footnote { background-position: top right; }")
    return f"@page {{ {' '.join(rules)} }}"


def _padded(document, settings: PrintConfig):
    """The document with blank pages added to make its page count a multiple of page_multiple."""
    missing = -len(document.pages) % settings.page_multiple
    if not missing:
        return document
    css = page_css(settings, for_printer=True) + "@page { margin: 0 }"
    blank = HTML(string="<html><body></body></html>").render(stylesheets=[CSS(string=css)])
    return document.copy(document.pages + blank.pages[:1] * missing)


@contextlib.contextmanager
def _source_date_epoch(timestamp: dt.datetime):
    """fontTools stamps the fonts it instantiates with the current time unless SOURCE_DATE_EPOCH
    is set: set it from the book's date (where the caller has not set it) for the same bytes."""
    if "SOURCE_DATE_EPOCH" in os.environ:
        yield
        return
    os.environ["SOURCE_DATE_EPOCH"] = str(int(timestamp.timestamp()))
    try:
        yield
    finally:
        del os.environ["SOURCE_DATE_EPOCH"]


# WeasyPrint 70's log messages (their format strings, record.msg) that mean something was lost:
# a glyph drawn as a box, a font, image, stylesheet or table cell dropped, generated content or a
# link target missing. Read off every LOGGER call in its source; every ERROR is lost too. The rest
# (ignored CSS and the like) lose nothing and are only shown.
_LOST = frozenset(
    {
        '.notdef glyph rendered for Unicode string unsupported by fonts: "%s" (U+%04X)',
        'Too many glyphs missing from "%s", expect text selection problems',
        "Font-face %r cannot be loaded",
        "Missing %s descriptor in '@font-face' rule at %d:%d",
        'Unable to instantiate "%s" variable font',
        "Please install HarfBuzz version 13+ with harfbuzz-vector to display %s COLR emoji fonts.",
        'Unable to save emoji font "%s"',
        'Unknown bitmap metrics in "%s" for glyph: %s',
        'Unsupported bitmap glyph format in "%s": %s',
        'Unknown subglyph in "%s": %s',
        'Unsupported subglyph in subglyph in "%s": %s',
        "Failed to load image at %r: %s",
        "Failed to render SVG image %s",
        "Failed to load inline SVG: %s",
        "Unknown image mode: %s",
        "Unsupported color space %s, use sRGB instead",
        "Failed to load stylesheet at %s: %s",
        "Failed to load stylesheet at %s : %s",
        "Unsupported stylesheet type %s for %s",
        "Relative URI reference without a base URI: %s",
        "Content discarded: target points to undefined anchor %r",
        "Unable to compute content: %s",
        '"string(%s)" is only allowed in page margins',
        '"element(%s)" is only allowed in page margins',
        "Only strings are allowed for content attr() functions, not %s",
        "This row has more columns than the table, ignored %d cells",
        "No anchor #%s for internal URI reference",
        "Anchor defined twice: %r",
    }
)


class _WeasyPrintLog(logging.Handler):
    """WeasyPrint's warnings about a book: check() raises the first that means lost content."""

    def __init__(self, book: Book):
        super().__init__(logging.WARNING)
        self.book = book
        self.warnings: list[str] = []
        self.lost: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.levelno >= logging.ERROR or record.msg in _LOST:
            self.lost.append(record)
        else:
            self.warnings.append(record.getMessage())

    def check(self) -> None:
        if not self.lost:
            return
        record = self.lost[0]
        if str(record.msg).startswith(".notdef") and isinstance(record.args, tuple):
            message = f"WeasyPrint drew a box: {not_covered(chr(cast(int, record.args[1])))}"
        else:
            message = f"WeasyPrint lost content: {record.getMessage()}"
        raise BuildError(self.book.folder, message)


_OPTIONS = {"pdf_variant": "pdf/ua-1"}  # tagged, and reproducible with dates from the HTML head


def _render(html: str, base_url: Path, stylesheet: Path, page: str):
    fonts = FontConfiguration()
    font_folders = {path.parent for face in FACES for path, _, _ in static_fonts(face)}
    # Not the book folder: its images are in the document, checked (images.py), as data: URLs.
    fetcher = SandboxFetcher([stylesheet.parent, *sorted(font_folders)])
    styles = [
        CSS(string=font_face_css(), font_config=fonts, url_fetcher=fetcher),
        CSS(filename=str(stylesheet), font_config=fonts, url_fetcher=fetcher),
        CSS(string=page),
    ]
    try:
        return HTML(string=html, base_url=str(base_url), url_fetcher=fetcher).render(stylesheets=styles, font_config=fonts, **_OPTIONS)
    except FatalURLFetchingError as e:
        raise BuildError(base_url, f"{e.__cause__ or e}") from None


class SandboxFetcher(URLFetcher):
    """Reads files inside the given folders and data: URLs, and nothing else: no network,
    no file elsewhere on the machine, whatever a book or a stylesheet names."""

    def __init__(self, folders: list[Path]):
        super().__init__(allowed_protocols={"file", "data"}, allow_redirects=False, fail_on_errors=True)
        self.folders = [folder.resolve() for folder in folders]

    def fetch(self, url: str, headers=None):
        if urlsplit(url).scheme == "file":
            path = Path(url2pathname(urlsplit(url).path)).resolve()
            if not any(path.is_relative_to(folder) for folder in self.folders):
                raise ValueError(f"{url} is outside the styles folder: refused")
        elif not url.startswith("data:"):
            raise ValueError(f"{url}: only files of the book and data: URLs are read (offline build)")
        return super().fetch(url, headers)


def page_starts(document, text_start: str) -> list[PrintPage]:
    """Where each numbered page begins in the text: the first countable text laid out on it.

    The page box tree gives the text boxes in reading order; each belongs to the nearest block
    element with a data-block attribute (html.py), and the countable characters of that block
    laid out before it give the offset. Running heads, folios, list bullets, the notes and a
    table's header repeated on a later page are not the text's; inline code is skipped on both
    sides, a code block counted on both.
    """
    first = next(i for i, page in enumerate(document.pages) if text_start in page.anchors)
    counts: dict[str, int] = {}
    headers: set[str] = set()  # table header cells laid out on earlier pages
    starts = []
    for index, page in enumerate(document.pages):
        start, seen = None, set()
        for text, block, header in _flow_text(page._page_box, None, False):
            count = countable(text)
            if block is None or not count or header and block in headers:
                continue
            if start is None and index >= first:
                chapter, token = block.rsplit(":", 1)
                start = PrintPage(str(index - first + 1), chapter, int(token), counts.get(block, 0))
            counts[block] = counts.get(block, 0) + count
            if header:
                seen.add(block)
        headers |= seen
        if start:
            starts.append(start)
    return starts


def _flow_text(box, block: str | None, header: bool):
    """(text, block, in a table header) for the text boxes of the page's flow, in order."""
    if isinstance(box, (boxes.MarginBox, boxes.FootnoteAreaBox)):
        return
    element = getattr(box, "element", None)
    if element is not None and (
        box.element_tag == "code"  # inline code (a code block's lines, display: block, are not inside its <code> box)
        or "::" in box.element_tag  # generated text
        or element.get("class") in ("footnote", "footnote-call")
    ):
        return
    if element is not None and element.get("data-block"):
        block = element.get("data-block")
    header = header or getattr(box, "element_tag", None) == "thead"
    if isinstance(box, boxes.TextBox):
        yield box.text, block, header
    for child in getattr(box, "children", ()):
        yield from _flow_text(child, block, header)


def check_notes(book: Book, document) -> None:
    """Every note is printed whole, on the page of its (first) call: WeasyPrint never splits a
    note, moves one that does not fit below its call to a later page, and draws one taller than
    the page upward, over the text. Either stops the build, naming the note."""
    notes = {note.number: (chapter, note) for chapter in book.chapters for note in chapter.notes.values()}

    def error(number: int, problem: str) -> BuildError:
        chapter, note = notes[number]
        return BuildError(chapter.path, f"note [^{note.label}] (note {number}) {problem}", line=note.line)

    for page_number, page in enumerate(document.pages, 1):
        tall = _notes_over_the_text(page._page_box)
        if tall:
            raise error(tall[0], f"is too long for page {page_number}: WeasyPrint cannot split a note; shorten it, or make part of it text")
    page_of = {anchor: i + 1 for i, page in enumerate(document.pages) for anchor in page.anchors}
    for number, called, printed in misplaced_notes(page_of):
        where = f"on page {printed}" if printed else "nowhere"
        raise error(number, f"is called on page {called} but printed {where}: it does not fit below its call; shorten it")


def _notes_over_the_text(page_box) -> list[int]:
    """The numbers of the notes of a page whose note area begins above the page's text ends (or
    above the page's top): laid out upward over the text."""
    area = next((box for box in page_box.children if isinstance(box, boxes.FootnoteAreaBox)), None)
    if area is None or not area.children:
        return []
    text_bottom = max((line.position_y + line.height for line in _flow_lines(page_box)), default=page_box.content_box_y())
    if area.position_y >= min(text_bottom, page_box.content_box_y() + page_box.height) - 0.01:
        return []
    anchors = [read_anchor(box.element.get("id") or "") for box in area.children if box.element is not None]
    return [anchor[1] for anchor in anchors if anchor and anchor[0] == "note"]


def _flow_lines(box):
    """The line boxes of the page's text (not of its margin boxes or notes)."""
    if isinstance(box, (boxes.FootnoteAreaBox, boxes.MarginBox)):
        return
    if isinstance(box, boxes.LineBox):
        yield box
        return
    for child in getattr(box, "children", ()):
        yield from _flow_lines(child)


# Two WeasyPrint 70 layout bugs are worked around (workarounds.py); a WeasyPrint whose code differs
# from the one they were written for stops here, naming the workaround.
workarounds.apply()
