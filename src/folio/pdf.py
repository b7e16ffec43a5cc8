"""Print HTML -> the two PDFs, laid out once by WeasyPrint (the only module that imports it).

Import this module only inside a task's action: `import weasyprint` alone takes half a second.
"""

from __future__ import annotations

import logging
from pathlib import Path

import fontpkg
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration

from .fileio import atomic_path

BOOK_FACE = "EB Garamond"


def font_face_css(family: str = BOOK_FACE) -> str:
    """@font-face rules for the book face, from the font package the project depends on.

    WeasyPrint takes no weight range in @font-face, so a variable font is declared once for
    the regular and once for the bold weight; it then sets the font's weight axis itself.
    """
    rules = []
    for font in fontpkg.family(family).files:
        weights = [w for w in (400, 700) if font.covers(w)] if font.variable else [font.weight]
        for weight in weights:
            rules.append(
                f'@font-face {{ font-family: "{family}"; src: url("{Path(font.path).as_uri()}"); '
                f"font-weight: {weight}; font-style: {font.style}; }}")
    return "\n".join(rules)


def write_pdfs(html: str, base_url: Path, stylesheet: Path, download: Path, printed: Path
               ) -> tuple[int, list[str]]:
    """Lay the document out once, write the tagged download PDF and the print PDF.

    Returns the page count and WeasyPrint's warnings (an ignored CSS rule, a missing glyph),
    which would otherwise vanish into its logger.
    """
    warnings = _WarningCollector()
    logging.getLogger("weasyprint").addHandler(warnings)
    try:
        pages = _write_pdfs(html, base_url, stylesheet, download, printed)
    finally:
        logging.getLogger("weasyprint").removeHandler(warnings)
    return pages, warnings.messages


class _WarningCollector(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def _write_pdfs(html: str, base_url: Path, stylesheet: Path, download: Path, printed: Path) -> int:
    options = {"pdf_variant": "pdf/ua-1"}
    fonts = FontConfiguration()
    styles = [CSS(string=font_face_css(), font_config=fonts),
              CSS(filename=str(stylesheet), font_config=fonts)]
    document = HTML(string=html, base_url=str(base_url)).render(
        stylesheets=styles, font_config=fonts, **options)
    with atomic_path(download) as tmp:
        document.write_pdf(tmp, **options)
    with atomic_path(printed) as tmp:
        document.write_pdf(tmp)
    return len(document.pages)
