"""Content checks: what a copy editor would catch, and proof that the edition says what its source says.

Each finding is one line, `path:line:col: CODE message`, with a stable code grouped by kind (see
CODES). A book accepts a finding on purpose in its own folder, never by changing this module:
`words.txt` lists words the dictionary lacks, `lint-allow.toml` accepts findings by code and text,
with the reason.

A book's chapters are read through the same parser and transforms as the build, so the structure
checks are the build's own; the text checks read the words of each paragraph, heading, table cell
and note with the Markdown blanked out, so that every offset still gives the line and column.
"""

from __future__ import annotations

import difflib
import fnmatch
import re
import tomllib
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache
from importlib import metadata
from pathlib import Path

from .config import ALLOW_FILE, WORDS_FILE, load_config
from .errors import BuildError
from .fileio import cache_folder, cached_text, write_text
from .fonts import not_covered, uncovered
from .parse import parse
from .transforms import prepare_book

CODES = {
    "D001": "a paragraph repeats an earlier one, or nearly",
    "D002": "a sentence repeats an earlier one, or nearly",
    "W001": "a doubled word",
    "W002": "a word in neither the dictionary nor the book's words.txt",
    "V001": "one word spelled with -ise and with -ize",
    "V002": "one name spelled two ways",
    "V003": "one name capitalized two ways",
    "V004": "dates written in two styles",
    "T001": "a straight quote the typographer cannot settle",
    "T002": "a hyphen in a range of numbers",
    "T003": "an abbreviation without its last full stop",
    "S001": "a heading level that jumps",
    "S002": "an empty section",
    "S003": "a chapter without its one level-1 title, or an empty heading",
    "S004": "a note called but not defined",
    "S005": "a note defined twice",
    "S006": "a note defined but never called",
    "S007": "a note that calls another note",
    "S008": "a link that points nowhere",
    "S009": "an image that points nowhere",
    "S010": "raw HTML",
    "S011": "a character no font of the book covers",
    "F001": "an edition sentence that is not in the source",
    "F002": "a change to the source that the Note on the text does not record",
    "F003": "a passage of the source left out with no record",
}

MARKDOWN_SUFFIXES = {".md", ".markdown"}

# Doubles that English means: "had had", "that that", "move in in order to".
TRUE_DOUBLES = ("had had", "that that", "is is", "in in order")
DUPLICATE_PARAGRAPH = 0.6  # share of a paragraph's three-word runs found in an earlier one
DUPLICATE_SENTENCE = 0.8
MIN_PARAGRAPH_WORDS = 20
MIN_SENTENCE_WORDS = 8

_MONTH = r"(?:January|February|March|April|May|June|July|August|September|October|November|December)"
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")
_SENTENCE_END = re.compile(r"[.!?][\"'”’)\]]*(?=\s+[\"'“‘(\[]*[A-Z0-9])")
_URL = re.compile(r"\b(?:https?|ftp)://[^\s<>]+|\bwww\.[^\s<>]+")
_FOLD = str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"', "–": "-", "—": "-", "\u00a0": " "})


def _blank(text: str) -> str:
    return re.sub(r"[^\n]", " ", text)


def fold(text: str) -> str:
    """Typography folded away, one character for one: curly quotes, dashes, no-break spaces."""
    return text.translate(_FOLD)


@dataclass(frozen=True, order=True)
class Finding:
    path: Path
    line: int
    col: int
    code: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.col}: {self.code} {self.message}"


@dataclass
class Prose:
    """The words of one paragraph, heading, table cell or note of a file.

    `text` has the Markdown blanked out to spaces, so an offset in it still gives the line and
    column in the file; `checked` also blanks what the text checks leave alone (words the edition
    quotes from its source).
    """

    path: Path
    kind: str  # "heading", "text", "note" or "cell"
    text: str
    starts: list[tuple[int, int]]  # (line, column) where each line of `text` begins in the file
    sections: tuple[str, ...] = ()  # the headings it stands under, outermost first
    column: str = ""  # a table cell's column heading
    checked: str = ""

    def __post_init__(self) -> None:
        self.checked = self.checked or _URL.sub(lambda m: _blank(m[0]), self.text)

    def where(self, offset: int) -> tuple[int, int]:
        row = self.text.count("\n", 0, offset)
        line, col = self.starts[row]
        return line, col + offset - (self.text.rfind("\n", 0, offset) + 1)

    def finding(self, offset: int, code: str, message: str) -> Finding:
        return Finding(self.path, *self.where(offset), code, message)


@dataclass(frozen=True)
class Accept:
    code: str
    text: str
    file: str | None


@dataclass
class Context:
    """What a book folder says about its text: the words it uses and the findings it accepts."""

    words: frozenset[str] = frozenset()
    accepted: tuple[Accept, ...] = ()

    def keeps(self, finding: Finding) -> bool:
        return not any(a.code == finding.code and a.text in finding.message
                       and (a.file is None or fnmatch.fnmatch(finding.path.name, a.file)) for a in self.accepted)


# --- Reading --------------------------------------------------------------------------------

def read_context(folder: Path) -> Context:
    words_file, allow_file = folder / WORDS_FILE, folder / ALLOW_FILE
    words = set()
    if words_file.is_file():
        for line in words_file.read_text(encoding="utf-8").splitlines():
            line = line.split("#", 1)[0].strip()
            if line:
                words.add(fold(line).lower())
    accepted = []
    if allow_file.is_file():
        try:
            data = tomllib.loads(allow_file.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
            raise BuildError(allow_file, f"not valid TOML: {e}") from e
        for key in data.keys() - {"accept"}:
            raise BuildError(allow_file, f"{key}: unknown key (entries are [[accept]] tables)")
        for n, entry in enumerate(data.get("accept", []), 1):
            if not isinstance(entry, dict) or set(entry) - {"code", "text", "why", "file"} or not all(
                    isinstance(entry.get(k), str) and entry[k].strip() for k in ("code", "text", "why")):
                raise BuildError(allow_file, f"accept #{n}: needs code, text and why (strings), and may name a file")
            if entry["code"] not in CODES:
                raise BuildError(allow_file, f"accept #{n}: {entry['code']!r} is not a lint code")
            accepted.append(Accept(entry["code"], entry["text"], entry.get("file")))
    return Context(frozenset(words), tuple(accepted))


_CODE_SPAN = re.compile(r"(`+).+?\1", re.S)
_AUTOLINK = re.compile(r"<[A-Za-z][\w+.-]*:[^<>\s]*>")
_HTML = re.compile(r"<!--.*?-->|</?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?/?>", re.S)
_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
_NOTE_CALL = re.compile(r"\[\^[^\]\s]+\]")
_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_ESCAPE = re.compile(r"\\(?=[!-/:-@\[-`{-~])")
_EMPHASIS = re.compile(r"\*+|(?<!\w)_+|_+(?!\w)")


def _mask(content: str) -> tuple[str, list[tuple[int, str]]]:
    """Markdown inline markup blanked out, length for length; and the raw HTML found on the way."""
    html: list[tuple[int, str]] = []

    def tag(m: re.Match) -> str:
        html.append((m.start(), m[0]))
        return _blank(m[0])

    text = _CODE_SPAN.sub(lambda m: _blank(m[0]), content)
    text = _AUTOLINK.sub(lambda m: _blank(m[0]), text)
    text = _HTML.sub(tag, text)
    text = _IMAGE.sub(lambda m: _blank(m[0]), text)
    text = _NOTE_CALL.sub(lambda m: _blank(m[0]), text)
    text = _LINK.sub(lambda m: " " + m[1] + _blank(m[0][len(m[1]) + 1:]), text)
    text = _ESCAPE.sub(" ", text)
    text = _EMPHASIS.sub(lambda m: _blank(m[0]), text)
    return text, html


def _place(lines: list[str], first: int, content: str, start_col: int = 0) -> list[tuple[int, int]]:
    """Where each line of an inline's content begins in the file (1-based line and column)."""
    starts = []
    for k, part in enumerate(content.split("\n")):
        raw = lines[first + k] if first + k < len(lines) else ""
        col = raw.find(part, start_col if k == 0 else 0) if part else -1
        if col < 0:
            col = len(raw) - len(raw.lstrip())
        starts.append((first + k + 1, col + 1))
    return starts


def markdown_prose(path: Path, text: str) -> tuple[list[Prose], list[Finding]]:
    """The prose of a Markdown file, and its raw HTML as findings (S010)."""
    lines = text.splitlines()
    prose: list[Prose] = []
    html: list[Finding] = []
    sections: list[tuple[int, str]] = []
    in_note = 0
    header: list[str] = []
    cell = 0
    row_col = 0
    in_head = False
    tokens = parse(text)
    for i, token in enumerate(tokens):
        if token.type == "footnote_reference_open":
            in_note += 1
        elif token.type == "footnote_reference_close":
            in_note -= 1
        elif token.type == "thead_open":
            in_head, header = True, []
        elif token.type == "thead_close":
            in_head = False
        elif token.type == "tr_open":
            cell, row_col = 0, 0
        elif token.type == "inline" and token.map:
            parent = tokens[i - 1]
            kind = "note" if in_note else "text"
            column = ""
            if parent.type == "heading_open":
                kind = "heading"
                level = int(parent.tag[1])
                title = "".join(c.content for c in token.children or [] if c.type in ("text", "code_inline"))
                sections = [s for s in sections if s[0] < level] + [(level, title.strip())]
            elif parent.type in ("th_open", "td_open"):
                kind = "cell"
                if in_head:
                    header.append(token.content.strip())
                else:
                    column = header[cell] if cell < len(header) else ""
                cell += 1
            masked, tags = _mask(token.content)
            unit = Prose(path, kind, masked, _place(lines, token.map[0], token.content, row_col),
                         tuple(title for _, title in sections), column)
            if kind == "cell":  # the next cell of the row stands further right
                row_col = unit.starts[0][1] - 1 + len(token.content)
            prose.append(unit)
            html += [unit.finding(offset, "S010", f"raw HTML {tag[:40]!r} is printed as text")
                     for offset, tag in tags]
    return prose, html


def _looks_like_heading(line: str) -> bool:
    return len(line.split()) <= 12 and not re.search(r"[.!?:;,\"”'’]$", line)


def text_prose(path: Path, text: str) -> list[Prose]:
    """A plain-text file's prose: each line a paragraph, short lines without a full stop headings."""
    prose = []
    section: tuple[str, ...] = ()
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        kind = "heading" if _looks_like_heading(line.strip()) else "text"
        if kind == "heading":
            section = (line.strip(),)
        prose.append(Prose(path, kind, line, [(n, 1)], section))
    return prose


def read_prose(path: Path) -> tuple[list[Prose], list[Finding]]:
    try:
        text = path.read_bytes().decode("utf-8").removeprefix("\ufeff")
    except OSError as e:
        raise BuildError(path, f"cannot read: {e.strerror}") from e
    except UnicodeDecodeError as e:
        raise BuildError(path, f"not UTF-8: byte {e.start} cannot be decoded") from None
    if path.suffix.lower() in MARKDOWN_SUFFIXES:
        return markdown_prose(path, text)
    return text_prose(path, text), []


# --- Words ----------------------------------------------------------------------------------

@cache
def _dictionary():
    """pyspellchecker, for suggestions (one edit away: two edits cost half a second a word):
    loaded only when a word is unknown."""
    from spellchecker import SpellChecker

    return SpellChecker(language="en", distance=1)


@cache
def _known_words() -> frozenset[str]:
    """pyspellchecker's English word list, kept as plain text in the cache folder: it reads in
    0.02 s, where pyspellchecker takes 0.15 s to load its own."""
    version = metadata.version("pyspellchecker")
    path = cache_folder("words") / f"pyspellchecker-{version}-en.txt"
    return frozenset(cached_text(path, lambda: "\n".join(sorted(_dictionary().word_frequency.keys()))).split("\n"))


# British spellings the (American) dictionary lacks, mapped to the form it has.
_ISE = (re.compile(r"([iy])s(e|es|ed|ing|ation|ations|er|ers)$"), r"\1z\2")  # realise, analyse
_VARIETIES = [_ISE] + [(re.compile(a), b) for a, b in [
    (r"our(s|ed|ing|ite|ites|able)?$", r"or\1"),  # colour, favourite
    (r"tre(s|d)?$", r"ter\1"),  # centre
    (r"ence$", r"ense"),  # defence
    (r"ll(ed|ing|er|ers)$", r"l\1"),  # travelled
    (r"ogue(s)?$", r"og\1"),  # catalogue
]]


def _ize(word: str) -> str:
    return _ISE[0].sub(_ISE[1], word)


def _in_dictionary(word: str) -> bool:
    known = _known_words()
    word = word.lower()
    return word in known or any(pattern.search(word) and pattern.sub(to, word) in known for pattern, to in _VARIETIES)


@dataclass
class Word:
    text: str  # as written, without a possessive 's
    unit: Prose
    offset: int

    @property
    def key(self) -> str:
        return fold(self.text).lower()


def _words(units: Iterable[Prose]) -> Iterator[Word]:
    """The words of the prose: letters (with inner apostrophes), hyphenated parts one by one,
    leaving out parts of numbers (1980s, AK-47) and affixes cited as such (-ize)."""
    for unit in units:
        text = unit.checked
        for m in _WORD.finditer(text):
            before, after = text[max(0, m.start() - 2):m.start()], text[m.end():m.end() + 2]
            if (before[-1:].isdigit() or re.match(r"-?\d|\.\w", after)  # 1980s, AK-47, file.txt
                    or re.search(r"(^|\W)-$|\w\.$", before)):  # -ize, file.txt
                continue
            word = re.sub(r"['’]s$", "", m[0])
            yield Word(word, unit, m.start())


def check_doubled_words(units: list[Prose]) -> list[Finding]:
    findings = []
    for unit in units:
        for m in re.finditer(r"\b([^\W\d_]+)\s+(\1)\b", unit.checked, re.IGNORECASE):
            phrase = " ".join(unit.checked[m.start():m.start() + 40].lower().split())
            if not any(phrase.startswith(double) for double in TRUE_DOUBLES):
                findings.append(unit.finding(m.start(2), "W001", f"doubled word {' '.join(m[0].split())!r}"))
    return findings


def _latin(word: str) -> bool:
    """Words in another script (Urdu, Greek) are not for an English dictionary."""
    return all("LATIN" in unicodedata.name(c, "") for c in word if c.isalpha())


@cache
def _suggestion(word: str) -> str | None:
    return _dictionary().correction(word)


def check_spelling(words: list[Word], context: Context, skip: set[str]) -> list[Finding]:
    findings = []
    for word in words:
        key = word.key
        if key in skip or key in context.words or not _latin(key) or _in_dictionary(key):
            continue
        guess = _suggestion(key)
        hint = f" (did you mean {guess!r}?)" if guess and guess != key else ""
        findings.append(word.unit.finding(word.offset, "W002", f"{word.text!r} is in neither the dictionary "
                                          f"nor {WORDS_FILE}{hint}"))
    return findings


def _pointer(unit: Prose, offset: int, here: Path) -> str:
    """Where an earlier occurrence is: 'line 10' in the same file, 'other.md:10' in another."""
    line = unit.where(offset)[0]
    return f"line {line}" if unit.path == here else f"{unit.path.name}:{line}"


Occurrence = tuple[str, str, str, Prose, int]  # key, spelling, as written, unit, offset


def _variants(occurrences: list[Occurrence], code: str, message, in_headings: bool = True) -> list[Finding]:
    """Where one key is spelled two ways, report each occurrence of the rarer spellings (of the later,
    when as common), pointing at the first occurrence of the usual one."""
    groups: dict[str, list[Occurrence]] = defaultdict(list)
    for occurrence in occurrences:
        groups[occurrence[0]].append(occurrence)
    findings = []
    for group in groups.values():
        counts = Counter(spelling for _, spelling, *_ in group)
        if len(counts) < 2:
            continue
        order = list(dict.fromkeys(spelling for _, spelling, *_ in group))
        usual = max(order, key=lambda s: (counts[s], -order.index(s)))
        _, _, shown, first, first_offset = next(o for o in group if o[1] == usual)
        for _, spelling, written, unit, offset in group:
            if spelling != usual and (in_headings or unit.kind != "heading"):
                findings.append(unit.finding(offset, code, message(written, shown, _pointer(first, first_offset, unit.path))))
    return findings


def _name_key(word: str) -> str:
    """One key for the spellings of a transliterated name: Pucca ~ Pakka, Qila ~ Qilla, Pushtun ~ Pashtun."""
    key = re.sub(r"[cq]", "k", word)
    key = re.sub(r"(.)\1+", r"\1", key)
    return re.sub(r"[aeiou]", "a", key)


def check_variants(units: list[Prose], words: list[Word]) -> tuple[list[Finding], set[str]]:
    """V001 to V004; and the names V002 reports, which the spelling check leaves to it."""
    ize = [(_ize(w.key), w.key, w.text, w.unit, w.offset) for w in words
           if re.search(r"[iy][sz](e|es|ed|ing|ation|ations|er|ers)$", w.key)]
    findings = _variants(ize, "V001", lambda s, u, at: f"{s!r} here, {u!r} at {at}: spell the word one way")

    names = [(_name_key(w.key), w.key, w.text, w.unit, w.offset) for w in words
             if len(w.key) > 3 and not _in_dictionary(w.key)]
    findings += _variants(names, "V002", lambda s, u, at: f"{s!r} and {u!r} ({at}) look like one name spelled two ways")
    spellings = defaultdict(set)
    for key, spelling, *_ in names:
        spellings[key].add(spelling)

    capitals, dates = [], []
    for unit in units:
        unit_words = list(_words([unit]))
        for a, b in zip(unit_words, unit_words[1:]):
            if a.text[:1].isupper() and not unit.checked[a.offset + len(a.text):b.offset].strip() \
                    and not _sentence_start(unit.checked, a.offset):
                written = f"{a.text} {b.text}"
                capitals.append((f"{a.text} {b.key}", written, written, unit, a.offset))
        for m in re.finditer(rf"\b{_MONTH} \d{{1,2}}, \d{{4}}\b|\b\d{{1,2}} {_MONTH} \d{{4}}\b", unit.checked):
            style = "month day, year" if m[0][0].isalpha() else "day month year"
            dates.append(("date", style, m[0], unit, m.start()))
    findings += _variants(capitals, "V003", lambda s, u, at: f"{s!r} here, {u!r} at {at}: capitalize the name one way",
                          in_headings=False)  # headings are counted, but capitalized in their own style
    findings += _variants(dates, "V004", lambda s, u, at: f"{s!r}: the book writes its dates as {u!r} ({at}), "
                          "one style for all")
    return findings, {s for group in spellings.values() if len(group) > 1 for s in group}


def _sentence_start(text: str, offset: int) -> bool:
    before = text[:offset].rstrip(" \"'“‘(")
    return not before.strip() or before[-1] in ".!?:"


# --- Typography -----------------------------------------------------------------------------

_QUOTES = "'\"‘’“”"


def check_typography(units: list[Prose], markdown: bool) -> list[Finding]:
    """In Markdown the typographer curls quotes; a straight one it leaves stays ambiguous. A plain
    text is set by nobody, so there every straight quote outside a word is."""
    from .parse import make_parser

    findings = []
    for unit in units:
        text = unit.checked
        quotes = [m.start() for m in re.finditer(r"['\"]", text)]
        if quotes and markdown:  # the k-th quote mark of the text is the k-th of the typographer's output
            marks = [i for i, c in enumerate(text) if c in _QUOTES]
            inline = make_parser().parseInline(text)[0].children or []
            output = [c for child in inline if child.type == "text" for c in child.content if c in _QUOTES]
            quotes = [i for i, c in zip(marks, output) if c in "'\""]
        elif quotes:
            quotes = [q for q in quotes if not (text[q - 1:q].isalpha() and text[q + 1:q + 2].isalpha())]
        for q in quotes:
            findings.append(unit.finding(q, "T001", f"straight quote {text[q]} stays ambiguous: write "
                                         f"{'“ or ”' if text[q] == chr(34) else '‘ or ’'}"))
        for m in re.finditer(r"(?<![\w.,-])\d{1,4}-\d{1,4}(?![\w-])", text):
            findings.append(unit.finding(m.start(), "T002", f"{m[0]!r}: a range takes an en dash "
                                         f"({m[0].replace('-', '–')})"))
        for m in re.finditer(r"\b(?:[A-Z]\.)+[A-Z]\b(?!\.)", text):
            findings.append(unit.finding(m.start(), "T003", f"{m[0]!r} lacks its last full stop"))
    return findings


# --- Duplicates -----------------------------------------------------------------------------

def _norm_words(text: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(fold(text))]


def _shingles(words: list[str], n: int = 3) -> set[tuple[str, ...]]:
    return {tuple(words[i:i + n]) for i in range(len(words) - n + 1)}


def _near_duplicates(items: list[set], threshold: float) -> dict[int, tuple[int, float]]:
    """For each item, the first earlier one that holds `threshold` of its (or that one's) shingles."""
    index: dict[tuple, list[int]] = defaultdict(list)
    found = {}
    for k, shingles in enumerate(items):
        shared: Counter[int] = Counter()
        for s in shingles:
            shared.update(index[s])
        for j in sorted(shared):
            score = shared[j] / min(len(shingles), len(items[j]))
            if score >= threshold:
                found[k] = (j, score)
                break
        for s in shingles:
            index[s].append(k)
    return found


def sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence of a text."""
    spans, start = [], 0
    for m in _SENTENCE_END.finditer(text):
        spans.append((start, m.end()))
        start = m.end()
    spans.append((start, len(text)))
    return [(a + len(text[a:b]) - len(text[a:b].lstrip()), b) for a, b in spans if text[a:b].strip()]


def check_duplicates(units: list[Prose]) -> list[Finding]:
    paragraphs = [u for u in units if u.kind in ("text", "note") and len(_norm_words(u.checked)) >= MIN_PARAGRAPH_WORDS]
    findings = []
    repeated = set()
    for k, (j, score) in _near_duplicates([_shingles(_norm_words(u.checked)) for u in paragraphs],
                                          DUPLICATE_PARAGRAPH).items():
        unit, first = paragraphs[k], paragraphs[j]
        repeated.add(id(unit))
        offset = len(unit.checked) - len(unit.checked.lstrip())
        findings.append(unit.finding(offset, "D001", f"paragraph repeats the one at "
                                     f"{_pointer(first, 0, unit.path)} ({score:.0%} alike)"))
    spans = [(u, a, _norm_words(u.checked[a:b])) for u in units if u.kind in ("text", "note")
             for a, b in sentences(u.checked)]
    spans = [(u, a, words) for u, a, words in spans if len(words) >= MIN_SENTENCE_WORDS]
    for k, (j, score) in _near_duplicates([_shingles(words) for _, _, words in spans], DUPLICATE_SENTENCE).items():
        (unit, offset, _), (first, first_offset, _) = spans[k], spans[j]
        if id(unit) not in repeated:
            findings.append(unit.finding(offset, "D002", f"sentence repeats the one at "
                                         f"{_pointer(first, first_offset, unit.path)} ({score:.0%} alike)"))
    return findings


# --- Structure ------------------------------------------------------------------------------

def check_structure(folder: Path) -> list[Finding]:
    """The build's own checks (headings, notes, links, images, fonts), every problem rather than
    the first; and empty sections."""
    problems: list[BuildError] = []
    book = prepare_book(folder, report=problems.append)
    lines = {chapter.path: chapter.text.splitlines() for chapter in book.chapters}
    findings = []
    for error in problems:
        line = error.line or 1
        text = lines[error.path][line - 1] if line <= len(lines[error.path]) else ""
        col = text.find(error.mark) if error.mark and error.mark in text else len(text) - len(text.lstrip())
        findings.append(Finding(error.path, line, col + 1, error.code, error.message))  # the transforms give each a code
    for chapter in book.chapters:
        findings += check_characters(chapter.path, chapter.text)
        heads = [(i, int(t.tag[1])) for i, t in enumerate(chapter.tokens) if t.type == "heading_open"]
        for n, (i, level) in enumerate(heads):
            after, after_level = heads[n + 1] if n + 1 < len(heads) else (len(chapter.tokens), 0)
            if after == i + 3 and after_level <= level:  # heading_open, inline, heading_close, then the next
                title = chapter.tokens[i + 1].content
                findings.append(Finding(chapter.path, chapter.tokens[i].map[0] + 1, 1, "S002",
                                        f"section {title!r} is empty"))
    return findings


def check_characters(path: Path, text: str) -> list[Finding]:
    """Each character no face of the book covers (the build's own check), at its first use in the file."""
    return [Finding(path, line, col, "S011", not_covered(char)) for line, col, char in uncovered(text)]


# --- Fidelity -------------------------------------------------------------------------------

_TOKEN = re.compile(r"\w+|[-–—]+|[^\w\s]")
_QUOTED = re.compile(r"“[^“”]*”|‘[^‘’]*’|\"[^\"]*\"")
_REMARK = re.compile(r"\s*\([^()]*\)\s*$")
_SEP = "\x1f"


@cache
def _squeeze(text: str) -> str:
    return " ".join(fold(text).split())


def mark_citations(units: list[Prose], source: str) -> None:
    """Blank, for the text checks, the words the edition quotes from its source: a quotation found
    word for word in the source, and the Source column of the emendations table."""
    source = _squeeze(source)
    for unit in units:
        if unit.kind == "cell" and unit.column == "Source":
            unit.checked = _blank(unit.text)
            continue
        for m in _QUOTED.finditer(unit.text):
            if source and _squeeze(m[0][1:-1]) in source:
                unit.checked = unit.checked[:m.start()] + _blank(m[0]) + unit.checked[m.end():]


@dataclass
class Tokens:
    """The tokens of one or more passages, each with where it stands, for aligning edition and source."""

    values: list[str] = field(default_factory=list)
    places: list[tuple[Prose, int, int]] = field(default_factory=list)
    _found: dict[tuple[str, ...], list[tuple[int, int]]] = field(default_factory=dict, repr=False)

    @classmethod
    def of(cls, units: Iterable[Prose]) -> Tokens:
        tokens = cls()
        for unit in units:
            for m in _TOKEN.finditer(unit.text):
                tokens.values.append("-" if m[0][0] in "-–—" else fold(m[0]))
                tokens.places.append((unit, m.start(), m.end()))
        return tokens

    def text(self, i: int, j: int) -> str:
        """The passage from token i to token j (exclusive), as written."""
        pieces: list[tuple[Prose, int, int]] = []
        for unit, start, end in self.places[max(i, 0):max(j, 0)]:
            if pieces and pieces[-1][0] is unit:
                pieces[-1] = (unit, pieces[-1][1], end)
            else:
                pieces.append((unit, start, end))
        return " ".join(" ".join(unit.text[start:end].split()) for unit, start, end in pieces)

    def find(self, needle: tuple[str, ...]) -> list[tuple[int, int]]:
        """(start, end) of each place the needle's tokens stand; remembered, as every difference
        of a passage asks each row of the Note on the text again."""
        if needle not in self._found:
            n, values = len(needle), self.values
            self._found[needle] = [(i, i + n) for i, value in enumerate(values)
                                   if n and value == needle[0] and tuple(values[i:i + n]) == needle]
        return self._found[needle]


@cache
def _values(text: str) -> tuple[str, ...]:
    return tuple(Tokens.of([Prose(Path(), "text", text, [(1, 1)])]).values)


@dataclass
class Emendation:
    """A row of the Note on the text's table: where, the source's reading, the edition's."""

    section: str
    source: str
    edition: str
    cell: Prose
    used: bool = False

    @property
    def left_out(self) -> bool:
        return self.edition.lower().startswith("left out")

    def spans(self, tokens: Tokens, reading: str) -> list[tuple[int, int]]:
        """Where a reading stands among the tokens: as written, or without a trailing remark in
        parentheses ('(second copy)'); a reading that ends in '…' runs to the end of its sentence."""
        values = tokens.values
        for text in (reading, _REMARK.sub("", reading)):
            needle = _values(text)
            if needle[-1:] == ("…",):
                return [(a, next((k + 1 for k in range(b - 1, len(values)) if values[k] in ".!?"), len(values)))
                        for a, b in tokens.find(needle[:-1])]
            if found := tokens.find(needle):
                return found
        return []

    def explains(self, hunk: tuple[str, int, int, int, int], source: Tokens, edition: Tokens) -> bool:
        _, i1, i2, j1, j2 = hunk
        if not any(a <= i1 and i2 <= b for a, b in self.spans(source, self.source)):
            return False
        if self.left_out:
            return j1 == j2
        return any(a <= j1 and j2 <= b for a, b in self.spans(edition, self.edition))


def emendations(units: list[Prose]) -> list[Emendation]:
    """The rows of every table with the columns Section, Source and Edition."""
    rows: dict[tuple[Path, int], dict[str, Prose]] = defaultdict(dict)
    for unit in units:
        if unit.kind == "cell" and unit.column in ("Section", "Source", "Edition"):
            rows[unit.path, unit.starts[0][0]][unit.column] = unit
    return [Emendation(*(" ".join(r[c].text.split()) for c in ("Section", "Source", "Edition")), r["Source"])
            for r in rows.values() if len(r) == 3]


def _ngrams(values: list[str]) -> set[tuple[str, ...]]:
    words = [v.lower() for v in values if v[0].isalnum()]
    return _shingles(words, min(3, len(words)))


def _slide(opcodes: list, source: list[str], edition: list[str]) -> list:
    """Move each insertion and deletion as far right as the same text allows, so that an added
    sentence comes out as 'It was so.' rather than '. It was so'."""
    moved = []
    for tag, i1, i2, j1, j2 in opcodes:
        if tag == "insert":
            while j2 < len(edition) and i1 < len(source) and edition[j1] == edition[j2] == source[i1]:
                i1, i2, j1, j2 = i1 + 1, i2 + 1, j1 + 1, j2 + 1
        elif tag == "delete":
            while i2 < len(source) and j1 < len(edition) and source[i1] == source[i2] == edition[j1]:
                i1, i2, j1, j2 = i1 + 1, i2 + 1, j1 + 1, j2 + 1
        moved.append((tag, i1, i2, j1, j2))
    return moved


@dataclass
class Alignment:
    unit: Prose
    edition: Tokens
    source: Tokens | None  # None: no passage of the source is like it
    paragraphs: tuple[int, ...] = ()
    hunks: list[tuple[tuple[str, int, int, int, int], Emendation | None]] = field(default_factory=list)
    matched: float = 0.0


def _align(unit: Prose, paragraphs: list[Prose], tokens: list[Tokens], index, rows: list[Emendation]) -> Alignment:
    """The source paragraph (or two, run together) this passage of the edition comes from, with each
    difference and the row that records it: the candidate that leaves the fewest unrecorded."""
    edition = Tokens.of([unit])
    joined = _SEP + _SEP.join(edition.values) + _SEP
    for k, t in sorted(enumerate(tokens), key=lambda kt: kt[1].values != edition.values):  # the same first
        if joined in _SEP + _SEP.join(t.values) + _SEP:
            return Alignment(unit, edition, t, (k,), matched=1.0)
    shared: Counter[int] = Counter()
    for gram in _ngrams(edition.values):
        shared.update(index.get(gram, ()))
    candidates = []
    for k, _ in shared.most_common(3):
        candidates += [(k,), (k - 1, k), (k, k + 1)]
    best = Alignment(unit, edition, None)
    for ks in dict.fromkeys(c for c in candidates if 0 <= min(c) and max(c) < len(paragraphs)):
        source = Tokens.of(paragraphs[k] for k in ks)
        sections = {s for k in ks for s in paragraphs[k].sections} | set(unit.sections)
        here = [r for r in rows if _squeeze(r.section) in {_squeeze(s) for s in sections}]
        opcodes = _slide(difflib.SequenceMatcher(None, source.values, edition.values, autojunk=False).get_opcodes(),
                         source.values, edition.values)
        hunks = [(h, next((r for r in here if r.explains(h, source, edition)), None))
                 for h in opcodes if h[0] != "equal"]
        matched = sum(j2 - j1 for tag, _, _, j1, j2 in opcodes if tag == "equal") / max(1, len(edition.values))
        candidate = Alignment(unit, edition, source, ks, hunks, matched)
        if best.source is None or (sum(r is None for _, r in hunks), -matched) < \
                (sum(r is None for _, r in best.hunks), -best.matched):
            best = candidate
    if best.matched < 0.5:
        return Alignment(unit, edition, None)
    return best


def check_fidelity(edition: list[Prose], source: list[Prose], rows: list[Emendation], source_path: Path,
                   ) -> tuple[list[Finding], str]:
    """Every passage of the edition against the source: F findings, and the report of every difference."""
    paragraphs = [u for u in source if u.kind in ("text", "heading")]
    tokens = [Tokens.of([p]) for p in paragraphs]
    index: dict[tuple, list[int]] = defaultdict(list)
    for k, t in enumerate(tokens):
        for gram in _ngrams(t.values):
            index[gram].append(k)
    alignments = [_align(u, paragraphs, tokens, index, rows) for u in edition]

    findings, report, used = [], [], set()

    def where(unit: Prose, offset: int = 0, col: bool = False) -> str:
        line, column = unit.where(offset)
        return f"{unit.path.name}:{line}" + (f":{column}" if col else "")

    for a in alignments:
        used.update(a.paragraphs)
        spans = sentences(a.unit.text)
        if a.source is None:
            report.append(f"{where(a.unit)}  NOT IN THE SOURCE")
            findings += [a.unit.finding(start, "F001", "sentence is not in the source") for start, _ in spans]
            continue
        origin = ", ".join(f"{source_path.name}:{paragraphs[k].starts[0][0]}" for k in a.paragraphs)
        report.append(f"{where(a.unit)}  {'~' if a.hunks else '='} {origin}")
        # Each token's sentence; a change belongs to the sentences of its tokens (a deletion, to the
        # sentence where it happens).
        owner = [max((start for start, _ in spans if start <= offset), default=0) for _, offset, _ in a.edition.places]
        size = Counter(owner)
        new: Counter[int] = Counter()
        unrecorded: dict[int, list[tuple[int, str]]] = defaultdict(list)
        for (_tag, i1, i2, j1, j2), row in a.hunks:
            at = a.edition.places[min(j1, len(owner) - 1)][1]
            change = f"«{a.source.text(i1 - 1, i2 + 1)}» → «{a.edition.text(j1 - 1, j2 + 1)}»"
            if row:
                row.used = True
            report.append(f"    {where(a.unit, at, col=True)}  {change}  "
                          f"{f'recorded at {where(row.cell)}' if row else 'NOT RECORDED'}")
            if row is None:
                new.update(owner[j1:j2])
                for sentence in set(owner[j1:j2]) or {owner[min(j1, len(owner) - 1)]}:
                    unrecorded[sentence].append((at, change))
        for sentence, changes in unrecorded.items():
            if new[sentence] > size[sentence] / 2:
                findings.append(a.unit.finding(sentence, "F001", "sentence is not in the source"))
            else:
                at, change = changes[0]
                more = f" (and {len(changes) - 1} more in the sentence)" if len(changes) > 1 else ""
                findings.append(a.unit.finding(at, "F002", f"{change} changes the source ({origin}){more}, "
                                               "and the Note on the text does not record it"))

    report.append("\nLeft out of the edition")
    for k, paragraph in enumerate(paragraphs):
        if k in used:
            continue
        sections = {_squeeze(s) for s in paragraph.sections}
        row = next((r for r in rows if r.left_out and _squeeze(r.section) in sections
                    and (r.spans(tokens[k], r.source) or not any(r.spans(t, r.source) for t in tokens))), None)
        if row:
            row.used = True
        text = paragraph.text if len(paragraph.text) < 70 else paragraph.text[:60].rstrip() + "…"
        report.append(f"{source_path.name}:{paragraph.starts[0][0]}  «{text}»  "
                      f"{f'recorded at {where(row.cell, 0)}' if row else 'NOT RECORDED'}")
        if row is None:
            findings.append(paragraph.finding(0, "F003", "left out of the edition, and the Note on the text "
                                              "does not record it"))
    report.append("\nRows of the Note on the text that no difference uses (typography only, which the comparison "
                  "folds away, or a row to check)")
    report += [f"{where(r.cell, 0)}  {r.source} → {r.edition}" for r in rows if not r.used]
    head = (f"Fidelity of the edition to {source_path.name}: each passage of the edition (= as in the source, "
            f"~ changed), each difference, and the row of the Note on the text that records it.\n"
            f"{len(findings)} finding(s).\n")
    return findings, head + "\n".join(report) + "\n"


# --- Books and files ------------------------------------------------------------------------

def _editorial(units: list[Prose]) -> set[Path]:
    """Chapters that hold an emendations table are the editors' own words, not the edition's text."""
    return {u.path for u in units if u.kind == "cell" and u.column == "Edition"}


def _text_checks(units: list[Prose], context: Context, markdown: bool) -> list[Finding]:
    words = list(_words(units))
    findings, names = check_variants(units, words)
    findings += check_duplicates(units)
    findings += check_doubled_words(units)
    findings += check_spelling(words, context, names)
    findings += check_typography(units, markdown)
    return findings


@dataclass
class Result:
    findings: list[Finding]
    fidelity: str | None = None  # the fidelity report, where the book names its source


def lint_book(folder: Path) -> Result:
    """Every check on a book: its chapters as one text, and against its source if it names one."""
    config = load_config(folder / "book.toml")
    context = read_context(folder)
    findings = check_structure(folder)
    units: list[Prose] = []
    for chapter in config.chapters:
        prose, html = read_prose(folder / chapter)
        units += prose
        findings += html
    source_path = folder / config.source_text if config.source_text else None
    if source_path and not source_path.is_file():
        raise BuildError(folder / "book.toml", f"source_text: {config.source_text!r} is not a file of the book folder")
    source = read_prose(source_path)[0] if source_path else []
    mark_citations(units, "\n".join(u.text for u in source))
    findings += _text_checks(units, context, markdown=True)
    report = None
    if source_path:
        editorial = _editorial(units)
        edition = [u for u in units if u.path not in editorial and u.kind in ("text", "heading", "cell")]
        fidelity, report = check_fidelity(edition, source, emendations(units), source_path)
        findings += fidelity
    order = {folder / c: n for n, c in enumerate(config.chapters)}
    findings = sorted({f for f in findings if context.keeps(f)},
                      key=lambda f: (order.get(f.path, len(order)), f.path, f.line, f.col, f.code))
    return Result(findings, report)


def lint_file(path: Path, folder: Path | None = None) -> list[Finding]:
    """A file on its own (a raw source, a draft): the text checks, with the words and accepted
    findings of the book folder it stands in, if any."""
    context = read_context(folder) if folder else Context()
    units, html = read_prose(path)
    markdown = path.suffix.lower() in MARKDOWN_SUFFIXES
    findings = html + _text_checks(units, context, markdown)
    if markdown:  # a text file is not typeset
        findings += check_characters(path, path.read_text(encoding="utf-8"))
    return sorted({f for f in findings if context.keeps(f)})


def fidelity_report(folder: Path) -> Path:
    """build/<slug>/fidelity.txt, beside the book's content/ folder (wherever the lint was run from)."""
    folder = folder.resolve()
    return folder.parent.parent / "build" / folder.name / "fidelity.txt"


def lint_path(path: Path) -> list[Finding]:
    """A book folder (writing its fidelity report), a chapter of a book (the book's findings in that
    chapter), or any other Markdown or text file."""
    if (path / "book.toml").is_file():
        result = lint_book(path)
        if result.fidelity is not None:
            write_text(fidelity_report(path), result.fidelity)
        return result.findings
    if not path.is_file():
        raise BuildError(path, "no such book folder or file")
    folder = next((p for p in path.resolve().parents if (p / "book.toml").is_file()), None)
    if folder and path.resolve() in {(folder / c).resolve() for c in load_config(folder / "book.toml").chapters}:
        return [f for f in lint_book(folder).findings if f.path.resolve() == path.resolve()]
    return lint_file(path, folder)
