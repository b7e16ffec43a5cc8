"""The lint's dictionaries: Hunspell's, through Enchant (pyenchant), one per language.

A book is checked in its `language`, a span marked `[mot]{lang=fr}` in its own; each tag is
matched to the closest installed dictionary (langcodes), so that "en-GB" takes en_GB, "en-AU"
en_GB too, "de" de_DE. Debian's `hunspell-*` packages install them (bin/setup installs those
folio's books use). A language without one is not checked, and the lint says so once.
"""

from __future__ import annotations

import contextlib
import ctypes.util
import os
import threading
import unicodedata
from collections.abc import Iterator
from functools import cache

from .fileio import cache_folder

# Enchant prefers Aspell for English where both are installed (Debian's enchant.ordering):
# folio asks for Hunspell's dictionaries only, so that a machine's other packages change nothing.
PROVIDER = "hunspell"


# The file Debian's libenchant-2-2 installs: loaded by name, without ctypes' search for it.
LIBRARY = "libenchant-2.so.2"


def _import_enchant():
    """pyenchant finds its C library with ctypes.util.find_library, which runs ldconfig (10 ms of
    every lint); the library's file loads directly where it is installed under its usual name."""
    find = ctypes.util.find_library
    ctypes.util.find_library = lambda name: LIBRARY if name == "enchant-2" else find(name)
    try:
        import enchant
    except (ImportError, OSError):  # installed under another name: let pyenchant search
        ctypes.util.find_library = find
        try:
            import enchant
        except ImportError:
            raise ImportError("the Enchant library is not installed: bin/setup installs it (Debian's libenchant-2-2)") from None
    finally:
        ctypes.util.find_library = find
    return enchant


@cache
def _own_word_lists() -> None:
    """Enchant adds the user's own word lists (~/.config/enchant/en_GB.dic, where a desktop
    spell-checker's "Add to dictionary" writes) to every dictionary, and makes them when absent:
    the lint's findings would depend on who runs it. It reads them from a folder of folio's own,
    with no lists in it: a book's words.txt is its only list. (Set in the main thread, before
    any dictionary is asked for: Enchant reads it each time.)"""
    config = cache_folder("enchant")
    with contextlib.suppress(OSError):
        config.mkdir(parents=True, exist_ok=True)
    os.environ["ENCHANT_CONFIG_DIR"] = str(config)


@cache
def _broker():
    _own_word_lists()
    enchant = _import_enchant()  # the C library: loaded only when a word is checked
    broker = enchant.Broker()
    for tag in broker.list_languages():
        broker.set_ordering(tag, PROVIDER)
    return broker


@cache
def installed() -> dict[str, str]:
    """The installed Hunspell dictionaries: BCP 47 tag ("en-GB") -> Enchant's name ("en_GB")."""
    return {name.replace("_", "-"): name for name, provider in _broker().list_dicts() if provider.name == PROVIDER}


class Dictionary:
    """One language's dictionary, with the verdict on each word kept: a book repeats its words."""

    def __init__(self, tag: str):
        self.tag = tag
        self._dict = _broker().request_dict(installed()[tag])
        self._known: dict[str, bool] = {}
        self._suggested: dict[str, str | None] = {}

    def check(self, word: str) -> bool:
        known = self._known.get(word)
        if known is None:
            known = self._known[word] = self._dict.check(word)
        return known

    def suggestion(self, word: str) -> str | None:
        """The first word one edit away that the dictionary knows: another case, an accent added,
        two letters swapped, one left out, one added, one changed (in that order). Hunspell's own
        suggestions take 50 to 250 ms a word; these about 10 ms, so a draft full of slips stays quick."""
        if word not in self._suggested:
            self._suggested[word] = next((e for e in _edits(word) if e and e != word and self.check(e)), None)
        return self._suggested[word]


# The letters an edit adds or changes: the Latin alphabet and the accented letters of the
# dictionaries bin/setup installs (English, French, German).
LETTERS = "abcdefghijklmnopqrstuvwxyzàâäçéèêëîïôöùûüÿßœæ"


def _base(letter: str) -> str:
    return unicodedata.normalize("NFD", letter)[0]


def _edits(word: str) -> Iterator[str]:
    yield from (word.lower(), word.capitalize())
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    yield from (a + c + b[1:] for a, b in splits if b for c in LETTERS if c != b[0] and _base(c) == b[0])  # garcon: garçon
    yield from (a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1)
    yield from (a + b[1:] for a, b in splits if b)
    yield from (a + c + b for a, b in splits for c in LETTERS)
    yield from (a + c + b[1:] for a, b in splits if b for c in LETTERS if c != b[0])


_loading: list[threading.Thread] = []


def preload(tag: str) -> None:
    """Start loading a language's dictionary (about 60 ms for en_GB) in a thread, while the lint
    parses the book: Hunspell reads its files in C, and ctypes lets the parse run meanwhile."""
    _own_word_lists()
    thread = threading.Thread(target=_dictionary, args=(tag,), daemon=True)
    _loading.append(thread)
    thread.start()


def dictionary(tag: str) -> Dictionary | None:
    """The installed dictionary closest to a language tag, or None where no dictionary is near."""
    while _loading:  # one thread at a time in Enchant
        _loading.pop().join()
    return _dictionary(tag)


@cache
def _dictionary(tag: str) -> Dictionary | None:
    exact = {name.lower(): name for name in installed()}.get(tag.lower())
    if exact:  # "en-GB": no need of langcodes (its data takes 30 ms to import)
        return Dictionary(exact)
    import langcodes

    try:
        match = langcodes.closest_supported_match(tag, sorted(installed()))
    except (ValueError, LookupError):  # not a tag langcodes can read
        return None
    return Dictionary(match) if match else None
