"""The book face: which family, where its files are, and how to declare it to WeasyPrint.

The fonts come from a PyPI font package the project depends on, so every machine sets the
book in the same face, with no system font to fall back on.
"""

from __future__ import annotations

from pathlib import Path

import fontpkg

BOOK_FACE = "EB Garamond"


def font_face_css(family: str = BOOK_FACE) -> str:
    """@font-face rules for the family's files.

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


def face_credit(family: str = BOOK_FACE) -> str:
    """'EB Garamond 1.003 (OFL-1.1)': what the colophon says the book is set in."""
    info = fontpkg.family(family)
    return f"{info.name} {info.version} ({info.license})"
