"""Markdown -> Book: ids, note numbers and the checks, from small fixture texts."""

from __future__ import annotations

import pytest
from books import write_book

from folio.errors import BuildError
from folio.transforms import prepare_book, slugify


@pytest.mark.parametrize(
    "text, slug",
    [
        ("Rise (1978–1992)", "rise-1978-1992"),
        ("1992–94", "section-1992-94"),
        ("1994–2016 Violence", "section-1994-2016-violence"),
        ("Crackdowns on MQM", "crackdowns-on-mqm"),
        ("Café “Ürdü”", "cafe-urdu"),
    ],
)
def test_slugs_are_readable(text, slug):
    assert slugify(text) == slug


def test_ids_unique_across_the_book_and_notes_numbered_through_it(tmp_path):
    book = prepare_book(
        write_book(
            tmp_path,
            {
                "one.md": "# History\n\n## 1992–94\n\nA[^a] b[^b] c[^a].\n\n[^a]: Note a.\n\n[^b]: Note b.\n",
                "two.md": "# History\n\nD[^a].\n\n[^a]: Another chapter's a.\n",
            },
        )
    )
    assert [h.id for h in book.headings] == ["history", "section-1992-94", "history-2"]
    assert [(n.label, n.number) for n in book.notes] == [("a", 1), ("b", 2), ("a", 3)]
    assert [c.id for c in book.chapters] == ["history", "history-2"]


def test_ids_never_take_the_epub_own_names(tmp_path):
    book = prepare_book(write_book(tmp_path, {"a.md": "# Cover\n\n## Nav\n", "b.md": "# Style\n"}))
    assert [h.id for h in book.headings] == ["cover-2", "nav-2", "style-2"]


def test_typographer_quotes_and_dashes(tmp_path):
    book = prepare_book(write_book(tmp_path, {"a.md": '# "Quoted" -- title\n\nIt\'s 1985--86.\n'}))
    assert book.headings[0].text == "“Quoted” – title"


@pytest.mark.parametrize(
    "text, line, message",
    [
        ("# A\n\nText[^x].\n", 3, "note [^x] is called but not defined"),
        ("# A\n\nText.\n\n[^x]: Never called.\n", 5, "note [^x] is defined but never called"),
        ("# A\n\nText[^x].\n\n[^x]: One.\n\n[^x]: Two.\n", 7, "note [^x] is defined twice (first at line 5)"),
        ("# A\n\nOne line,\nthen [^x] on the fourth.\n", 4, "note [^x] is called but not defined"),
        ("# A\n\n### Too deep\n", 3, "heading level jumps from 1 to 3"),
        ("Text before any heading.\n", 1, "a chapter begins with a level-1 heading"),
        ("# A\n\n# B\n", 3, "a chapter has one level-1 heading"),
        ("# A\n\n[where](#nowhere)\n", 3, "link to '#nowhere': no heading has that id"),
        ("# A\n\n[file](other.md)\n", 3, "link to 'other.md': only #heading-id"),
        ("# A\n\n![x](https://example.org/x.png)\n", "3:6", "image 'https://example.org/x.png' is remote"),
        ("# A\n\n![x](../x.png)\n", "3:6", "image '../x.png' is outside the book folder"),
        ("# A\n\n![x](missing.png)\n", "3:6", "image 'missing.png' does not exist"),
        ("# A\n\n![x](file:///etc/passwd)\n", "3:6", "image 'file:///etc/passwd' is a file: URL"),  # no longer text
    ],
)
def test_mistakes_name_file_and_line(tmp_path, text, line, message):
    folder = write_book(tmp_path, {"a.md": text})
    with pytest.raises(BuildError) as e:
        prepare_book(folder)
    assert str(e.value).startswith(f"{folder / 'a.md'}:{line}: {message}")


def test_chapter_errors(tmp_path):
    folder = write_book(tmp_path, {"a.md": "# A\n"})
    (folder / "a.md").write_bytes(b"# A\n\ncaf\xe9\n")
    with pytest.raises(BuildError, match=r"a\.md:3: not UTF-8: byte 8 \(0xe9\)"):
        prepare_book(folder)
    (folder / "a.md").write_text("  \n")
    with pytest.raises(BuildError, match=r"a\.md:1: chapter is empty"):
        prepare_book(folder)
    (folder / "a.md").unlink()
    with pytest.raises(BuildError, match=r"book\.toml: chapters: 'a\.md' does not exist"):
        prepare_book(folder)
