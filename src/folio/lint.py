"""Content checks: what a copy editor would catch, and proof that the edition says what its source says.

Each finding is one line, `path:line:col: CODE message`, with a stable code grouped by kind (see
CODES). A book accepts a finding on purpose in its own folder, never by changing this module:
`words.txt` lists words the dictionary lacks, `lint-allow.toml` accepts findings by code and text,
with the reason.

A book's chapters are read through the same parser and transforms as the build, so the structure
checks are the build's own; the text checks read the words of each paragraph, heading, table cell
and note with the Markdown blanked out (prose.py), so that every offset still gives the line and
column; the comparison with the book's source is fidelity.py's.
"""

from __future__ import annotations

import fnmatch
import itertools
import os
import re
import tomllib
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from markdown_it.token import Token

from .config import ALLOW_FILE, WORDS_FILE, BookConfig, LimitsConfig, load_config, toml_error
from .errors import BuildError
from .fidelity import check_fidelity, emendations, mark_citations
from .fileio import Refused, book_file, write_text
from .fonts import ENTITY, coverage_errors, entity_char
from .languages import beyond_latin, foreign_runs, is_valid, script
from .load import read_utf8
from .project import Project
from .prose import FILL, MARKDOWN_SUFFIXES, Finding, Prose, fold, read_prose, sentences, shingles
from .spelling import dictionary, preload
from .transforms import prepare_book

CODES = {
    "D001": "a paragraph repeats an earlier one, or nearly",
    "D002": "a sentence repeats an earlier one, or nearly",
    "W001": "a doubled word",
    "W002": "a word in neither the dictionary of its language nor the book's words.txt",
    "V001": "one word spelled with -ise and with -ize",
    "V002": "one name spelled two ways",
    "V003": "one name capitalized two ways",
    "V004": "dates written in two styles",
    "T001": "a straight quote the typographer cannot settle",
    "T002": "a hyphen in a range of numbers",
    "T003": "an abbreviation without its last full stop",
    "S001": "a heading level that jumps",
    "S002": "an empty section",
    "S003": "a chapter without its one level-1 title (an untitled opening with any), or an empty heading",
    "S004": "a note called but not defined",
    "S005": "a note defined twice",
    "S006": "a note defined but never called",
    "S007": "a note that calls another note",
    "S008": "a link that points nowhere",
    "S009": "an image that is not a sound image file of the book (images.py)",
    "S010": "raw HTML",
    "S011": "a character no font of the book covers",
    "S012": "a control character",
    "S013": "a word longer than the book's limit",
    "S015": "a lang that is not a BCP 47 tag, another attribute in braces, or braces with none",
    "L001": "a run of another script with no language marked",
    "F001": "an edition sentence that is not in the source",
    "F002": "a change to the source that the Note on the text does not record",
    "F003": "a passage of the source left out with no record",
}

# Notes: what the lint could not check, said once; not findings (the build goes on).
NOTES = {"N001": "words not spell-checked: no dictionary for their language is installed"}
DEFAULT_LANGUAGE = "en"  # a file checked on its own, outside any book
SUGGESTED = 100  # misspelt words the lint suggests a spelling for
SUGGESTED_LENGTH = 20  # and their longest (a longer one takes 0.2 s)


# What the build refuses, whatever the lint accepts (transforms.py and fonts.py raise them): an
# allow list cannot accept these.
REFUSED = frozenset({"S001", "S003", "S004", "S005", "S006", "S007", "S008", "S009", "S011", "S012", "S013", "S015"})

# Doubles that English means: "had had", "that that", "move in in order to".
TRUE_DOUBLES = ("had had", "that that", "is is", "in in order")
DUPLICATE_PARAGRAPH = 0.6  # share of a paragraph's three-word runs found in an earlier one
DUPLICATE_SENTENCE = 0.8
MIN_PARAGRAPH_WORDS = 20
MIN_SENTENCE_WORDS = 8
COMMON = 50  # a run of three words in this many paragraphs is common phrasing, no sign of a repeat

_MONTH = r"(?:January|February|March|April|May|June|July|August|September|October|November|December)"
_WORD = re.compile(rf"(?:[^\W\d_]|{FILL})+(?:['’](?:[^\W\d_]|{FILL})+)*")  # FILL: a letter written as a reference


@dataclass(frozen=True)
class Accept:
    code: str
    text: str
    file: str | None


@dataclass
class Context:
    """What a book folder says about its text: the words it uses, the findings it accepts, and its
    configuration (which parser reads it)."""

    words: frozenset[str] = frozenset()
    accepted: tuple[Accept, ...] = ()
    config: BookConfig | None = None

    def keeps(self, finding: Finding) -> bool:
        return not any(
            a.code == finding.code and a.text in finding.message and (a.file is None or fnmatch.fnmatch(finding.path.name, a.file))
            for a in self.accepted
        )


# --- Reading --------------------------------------------------------------------------------


def _book_text(folder: Path, name: str, config: BookConfig | None) -> str | None:
    """One of the book's own text files (words.txt, lint-allow.toml), or None where it has none."""
    if not os.path.lexists(folder / name):
        return None
    limit = (config.limits if config else LimitsConfig()).file_size
    try:
        return read_utf8(book_file(folder, name, limit))
    except Refused as e:
        raise BuildError(folder / name, str(e)) from None
    except OSError as e:
        raise BuildError(folder / name, f"cannot read: {e.strerror}") from None


def read_context(folder: Path, config: BookConfig | None = None) -> Context:
    words = set()
    for line in (_book_text(folder, WORDS_FILE, config) or "").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            words.add(fold(line).lower())
    allow_file, allow = folder / ALLOW_FILE, _book_text(folder, ALLOW_FILE, config)
    accepted = []
    if allow is not None:
        try:
            data = tomllib.loads(allow)
        except tomllib.TOMLDecodeError as e:
            raise toml_error(allow_file, e, allow) from None
        headers = [n for n, line in enumerate(allow.splitlines(), 1) if re.match(r"\s*(\[\[\s*accept\s*\]\]|accept\s*=)", line)]
        for key in data.keys() - {"accept"}:
            raise BuildError(allow_file, f"{key}: unknown key (entries are [[accept]] tables)")
        entries = data.get("accept", [])
        if not isinstance(entries, list):
            raise BuildError(allow_file, "accept: must be [[accept]] tables", line=headers[0] if headers else None)
        for n, entry in enumerate(entries, 1):
            at = headers[n - 1] if n <= len(headers) else None
            if (
                not isinstance(entry, dict)
                or set(entry) - {"code", "text", "why", "file"}
                or not all(isinstance(entry.get(k), str) and entry[k].strip() for k in ("code", "text", "why"))
                or not isinstance(entry.get("file", ""), str)
            ):
                raise BuildError(allow_file, f"accept #{n}: needs code, text and why (strings), and may name a file", line=at)
            if entry["code"] not in CODES:
                raise BuildError(allow_file, f"accept #{n}: {entry['code']!r} is not a lint code", line=at)
            if entry["code"] in REFUSED:
                raise BuildError(
                    allow_file,
                    f"accept #{n}: {entry['code']} ({CODES[entry['code']]}) cannot be accepted: the build refuses it anyway; fix the text",
                    line=at,
                )
            accepted.append(Accept(entry["code"], entry["text"], entry.get("file")))
    return Context(frozenset(words), tuple(accepted), config)


# --- Words ----------------------------------------------------------------------------------


# -ise and -ize, for V001: realise ~ realize, analyse ~ analyze.
_ISE = (re.compile(r"([iy])s(e|es|ed|ing|ation|ations|er|ers)$"), r"\1z\2")


def _ize(word: str) -> str:
    return _ISE[0].sub(_ISE[1], word)


@dataclass
class Word:
    text: str  # as written, without a possessive 's
    unit: Prose
    offset: int
    lang: str | None = None  # the language marked on it, or None: the book's

    @property
    def key(self) -> str:
        return fold(self.text).lower()


def _words(units: Iterable[Prose]) -> Iterator[Word]:
    """The words of the prose: letters (with inner apostrophes), hyphenated parts one by one,
    leaving out parts of numbers (1980s, AK-47) and affixes cited as such (-ize)."""
    for unit in units:
        text = unit.checked
        for m in _WORD.finditer(text):
            before, after = text[max(0, m.start() - 2) : m.start()], text[m.end() : m.end() + 2]
            if (
                before[-1:].isdigit()
                or re.match(r"-?\d|\.\w", after)  # 1980s, AK-47, file.txt
                or re.search(r"(^|\W)-$|\w\.$", before)
            ):  # -ize, file.txt
                continue
            if any(c.isnumeric() for c in m[0]):  # ½, ³: signs, not words
                continue
            word = re.sub(r"['’]s$", "", m[0].replace(FILL, ""))
            yield Word(word, unit, m.start(), unit.lang(m.start()) if unit.langs else None)


def check_doubled_words(units: list[Prose]) -> list[Finding]:
    findings = []
    for unit in units:
        for m in re.finditer(r"\b([^\W\d_]+)\s+(\1)\b", unit.checked, re.IGNORECASE):
            phrase = " ".join(unit.checked[m.start() : m.start() + 40].lower().split())
            if not any(phrase.startswith(double) for double in TRUE_DOUBLES):
                findings.append(unit.finding(m.start(2), "W001", f"doubled word {' '.join(m[0].split())!r}"))
    return findings


def _spelled(words: list[Word], context: Context) -> tuple[list[bool | None], list[Finding]]:
    """Each word's verdict in its language's dictionary (None: not checked); and a note (N001) for
    each language with no dictionary installed, at its first word, with how many words it leaves
    unchecked. A word of another script than its language's (an Urdu name in an English book) is
    not checked: L001 asks for its language. (A Latin word in a Russian text is checked: its
    dictionary finds it or not.)"""
    book = context.config.language if context.config else DEFAULT_LANGUAGE
    verdicts: list[bool | None] = []
    unchecked: dict[str, list[Word]] = defaultdict(list)
    for word in words:
        tag = word.lang or book
        if not is_valid(tag):  # refused (S015): no language to check it in
            verdicts.append(None)
            continue
        found = dictionary(tag)
        written = fold(word.text)
        if found is None:
            unchecked[tag].append(word)
            verdicts.append(None)
        elif len(written) > 60:  # no dictionary word is that long: a run of letters over 60 is no word to suggest for
            verdicts.append(True)
        elif beyond_latin(written) and script(found.tag) == "Latn":  # an Urdu name in English
            verdicts.append(None)
        else:
            before = word.unit.checked[word.offset - 1 : word.offset]
            verdicts.append(found.check(written) or before in ("'", "’") and found.check("'" + written))  # 'twas
    notes = []
    for what, group in unchecked.items():
        first, count = group[0], f"{len(group)} word{'s' * (len(group) > 1)}"
        message = f"{count} in {what!r} not spell-checked: no Hunspell dictionary for {what!r} is installed"
        notes.append(first.unit.finding(first.offset, "N001", message))
    return verdicts, notes


def check_spelling(words: list[Word], verdicts: list[bool | None], context: Context, skip: set[str]) -> list[Finding]:
    """W002 for each word its dictionary lacks, with a suggestion for the first SUGGESTED of them
    (about 10 ms each: a text of garbage must not take minutes)."""
    findings = []
    book = context.config.language if context.config else DEFAULT_LANGUAGE
    suggested: set[tuple[str | None, str]] = set()
    for word, known in zip(words, verdicts):
        key = word.key
        if known is not False or key in skip or key in context.words:
            continue
        found = dictionary(word.lang or book)
        asked = (word.lang, word.text)
        if len(suggested) < SUGGESTED and len(word.text) <= SUGGESTED_LENGTH:
            suggested.add(asked)
        guess = found.suggestion(fold(word.text)) if found and asked in suggested else None
        hint = f" (did you mean {guess!r}?)" if guess and guess != word.text else ""
        where = f"the {found.tag} dictionary" if found else "the dictionary"
        findings.append(word.unit.finding(word.offset, "W002", f"{word.text!r} is in neither {where} nor {WORDS_FILE}{hint}"))
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
        order = {s: n for n, s in enumerate(dict.fromkeys(spelling for _, spelling, *_ in group))}  # first use of each
        usual = max(order, key=lambda s: (counts[s], -order[s]))
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


def check_variants(units: list[Prose], words: list[Word], verdicts: list[bool | None]) -> tuple[list[Finding], set[str]]:
    """V001 to V004; and the names V002 reports (among the words no dictionary knows), which the
    spelling check leaves to it."""
    ize = [(_ize(w.key), w.key, w.text, w.unit, w.offset) for w in words if re.search(r"[iy][sz](e|es|ed|ing|ation|ations|er|ers)$", w.key)]
    findings = _variants(ize, "V001", lambda s, u, at: f"{s!r} here, {u!r} at {at}: spell the word one way")

    names = [(_name_key(w.key), w.key, w.text, w.unit, w.offset) for w, known in zip(words, verdicts) if len(w.key) > 3 and known is False]
    findings += _variants(names, "V002", lambda s, u, at: f"{s!r} and {u!r} ({at}) look like one name spelled two ways")
    spellings = defaultdict(set)
    for key, spelling, *_ in names:
        spellings[key].add(spelling)

    capitals, dates = [], []
    for unit in units:
        unit_words = list(_words([unit]))
        for a, b in itertools.pairwise(unit_words):
            if (
                a.text[:1].isupper()
                and not unit.checked[a.offset + len(a.text) : b.offset].strip()
                and not _sentence_start(unit.checked, a.offset)
            ):
                written = f"{a.text} {b.text}"
                capitals.append((f"{a.text} {b.key}", written, written, unit, a.offset))
        for m in re.finditer(rf"\b{_MONTH} \d{{1,2}}, \d{{4}}\b|\b\d{{1,2}} {_MONTH} \d{{4}}\b", unit.checked):
            style = "month day, year" if m[0][0].isalpha() else "day month year"
            dates.append(("date", style, m[0], unit, m.start()))
    findings += _variants(
        capitals, "V003", lambda s, u, at: f"{s!r} here, {u!r} at {at}: capitalize the name one way", in_headings=False
    )  # headings are counted, but capitalized in their own style
    findings += _variants(dates, "V004", lambda s, u, at: f"{s!r}: the book writes its dates as {u!r} ({at}), one style for all")
    return findings, {s for group in spellings.values() if len(group) > 1 for s in group}


def _sentence_start(text: str, offset: int) -> bool:
    before = text[max(0, offset - 200) : offset].rstrip(" \"'“‘(")  # a window: not the whole text again for each word
    return not before.strip() or before[-1] in ".!?:"


# --- Typography -----------------------------------------------------------------------------

_QUOTES = "'\"‘’“”"


def check_typography(units: list[Prose], markdown: bool, config: BookConfig | None = None) -> list[Finding]:
    """In Markdown the typographer curls quotes; a straight one it leaves stays ambiguous. A plain
    text is set by nobody, so there every straight quote outside a word is."""
    from .parse import ParserConfig, make_parser

    findings = []
    marks_of = set(_QUOTES + ParserConfig.of(config).quotes)  # the language's marks too: « » „
    for unit in units:
        text = unit.checked
        quotes = [m.start() for m in re.finditer(r"['\"]", text)]
        if quotes and markdown:  # the k-th quote mark of the text is the k-th of the typographer's output
            marks = [i for i, c in enumerate(text) if c in marks_of]
            inline = make_parser(config).parseInline(text)[0].children or []
            output = [c for child in inline if child.type == "text" for c in child.content if c in marks_of]
            quotes = [i for i, c in zip(marks, output) if c in "'\""]
        elif quotes:
            quotes = [q for q in quotes if not (text[q - 1 : q].isalpha() and text[q + 1 : q + 2].isalpha())]
        for q in quotes:
            findings.append(
                unit.finding(q, "T001", f"straight quote {text[q]} stays ambiguous: write {'“ or ”' if text[q] == chr(34) else '‘ or ’'}")
            )
        for m in re.finditer(r"(?<![\w.,-])\d{1,4}-\d{1,4}(?![\w-])", text):
            findings.append(unit.finding(m.start(), "T002", f"{m[0]!r}: a range takes an en dash ({m[0].replace('-', '–')})"))
        for m in re.finditer(r"(?<![\w.])(?:[A-Z]\.)+[A-Z]\b(?!\.)", text):  # tried once a run of initials
            findings.append(unit.finding(m.start(), "T003", f"{m[0]!r} lacks its last full stop"))
    return findings


# --- Duplicates -----------------------------------------------------------------------------


def _norm_words(text: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(fold(text))]


def _near_duplicates(items: list[set], threshold: float) -> dict[int, tuple[int, float]]:
    """For each item, the first earlier one that holds `threshold` of its (or that one's) shingles.

    A repeat is not indexed (the first it repeats stands for it), and a shingle is no longer
    followed once it stands in COMMON items (a phrase everyone uses says nothing of a repeat):
    so the time grows with the text, not with its square, however often a paragraph repeats."""
    index: dict[tuple, list[int]] = defaultdict(list)
    found = {}
    for k, runs in enumerate(items):
        shared: Counter[int] = Counter()
        for s in runs:
            shared.update(index[s])
        for j in sorted(shared):
            score = shared[j] / min(len(runs), len(items[j]))
            if score >= threshold:
                found[k] = (j, score)
                break
        if k not in found:
            for s in runs:
                if len(index[s]) < COMMON:
                    index[s].append(k)
    return found


def check_duplicates(units: list[Prose]) -> list[Finding]:
    paragraphs = [u for u in units if u.kind in ("text", "note") and len(_norm_words(u.checked)) >= MIN_PARAGRAPH_WORDS]
    findings = []
    repeated = set()
    for k, (j, score) in _near_duplicates([shingles(_norm_words(u.checked)) for u in paragraphs], DUPLICATE_PARAGRAPH).items():
        unit, first = paragraphs[k], paragraphs[j]
        repeated.add(id(unit))
        offset = len(unit.checked) - len(unit.checked.lstrip())
        findings.append(unit.finding(offset, "D001", f"paragraph repeats the one at {_pointer(first, 0, unit.path)} ({score:.0%} alike)"))
    spans = [(u, a, _norm_words(u.checked[a:b])) for u in units if u.kind in ("text", "note") for a, b in sentences(u.checked)]
    spans = [(u, a, words) for u, a, words in spans if len(words) >= MIN_SENTENCE_WORDS]
    for k, (j, score) in _near_duplicates([shingles(words) for _, _, words in spans], DUPLICATE_SENTENCE).items():
        (unit, offset, _), (first, first_offset, _) = spans[k], spans[j]
        if id(unit) not in repeated:
            findings.append(
                unit.finding(offset, "D002", f"sentence repeats the one at {_pointer(first, first_offset, unit.path)} ({score:.0%} alike)")
            )
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
        col = error.col - 1 if error.col else col  # the stage knew the column
        findings.append(Finding(error.path, line, col + 1, error.code or "S000", error.message))  # the transforms give each a code
    for chapter in book.chapters:
        findings += check_characters(chapter.path, chapter.text)
        findings += check_scripts(chapter.path, chapter.text, [chapter.tokens, *(n.tokens for n in chapter.notes.values())], book.config)
        heads = [(i, int(t.tag[1])) for i, t in enumerate(chapter.tokens) if t.type == "heading_open"]
        for n, (i, level) in enumerate(heads):
            after, after_level = heads[n + 1] if n + 1 < len(heads) else (len(chapter.tokens), 0)
            if after == i + 3 and after_level <= level:  # heading_open, inline, heading_close, then the next
                title = chapter.tokens[i + 1].content
                line = (chapter.tokens[i].map or [0])[0] + 1
                findings.append(Finding(chapter.path, line, 1, "S002", f"section {title!r} is empty"))
    return findings


def check_scripts(path: Path, text: str, blocks: Iterable[list[Token]], config: BookConfig) -> list[Finding]:
    """Each run of letters in a script other than the book's language's that no span marks with
    its language ([متحدہ]{lang=ur}): a screen reader would read it in the book's voice (L001)."""
    from fontTools.unicodedata import script_name

    own, lines, findings = script(config.language), text.split("\n"), []
    for tokens in blocks:
        for token in tokens:
            if token.type != "inline" or not token.map:
                continue
            line, at, marked = token.map[0] + 1, 0, []  # the languages of the spans (and links) the text is in
            for child in token.children or []:
                if child.type in ("softbreak", "hardbreak"):
                    line, at = line + 1, 0
                elif child.nesting == 1:
                    marked.append(child.attrGet("lang"))
                elif child.nesting == -1 and marked:
                    marked.pop()
                elif child.type == "text" and not any(marked):
                    source = lines[line - 1] if line <= len(lines) else ""
                    for _, run, kind in foreign_runs(child.content, own):
                        found = _find(source, run, at)
                        at = found + 1 if found >= 0 else at
                        message = f"{run!r} is in {script_name(kind)} script with no language: mark it [{run}]{{lang=...}}"
                        findings.append(Finding(path, line, found + 1 if found >= 0 else 1, "L001", message))
    return findings


def _find(source: str, run: str, start: int) -> int:
    """Where a run of text begins in its source line: as typed, or as a character reference
    (&#x6A9;) to its first letter; -1 where neither is found."""
    typed = source.find(run, start)
    written = next((m.start() for m in ENTITY.finditer(source, start) if entity_char(m[0]) == run[0]), -1)
    return min(p for p in (typed, written) if p >= 0) if max(typed, written) >= 0 else -1


def check_characters(path: Path, text: str) -> list[Finding]:
    """Each character no face of the book covers (the build's own check), at its first use in the file."""
    return [Finding(path, e.line or 1, e.col or 1, e.code or "S011", e.message) for e in coverage_errors(path, text)]


# --- Books and files ------------------------------------------------------------------------


def _editorial(units: list[Prose]) -> set[Path]:
    """Chapters that hold an emendations table are the editors' own words, not the edition's text."""
    return {u.path for u in units if u.kind == "cell" and u.column == "Edition"}


def _text_checks(units: list[Prose], context: Context, markdown: bool) -> tuple[list[Finding], list[Finding]]:
    """The findings of the text checks, and the notes of what they left unchecked."""
    words = list(_words(units))
    verdicts, notes = _spelled(words, context)
    findings, names = check_variants(units, words, verdicts)
    findings += check_duplicates(units)
    findings += check_doubled_words(units)
    findings += check_spelling(words, verdicts, context, names)
    findings += check_typography(units, markdown, context.config)
    return findings, notes


@dataclass
class Result:
    findings: list[Finding]
    fidelity: str | None = None  # the fidelity report, where the book names its source
    notes: list[Finding] = field(default_factory=list)  # what the lint left unchecked (N001): no fault of the text


def lint_book(folder: Path) -> Result:
    """Every check on a book: its chapters as one text, and against its source if it names one."""
    config = load_config(folder / "book.toml")
    preload(config.language)  # while the book is parsed
    context = read_context(folder, config)
    findings = check_structure(folder)
    units: list[Prose] = []
    for chapter in config.chapters:
        prose, html = read_prose(folder / chapter, config, markdown=True)
        if config.untitled_opening and chapter == config.chapters[0]:
            prose = [_title_unit(folder, config), *prose]
            for unit in prose[1:]:  # it stands under the book's title, as the source's lead under the article's
                unit.sections = (config.title, *unit.sections)
        units += prose
        findings += html
    source_path = folder / config.source_text if config.source_text else None
    if source_path and config.source_text:
        try:
            book_file(folder, config.source_text, config.limits.file_size)
        except Refused as e:
            raise BuildError(folder / "book.toml", f"source_text: {e}") from None
    source = read_prose(source_path, config)[0] if source_path else []
    mark_citations(units, "\n".join(u.text for u in source))
    text_findings, notes = _text_checks(units, context, markdown=True)
    findings += text_findings
    report = None
    if source_path:
        editorial = _editorial(units)
        edition = [u for u in units if u.path not in editorial and u.kind in ("text", "heading", "cell")]
        fidelity, report = check_fidelity(edition, source, emendations(units), source_path)
        findings += fidelity
    order = {folder / c: n for n, c in enumerate(config.chapters)}
    findings = sorted(
        {f for f in findings if context.keeps(f)}, key=lambda f: (order.get(f.path, len(order)), f.path, f.line, f.col, f.code)
    )
    return Result(findings, report, notes)


def _title_unit(folder: Path, config: BookConfig) -> Prose:
    """The book's title as the heading of an untitled opening, at its place in book.toml."""
    toml = folder / "book.toml"
    lines = read_utf8(toml).splitlines()
    line = next((n for n, text in enumerate(lines, 1) if re.match(r"\s*title\s*=", text)), 1)
    text = lines[line - 1] if lines else ""
    col = text.find(config.title) + 1 if config.title in text else 1
    return Prose(toml, "heading", config.title, [(line, col)], (config.title,))


def lint_file(path: Path, folder: Path | None = None) -> Result:
    """A file on its own (a raw source, a draft): the text checks, with the words and accepted
    findings of the book folder it stands in, if any."""
    context = read_context(folder, load_config(folder / "book.toml")) if folder else Context()
    units, html = read_prose(path, context.config)
    markdown = path.suffix.lower() in MARKDOWN_SUFFIXES
    text_findings, notes = _text_checks(units, context, markdown)
    findings = html + text_findings
    if markdown:  # a text file is not typeset
        findings += check_characters(path, path.read_text(encoding="utf-8"))
    return Result(sorted({f for f in findings if context.keeps(f)}), notes=notes)


def lint_path(path: Path) -> Result:
    """A book folder (writing its fidelity report), a chapter of a book (the book's findings in that
    chapter), or any other Markdown or text file."""
    if (path / "book.toml").is_file():
        result = lint_book(path)
        if result.fidelity is not None:
            write_text(Project.of_book(path).files(path.resolve().name).fidelity, result.fidelity)
        return result
    if not path.is_file():
        raise BuildError(path, "no such book folder or file")
    folder = next((p for p in path.resolve().parents if (p / "book.toml").is_file()), None)
    if folder and path.resolve() in {(folder / c).resolve() for c in load_config(folder / "book.toml").chapters}:
        result = lint_book(folder)
        return Result(
            [f for f in result.findings if f.path.resolve() == path.resolve()],
            notes=[n for n in result.notes if n.path.resolve() == path.resolve()],
        )
    return lint_file(path, folder)
