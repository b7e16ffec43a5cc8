"""What a book's language (a BCP 47 tag) decides beyond hyphenation: the direction its script is
written in, and the typography of its quotations and punctuation."""

from __future__ import annotations

# Languages written right to left (their primary subtags) and scripts that are, for a tag such as
# "ur" or "ks-Arab"; "ur-Latn" is left to right.
_RTL_LANGUAGES = {"ar", "arc", "ckb", "dv", "fa", "he", "iw", "ks", "ku", "ps", "sd", "syr", "ug", "ur", "yi"}
_RTL_SCRIPTS = {"arab", "hebr", "syrc", "thaa", "nkoo", "adlm", "rohg", "mand", "samr"}
_LTR_SCRIPTS = {"latn", "cyrl", "deva", "grek"}

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


def direction(language: str) -> str:
    """ "rtl" or "ltr": the direction of a BCP 47 tag's script, written or implied."""
    subtags = [s.lower() for s in language.split("-")]
    script = next((s for s in subtags[1:] if len(s) == 4 and s.isalpha()), None)
    if script in _RTL_SCRIPTS:
        return "rtl"
    if script in _LTR_SCRIPTS:
        return "ltr"
    return "rtl" if subtags[0] in _RTL_LANGUAGES else "ltr"


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
