"""A book nobody here wrote: the CommonMark specification's examples (npm commonmark-spec, as
package-lock.json pins it), one chapter an example. What folio refuses, it refuses for a reason a
book's author can mend, named by its code; the rest builds into an EPUB that EPUBCheck finds
nothing in (issue 18: `See <https://../>.` once passed the lint and failed EPUBCheck).

The EPUB is built by the stages themselves, without the print layout (its page map is optional):
laying out the 500 chapters takes WeasyPrint about 90 s, and the PDFs of the same constructs are
read by tests/test_conformance.py."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections import Counter

import pytest
from books import write_book
from conftest import ROOT, need
from readers import EpubEdition, epubcheck_messages

from folio import build
from folio.lint import CODES, REFUSED, lint_book
from folio.project import Project

SPEC = ROOT / "node_modules" / "commonmark-spec"

# Why folio refuses an example: each a mistake a book's author can see and mend at its line.
REASONS = {
    "S001": "a heading level that jumps (an example's ## after the chapter's #)",
    "S003": "a second level-1 heading, or an empty one",
    "S008": "a link that points nowhere: a fragment no heading has, a relative file, an address such as https://../",
    "S009": "an image that is not an image file of the book",
    "S011": "a character no font covers (the examples' U+0000 and other references)",
}


def examples() -> list[dict]:
    need("commonmark-spec (npm)", (SPEC / "spec.txt").exists() and shutil.which("node") is not None)
    script = "process.stdout.write(JSON.stringify(require('commonmark-spec').tests))"
    cases = json.loads(subprocess.run(["node", "-e", script], cwd=ROOT, capture_output=True, check=True, text=True).stdout)
    for case in cases:  # the specification shows a tab as an arrow, as its own test runner reads it
        case["markdown"] = case["markdown"].replace("\u2192", "\t")
    return cases


@pytest.fixture(scope="module")
def spec_book(tmp_path_factory):
    """The examples as a book, its refused chapters (by code) left out, the rest accepted."""
    cases = examples()
    folder = tmp_path_factory.mktemp("commonmark") / "content" / "commonmark"
    chapters = {f"e{case['number']:03}.md": f"# Example {case['number']}\n\n{case['markdown']}" for case in cases}
    write_book(folder, chapters, title="The CommonMark examples")
    findings = lint_book(folder).findings
    refused = {f.path.name: f for f in findings if f.code in REFUSED}
    kept = [name for name in chapters if name not in refused]
    write_book(folder, {name: chapters[name] for name in kept}, title="The CommonMark examples")
    for name in refused:
        (folder / name).unlink()
    accepted = sorted({(f.code, f.message) for f in findings if f.code not in REFUSED})
    (folder / "lint-allow.toml").write_text(  # JSON's strings are TOML's basic strings
        "".join(f"[[accept]]\ncode = {json.dumps(c)}\ntext = {json.dumps(m)}\nwhy = 'not prose'\n\n" for c, m in accepted)
    )
    return folder, cases, refused, kept


def test_the_examples_are_all_there(spec_book):
    _, cases, refused, kept = spec_book
    assert len(cases) >= 652 and len(refused) + len(kept) == len(cases)
    assert len(kept) > 0.7 * len(cases), "folio refuses most of CommonMark"


def test_every_refusal_names_a_reason_an_author_can_mend(spec_book):
    _, _, refused, _ = spec_book
    codes = Counter(f.code for f in refused.values())
    assert set(codes) <= set(REASONS), {c: CODES[c] for c in set(codes) - set(REASONS)}
    assert all(f.line >= 1 and f.col >= 1 for f in refused.values())


def test_an_address_that_goes_nowhere_is_refused(spec_book):
    _, cases, refused, _ = spec_book
    names = [f"e{c['number']:03}.md" for c in cases if "<https://../>" in c["markdown"]]
    assert names and all(refused[name].code == "S008" for name in names), [refused.get(n) for n in names]


def test_the_rest_builds_an_epub_epubcheck_finds_nothing_in(spec_book):
    need("Java (for EPUBCheck)", shutil.which("java") is not None)
    folder, _, _, kept = spec_book
    project = Project(folder.parent.parent)
    shutil.copytree(ROOT / "styles", project.styles)
    build.lint(folder, project)  # raises if a finding is left that the build would not accept
    build.draw_cover(folder, project)
    build.write_epub(folder, project)
    epub = EpubEdition(project.files("commonmark").epub)
    assert len(epub.spine()) >= len(kept)
    assert epubcheck_messages(project.files("commonmark").epub) == []
