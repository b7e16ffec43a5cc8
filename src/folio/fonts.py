"""The book face: which family, where its files are, and how to declare it to WeasyPrint and,
as WOFF2 (whole for the site, subsets for an EPUB), to browsers and reading systems.

The fonts come from a PyPI font package the project depends on, so every machine sets the
book in the same face, with no system font to fall back on.
"""

from __future__ import annotations

import functools
import hashlib
import html
import io
import re
import unicodedata
from collections.abc import Collection, Iterable
from pathlib import Path

import fontpkg

from .errors import BuildError
from .fileio import atomic_path, cache_folder, cached_text
from .languages import direction

BOOK_FACE = "EB Garamond"
ARABIC_FACE = "Amiri"
CODE_FACE = "Source Code Pro"
# The faces the print CSS names: the book face, one for Arabic script (Urdu, Persian, Arabic words
# in the text), and a monospaced one for code (falling back to the other two for what it lacks).
# Nothing else is used; uncovered characters are reported.
FACES = (BOOK_FACE, ARABIC_FACE, CODE_FACE)
# The packages that hold them (read by folio.imports: a new version rebuilds what sets type in them).
DATA_PACKAGES = ("fontpkg-eb-garamond", "fontpkg-amiri", "fontpkg-source-code-pro")


def font_face_css() -> str:
    """@font-face rules for each face's regular and bold, upright and italic."""
    return "\n".join(
        f'@font-face {{ font-family: "{family}"; src: url("{path.as_uri()}"); font-weight: {weight}; font-style: {style}; }}'
        for family in FACES
        for path, weight, style in static_fonts(family)
    )


@functools.cache
def covered(family: str | None = None) -> frozenset[int]:
    """The code points a face has a glyph for (without a face: any face of the book), read from
    its fonts' cmaps once per font version (0.05 s a face) and kept in the cache folder."""
    if family is None:
        return frozenset().union(*map(covered, FACES))
    info = fontpkg.family(family)
    text = cached_text(cache_folder("coverage") / f"{info.slug}-{info.version}.txt", lambda: " ".join(map(str, sorted(_cmap(info)))))
    return frozenset(map(int, text.split()))


def _cmap(info) -> set[int]:
    from fontTools.ttLib import TTFont

    return {point for font in info.files for point in TTFont(font.path, lazy=True).getBestCmap()}


# An HTML character reference, as Markdown decodes it: &#xD06; &#3334; &copy;
ENTITY = re.compile(r"(?<!\\)&(?:#[xX][0-9a-fA-F]{1,6}|#[0-9]{1,7}|[A-Za-z][A-Za-z0-9]{1,31});")


def entity_char(reference: str) -> str | None:
    """The character a reference stands for (None for an unknown name, or more than one character)."""
    char = html.unescape(reference)
    return char if len(char) == 1 and char != reference else None


def uncovered(text: str, family: str | None = None) -> list[tuple[int, int, str]]:
    """(line, column, character) of the first use of each character that no face covers (or
    that `family` does not), typed or written as a character reference (&#xD06;)."""
    points, seen, found = covered(family), set(), []
    for number, line in enumerate(text.splitlines(), start=1):
        chars = [(m.start() + 1, entity_char(m[0]) or "") for m in ENTITY.finditer(line)]
        for column, char in sorted([*enumerate(line, start=1), *chars]):
            if (
                char
                and ord(char) not in points
                and not char.isspace()
                and unicodedata.category(char) not in ("Cf", "Cc")
                and char not in seen
            ):
                seen.add(char)
                found.append((number, column, char))
    return found


def not_covered(char: str, family: str | None = None) -> str:
    """The build's and the lint's message for a character no face (or `family`) covers."""
    who = f"{family} has no glyph for" if family else "no font of the book covers"
    return f"{who} U+{ord(char):04X} {char} ({unicodedata.name(char, 'unnamed')})"


def coverage_errors(path: Path, text: str, family: str | None = None, key: str | None = None) -> list[BuildError]:
    """Each character of a file's text that no face of the book (or `family`) covers, at its first
    use: it would print in a fallback font, or as a box. With `key`, the text is that book.toml
    value (or several, for key ""): the error names the key rather than a line."""
    return [
        BuildError(path, f"{key}: {not_covered(char, family)}" if key else not_covered(char, family), code="S011")
        if key is not None
        else BuildError(path, not_covered(char, family), line=line, col=col, code="S011")
        for line, col, char in uncovered(text, family)
    ]


def font_file(family: str, style: str = "normal") -> Path:
    """The family's font file (a variable font, where the package has one) in a style."""
    return Path(next(f.path for f in fontpkg.family(family).files if f.style == style))


def is_variable(family: str, style: str = "normal") -> bool:
    """Whether font_file(family, style) is a variable font (EB Garamond's are, Amiri's are not)."""
    return next(f.variable for f in fontpkg.family(family).files if f.style == style)


def static_fonts(family: str) -> list[tuple[Path, int, str]]:
    """(file, weight, style) for the family, variable fonts made static once and cached.

    WeasyPrint would instantiate a variable font's every glyph on every PDF it writes (0.4 s a
    face here); a static instance is made once per font version and kept in the cache folder
    ($FOLIO_CACHE, or ~/.cache/folio).
    """
    info = fontpkg.family(family)
    cache = cache_folder("fonts")
    fonts = []
    for font in info.files:
        if not font.variable:
            fonts.append((Path(font.path), font.weight, font.style))
            continue
        for weight in (w for w in (400, 700) if font.covers(w)):
            target = cache / f"{info.slug}-{info.version}-{font.style}-{weight}.ttf"
            if not target.exists():
                _instantiate(Path(font.path), weight, target)
            fonts.append((target, weight, font.style))
    return fonts


def _instantiate(variable: Path, weight: int, target: Path) -> None:
    from fontTools.ttLib import TTFont
    from fontTools.varLib.instancer import instantiateVariableFont

    font = TTFont(variable)
    axes = {axis.axisTag: None for axis in font["fvar"].axes} | {"wght": weight}  # None: the default
    static = instantiateVariableFont(font, axes)
    static.recalcTimestamp = False  # the same bytes on every machine
    with atomic_path(target) as tmp:
        static.save(tmp)


def book_face(language: str) -> str:
    """The face a book's text is set in: Amiri for a book written right to left (print.css sets
    html[dir=rtl] in it; Hebrew, which Amiri lacks, is refused as any uncovered character is)."""
    return ARABIC_FACE if direction(language) == "rtl" else BOOK_FACE


def face_credit(family: str = BOOK_FACE) -> str:
    """'EB Garamond 1.003 (OFL-1.1)': what the colophon says the book is set in."""
    info = fontpkg.family(family)
    return f"{info.name} {info.version} ({info.license})"


def faces_for(chars: Iterable[int]) -> dict[str, frozenset[int]]:
    """The faces after the book face that a text needs, each with the characters of the text it
    sets: those the faces before it lack (Urdu words: Amiri), as the print CSS's font stack falls
    back. A text the book face covers needs none."""
    lacking = set(chars) - covered(BOOK_FACE)
    needed = {}
    for face in FACES[1:]:
        if mine := frozenset(lacking & covered(face)):
            needed[face] = mine
            lacking -= mine
    return needed


def unicode_range(points: Iterable[int]) -> str:
    """A CSS unicode-range for the code points, runs of neighbours as one range: U+627-62A, U+6C1."""
    ranges: list[list[int]] = []
    for point in sorted(set(points)):
        if ranges and point == ranges[-1][1] + 1:
            ranges[-1][1] = point
        else:
            ranges.append([point, point])
    return ", ".join(f"U+{lo:X}" if lo == hi else f"U+{lo:X}-{hi:X}" for lo, hi in ranges)


def font_face(family: str, url: str, weight: int, style: str, points: Iterable[int] = (), swap: bool = False) -> str:
    """An @font-face rule for a WOFF2 file, used only for `points` where given (unicode-range);
    `swap`: show the text in a fallback until the font has loaded (a web page, not an EPUB)."""
    used = sorted(points)
    return (
        f'@font-face {{ font-family: "{family}"; src: url("{url}") format("woff2"); font-weight: {weight}; font-style: {style};'
        + (" font-display: swap;" if swap else "")
        + (f" unicode-range: {unicode_range(used)};" if used else "")
        + " }"
    )


def woff2(font: Path, points: Collection[int] | None = None) -> bytes:
    """A font as WOFF2: whole, or a subset with the glyphs of `points` and what shaping them needs
    (fontTools keeps the layout features that join and place Arabic letters, and the glyphs they
    reach). The same bytes on every machine and every run: no timestamp is written."""
    from fontTools import subset
    from fontTools.ttLib import TTFont

    # lazy for a subset, as fontTools' own subsetter loads a font: only the glyphs kept are read
    compressed = TTFont(font, recalcTimestamp=False, lazy=True if points is not None else None)
    if points is not None:
        subsetter = subset.Subsetter(subset.Options())
        subsetter.populate(unicodes=points)
        subsetter.subset(compressed)
    compressed.flavor = "woff2"
    out = io.BytesIO()
    compressed.save(out)
    return out.getvalue()


def subset_fonts(face: str, points: Collection[int]) -> list[tuple[str, int, str, bytes]]:
    """(name, weight, style, WOFF2 bytes) of a subset of each of the face's styles, for `points`:
    what an EPUB embeds. Made once per font version and set of characters, kept in the cache folder."""
    info = fontpkg.family(face)
    digest = hashlib.sha256(" ".join(map(str, sorted(points))).encode()).hexdigest()[:16]
    fonts = []
    for path, weight, style in static_fonts(face):
        name = f"{info.slug}-{style}-{weight}"
        target = cache_folder("woff2") / f"{info.slug}-{info.version}-{style}-{weight}-{digest}.woff2"
        if not target.exists():
            with atomic_path(target) as tmp:
                tmp.write_bytes(woff2(path, points))
        fonts.append((name, weight, style, target.read_bytes()))
    return fonts
