"""Languages and scripts: whether a language tag is sound BCP 47, which way a language is written,
which script a character is in, and the typography of a language's quotations and punctuation.

One place for what the configuration (book.toml's `language`), the renderers (`lang` and `dir` on
a span) and the lint (a run of another script with no language) ask. langcodes reads the tags
and knows each language's likely script (CLDR's likely subtags, bundled with it); fontTools knows
each character's script (the Unicode Character Database) and each script's direction.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache

import langcodes
from fontTools import unicodedata as ucd

# langcodes also reads "en_GB" (it mends the underscore); a tag written in a document may not.
_TAG_CHARACTERS = re.compile(r"[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*")

# Scripts that belong to no language: punctuation, digits and spaces (Common), combining marks
# (Inherited), and what Unicode has not assigned.
NEUTRAL_SCRIPTS = frozenset({"Zyyy", "Zinh", "Zzzz"})

# Latin letters and their diacritics, and the signs of no script (digits, punctuation, the
# General Punctuation block: dashes, curly quotes): a text of these alone (most of a book in a
# Latin script) holds no run of another script, and is passed by at the speed of one search.
_BEYOND_LATIN = re.compile("[^\u0000-\u024f\u1e00-\u1eff\u2000-\u206f]")

# The blocks of Unicode that hold every script written right to left: a text with none of them
# (every Latin-only book) is passed by at the speed of one search.
_MAYBE_RTL = re.compile("[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufeff\U00010800-\U00010fff\U0001e800-\U0001efff]")


@cache
def is_valid(tag: str) -> bool:
    """A well-formed BCP 47 tag whose subtags are registered ("ur", "en-GB", "pa-Arab")."""
    return bool(_TAG_CHARACTERS.fullmatch(tag)) and langcodes.tag_is_valid(tag)


@cache
def script(tag: str) -> str:
    """The script a language is written in, as ISO 15924: the tag's own ("ks-Deva") or its likely
    one ("ur" -> "Arab"); "Latn" for a tag that says nothing of it."""
    if not is_valid(tag):
        return "Latn"
    return langcodes.Language.get(tag).maximize().script or "Latn"


def direction(tag: str) -> str:
    """ "rtl" or "ltr": the direction of a language's script ("ur" and "ks-Arab" are rtl, "ur-Latn"
    ltr)."""
    return script_direction(script(tag))


def script_direction(code: str) -> str:
    return "rtl" if ucd.script_horizontal_direction(code, "LTR") == "RTL" else "ltr"


def char_script(char: str) -> str:
    """The script of one character (ISO 15924): "Arab" for ہ, "Zyyy" for a comma or a digit."""
    return str(ucd.script(char))


@cache
def beyond_latin(word: str) -> bool:
    """Whether a word has a letter of another script than Latin (an Urdu name in an English text)."""
    return not word.isascii() and any(char_script(c) not in NEUTRAL_SCRIPTS | {"Latn"} for c in word if c.isalpha())


def is_rtl_char(char: str) -> bool:
    """A letter of a script written right to left (a strong right-to-left character)."""
    return char_script(char) not in NEUTRAL_SCRIPTS and script_direction(char_script(char)) == "rtl"


def rtl_runs(text: str) -> Iterator[tuple[str, bool]]:
    """The text in pieces, each (piece, True) for a run of right-to-left script and (piece, False)
    for the rest. A run goes from its first right-to-left letter to its last before a letter of
    another script or the end, taking the spaces, digits and punctuation between its words; what
    stands around it (a comma after it, the brackets round it) stays outside."""
    if not _MAYBE_RTL.search(text):
        yield text, False
        return
    start = at = 0
    while at < len(text):
        if not is_rtl_char(text[at]):
            at += 1
            continue
        end = last = at
        while end < len(text):
            kind = char_script(text[end])
            if kind not in NEUTRAL_SCRIPTS:
                if not is_rtl_char(text[end]):
                    break
                last = end
            end += 1
        if at > start:
            yield text[start:at], False
        yield text[at : last + 1], True
        start = at = last + 1
    if start < len(text):
        yield text[start:], False


def foreign_runs(text: str, own: str) -> Iterator[tuple[int, str, str]]:
    """(offset, run, script) for each run of letters in a script other than `own` (the script of
    the language the text stands in), spaces and punctuation between its words included."""
    if own == "Latn" and not _BEYOND_LATIN.search(text):
        return
    at = 0
    while at < len(text):
        kind = char_script(text[at])
        if kind in NEUTRAL_SCRIPTS or kind == own:
            at += 1
            continue
        end = last = at
        while end < len(text):
            other = char_script(text[end])
            if other not in NEUTRAL_SCRIPTS:
                if other != kind:
                    break
                last = end
            end += 1
        yield at, text[at : last + 1], kind
        at = last + 1


# Quotation marks (outer open, outer close, inner open, inner close), from CLDR's delimiters
# (cldr-json main/<lang>/delimiters.json, CLDR 44), by tag then primary subtag. A language not
# listed is set with English marks. Babel does not expose CLDR's delimiters, and ICU's binding
# needs a C library: the few languages folio's books use are written here, and
# tests/test_book_languages.py holds them to CLDR's values.
_QUOTES = {
    "en": "“”‘’",
    "de": "„“‚‘",
    "de-ch": "«»‹›",
    "fr": "«»«»",
    "fr-ch": "«»‹›",
    "es": "«»“”",
    "it": "«»“”",
    "pt": "“”‘’",
    "pt-pt": "«»“”",
    "nl": "‘’“”",
    "ru": "«»„“",
    "pl": "„”«»",
    "ar": "”“’‘",
    "ur": "“”‘’",
}

NARROW_NBSP = "\u202f"


def is_english(language: str) -> bool:
    return language.split("-")[0].lower() == "en"


def ui_language(language: str) -> str:
    """The attributes that mark folio's own words (in English: "Contents", "Licence") in a page
    whose book is in another language, so that they are read out in English and set left to right."""
    return "" if is_english(language) else ' lang="en" dir="ltr"'


def quotes(language: str) -> str:
    """The four quotation marks of a language, as markdown-it's typographer takes them."""
    subtags = language.lower().split("-")
    return _QUOTES.get("-".join(subtags[:2]), _QUOTES.get(subtags[0], _QUOTES["en"]))


def spaced_punctuation(language: str) -> bool:
    """French sets a narrow no-break space inside « » and before ; : ! ? (Swiss French too)."""
    return language.split("-")[0].lower() == "fr"
