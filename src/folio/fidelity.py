"""Fidelity: each passage of the edition aligned with the source passage it comes from, each
difference with the row of the Note on the text that records it (F001-F003), and the report.
"""

from __future__ import annotations

import difflib
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from .prose import Finding, Prose, blank, fold, sentences, shingles

_TOKEN = re.compile(r"\w+|[-–—]+|[^\w\s]")
_QUOTED = re.compile(r"“[^“”]*”|‘[^‘’]*’|\"[^\"]*\"")
_REMARK = re.compile(r"\s*\([^()]*\)\s*$")
_PLACE = re.compile(r"(.*?)\s*¶\s*(\d+)")  # "History ¶3": a section, and the paragraph's number under its heading
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
            unit.checked = blank(unit.text)
            continue
        for m in _QUOTED.finditer(unit.text):
            if source and _squeeze(m[0][1:-1]) in source:
                unit.checked = unit.checked[: m.start()] + blank(m[0]) + unit.checked[m.end() :]


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
        for unit, start, end in self.places[max(i, 0) : max(j, 0)]:
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
            self._found[needle] = [
                (i, i + n) for i, value in enumerate(values) if n and value == needle[0] and tuple(values[i : i + n]) == needle
            ]
        return self._found[needle]


@cache
def _values(text: str) -> tuple[str, ...]:
    return tuple(Tokens.of([Prose(Path(), "text", text, [(1, 1)])]).values)


@dataclass
class Emendation:
    """A row of the Note on the text's table: where (a section, and the paragraph under its heading
    where the row gives one: "History ¶3"), the source's reading, the edition's."""

    section: str
    source: str
    edition: str
    cell: Prose
    used: bool = False
    paragraph: int | None = None

    def at(self, unit: Prose) -> bool:
        """Whether the row's place is the passage's: its section, and its paragraph if it names one."""
        return self.paragraph is None or self.paragraph == unit.paragraph

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
                return [
                    (a, next((k + 1 for k in range(b - 1, len(values)) if values[k] in ".!?"), len(values)))
                    for a, b in tokens.find(needle[:-1])
                ]
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

    def text(row: dict[str, Prose], column: str) -> str:
        return " ".join(row[column].text.split())

    found = []
    for r in rows.values():
        if len(r) == 3:
            section, paragraph = text(r, "Section"), None
            if m := _PLACE.fullmatch(section):
                section, paragraph = m[1], int(m[2])
            found.append(Emendation(section, text(r, "Source"), text(r, "Edition"), r["Source"], paragraph=paragraph))
    return found


def _ngrams(values: list[str]) -> set[tuple[str, ...]]:
    words = [v.lower() for v in values if v[0].isalnum()]
    return shingles(words, min(3, len(words)))


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
        here = [r for r in rows if _squeeze(r.section) in {_squeeze(s) for s in sections} and r.at(unit)]
        opcodes = _slide(
            difflib.SequenceMatcher(None, source.values, edition.values, autojunk=False).get_opcodes(), source.values, edition.values
        )
        hunks = [(h, next((r for r in here if r.explains(h, source, edition)), None)) for h in opcodes if h[0] != "equal"]
        matched = sum(j2 - j1 for tag, _, _, j1, j2 in opcodes if tag == "equal") / max(1, len(edition.values))
        candidate = Alignment(unit, edition, source, ks, hunks, matched)
        if best.source is None or (sum(r is None for _, r in hunks), -matched) < (sum(r is None for _, r in best.hunks), -best.matched):
            best = candidate
    if best.matched < 0.5:
        return Alignment(unit, edition, None)
    return best


def check_fidelity(
    edition: list[Prose],
    source: list[Prose],
    rows: list[Emendation],
    source_path: Path,
) -> tuple[list[Finding], str]:
    """Every passage of the edition against the source: F findings, and the report of every difference."""
    paragraphs = [u for u in source if u.kind in ("text", "heading")]
    tokens = [Tokens.of([p]) for p in paragraphs]
    index: dict[tuple, list[int]] = defaultdict(list)
    for k, t in enumerate(tokens):
        for gram in _ngrams(t.values):
            index[gram].append(k)
    alignments = [_align(u, paragraphs, tokens, index, rows) for u in edition]

    findings: list[Finding] = []
    report: list[str] = []
    used: set[int] = set()

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
            report.append(f"    {where(a.unit, at, col=True)}  {change}  {f'recorded at {where(row.cell)}' if row else 'NOT RECORDED'}")
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
                findings.append(
                    a.unit.finding(at, "F002", f"{change} changes the source ({origin}){more}, and the Note on the text does not record it")
                )

    report.append("\nLeft out of the edition")
    for k, paragraph in enumerate(paragraphs):
        if k in used:
            continue
        sections = {_squeeze(s) for s in paragraph.sections}
        row = next(
            (
                r
                for r in rows
                if r.left_out
                and _squeeze(r.section) in sections
                and (r.spans(tokens[k], r.source) or not any(r.spans(t, r.source) for t in tokens))
            ),
            None,
        )
        if row:
            row.used = True
        text = paragraph.text if len(paragraph.text) < 70 else paragraph.text[:60].rstrip() + "…"
        report.append(
            f"{source_path.name}:{paragraph.starts[0][0]}  «{text}»  {f'recorded at {where(row.cell, 0)}' if row else 'NOT RECORDED'}"
        )
        if row is None:
            findings.append(paragraph.finding(0, "F003", "left out of the edition, and the Note on the text does not record it"))
    report.append(
        "\nRows of the Note on the text that no difference uses (typography only, which the comparison folds away, or a row to check)"
    )
    report += [f"{where(r.cell, 0)}  {r.source} → {r.edition}" for r in rows if not r.used]
    head = (
        f"Fidelity of the edition to {source_path.name}: each passage of the edition (= as in the source, "
        f"~ changed), each difference, and the row of the Note on the text that records it.\n"
        f"{len(findings)} finding(s).\n"
    )
    return findings, head + "\n".join(report) + "\n"
