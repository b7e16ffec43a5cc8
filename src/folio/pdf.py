"""Print HTML -> the two PDFs, laid out once by WeasyPrint (the only module that imports it).

Import this module only inside a task's action: importing WeasyPrint takes 0.2 s even without
its library search (below).
"""

from __future__ import annotations

import contextlib
import ctypes.util
import datetime as dt
import inspect
import logging
import os
from dataclasses import dataclass
from math import inf
from pathlib import Path
from typing import TypeVar
from urllib.parse import urlsplit
from urllib.request import url2pathname

from .config import PrintConfig
from .errors import BuildError
from .fileio import atomic_path
from .fonts import FACES, coverage_errors, font_face_css, static_fonts
from .model import Book, PrintPage, countable, notes_off_their_pages
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
    import weasyprint
# The rest of WeasyPrint, once it is imported as above.
from weasyprint import CSS, HTML
from weasyprint.formatting_structure import boxes
from weasyprint.layout import block as block_layout
from weasyprint.layout import inline
from weasyprint.text import line_break
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import FatalURLFetchingError, URLFetcher

T = TypeVar("T")


@dataclass
class Written:
    """What write_pdfs made: page counts, the print pages' starts, and the problems found."""

    pages: int
    print_pages: int
    starts: list[PrintPage]
    problems: list[str]


def write_pdfs(ctx: RenderContext, html: str) -> Written:
    """Write the tagged download PDF and the print interior from one layout where they can share it.

    Both have the print edition's pages, so that a page number cited from one is right in the
    other. The interior is laid out again only when book.toml asks for bleed or crop marks, and
    is padded with blank pages to an even count (or a multiple of 4); it is written in a forked
    process while this one writes the download PDF. The problems are WeasyPrint's warnings (an
    ignored CSS rule, a missing glyph), which would otherwise vanish into its logger, and notes
    printed off their call's page. `html` is the book's print document (html.print_document).
    """
    config, base_url, stylesheet = ctx.config, ctx.book.folder, ctx.stylesheet
    download, printed = ctx.files.laid_out_pdf, ctx.files.laid_out_print
    text_start = ctx.book.chapters[0].id  # the element the text begins with: page 1
    warnings = _WarningCollector()
    logging.getLogger("weasyprint").addHandler(warnings)
    try:
        with _source_date_epoch(config.timestamp):
            document = _render(html, base_url, stylesheet, page_css(config.print, for_printer=False))
            notes_off = notes_off_their_call_page(document)
            starts = page_starts(document, text_start)

            def write_interior(target: Path) -> tuple[int, list[str]]:
                """The interior's page count, and the problems found while making it."""
                before, interior, problems = len(warnings.messages), document, []
                if config.print.bleed or config.print.crop_marks:
                    interior = _render(html, base_url, stylesheet, page_css(config.print, for_printer=True))
                    problems = notes_off_their_call_page(interior)
                interior = _padded(interior, config.print)
                interior.write_pdf(target)
                return len(interior.pages), warnings.messages[before:] + problems

            with atomic_path(download) as tmp_download, atomic_path(printed) as tmp_printed:
                interior = Forked(lambda: write_interior(tmp_printed))
                try:
                    document.write_pdf(tmp_download, **_OPTIONS)
                except BaseException:
                    interior.cancel()
                    raise
                print_pages, print_problems = interior()
    finally:
        logging.getLogger("weasyprint").removeHandler(warnings)
    return Written(len(document.pages), print_pages, starts, warnings.messages + notes_off + print_problems)


def check_coverage(book: Book) -> None:
    """Stop at the first character no face of the book covers: it would print in a fallback font."""
    config_text = " ".join([book.config.title, book.config.subtitle or "", *book.config.authors])
    for error in [
        *(error for chapter in book.chapters for error in coverage_errors(chapter.path, chapter.text)),
        *coverage_errors(book.folder / "book.toml", config_text, key=""),
    ]:
        raise error


def page_css(settings: PrintConfig, for_printer: bool) -> str:
    """The page size from book.toml; bleed and crop marks only in the printer's copy."""
    rules = [f"size: {settings.trim};"]
    if for_printer and settings.bleed:
        rules.append(f"bleed: {settings.bleed};")
    if for_printer and settings.crop_marks:
        rules.append("marks: crop;")
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


class _WarningCollector(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


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
    table's header repeated on a later page are not the text's; code is skipped on both sides.
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
        box.element_tag in ("code", "pre")
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


def notes_off_their_call_page(document) -> list[str]:
    """Every note must be printed on the page of its call: name the ones that are not."""
    return notes_off_their_pages({anchor: i + 1 for i, page in enumerate(document.pages) for anchor in page.anchors})


# WeasyPrint 70's split_first_line measures a text run that ends in a space before an inline
# element (<em>, <a>, a footnote) with that space counted, finds it a hair too wide, and keeps
# only the run's first word on the line. Pango lets the trailing space hang, and so does the
# rest of WeasyPrint; this wrapper does the same. tests/test_pdf.py checks the result on
# real pages, so an upgrade that fixes (or moves) the bug shows there.
_split_first_line = line_break.split_first_line


def _split_first_line_letting_spaces_hang(text, style, context, max_width, justification_spacing, is_line_start=True, minimum=False):
    result = _split_first_line(text, style, context, max_width, justification_spacing, is_line_start, minimum)
    broken = result[2] is not None
    if (
        broken
        and max_width not in (None, inf)
        and style["white_space"] in ("normal", "pre-line")
        and text.endswith(" ")
        and "\n" not in text
    ):
        stripped = text.rstrip(" ")
        layout = line_break.create_layout(stripped, style, context, max_width, justification_spacing)
        line, index = layout.get_first_line()
        if index is None and line_break.line_size(line, style)[0] <= max_width:
            return _split_first_line(text, style, context, None, justification_spacing, is_line_start, minimum)
    return result


# WeasyPrint 70 also moves a page's last footnotes to the next page to fit one more line of a
# paragraph at the foot of the page (`report` in layout/block.py's _linebox_layout), whatever
# the note's footnote-policy, and may then lose them for a page: notes end up pages away from
# their calls. With that turned off, the line goes to the next page instead, as footnote-policy:
# line asks. notes_off_their_call_page() checks every build.
_REPORT_FOOTNOTES = "report = not context.in_column and can_break_now and not could_break_before"


def _keep_footnotes_on_their_page() -> None:
    source = inspect.getsource(block_layout._linebox_layout)
    if _REPORT_FOOTNOTES in source:
        patched = source.replace(_REPORT_FOOTNOTES, "report = False")
        exec(compile(patched, block_layout.__file__, "exec"), block_layout.__dict__)  # noqa: S102  # redefines _linebox_layout


if weasyprint.__version__.split(".")[0] == "70":
    inline.split_first_line = _split_first_line_letting_spaces_hang
    _keep_footnotes_on_their_page()
