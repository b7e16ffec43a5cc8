"""A book is input from people the tool cannot trust. One row a hostile book: a real build in a
temporary folder, one line saying what was refused, and the last good editions as they were; the
files the book reaches for outside itself never show in anything the build writes."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from test_errors import digests, good, project  # noqa: F401 - the good build, and a copy of it to break

SECRET = "root:x:0:0:the secret outside the book"


@pytest.fixture
def secret(tmp_path) -> Path:
    """A file outside the book that it must not read."""
    path = tmp_path / "outside" / "passwd"
    path.parent.mkdir()
    path.write_text(f"{SECRET}\n")
    return path


def link(name: str, to: str | None = None):
    """Make `name` in the book a symbolic link to `to` (default: the secret outside the book)."""

    def change(book: Path, secret: Path):
        (book / name).unlink(missing_ok=True)
        (book / name).symlink_to(to or secret)

    return change


def toml(old: str, new: str):
    def change(book: Path, secret: Path):
        path = book / "book.toml"
        text = path.read_text()
        assert old in text, old
        path.write_text(text.replace(old, new, 1))

    return change


def both(*changes):
    def change(book: Path, secret: Path):
        for one in changes:
            one(book, secret)

    return change


def chapter(name: str, old: str, new: str):
    def change(book: Path, secret: Path):
        path = book / name
        path.write_text(path.read_text().replace(old, new, 1))

    return change


def fifo(name: str):
    def change(book: Path, secret: Path):
        (book / name).unlink()
        os.mkfifo(book / name)

    return change


def folder_link(book: Path, secret: Path):
    """A chapter that passes through a symbolic link to a folder outside the book."""
    (book / "sub").symlink_to(secret.parent)
    toml('"two.md"]', '"sub/passwd"]')(book, secret)


OUTSIDE = "leads outside the book folder"
ROWS = [
    ("chapter is a link outside", link("two.md"), f"book.toml: chapters: 'two.md' {OUTSIDE}"),
    ("chapter through a linked folder", folder_link, f"book.toml: chapters: 'sub/passwd' {OUTSIDE}"),
    ("chapter is a link to a device", link("two.md", "/dev/zero"), f"book.toml: chapters: 'two.md' {OUTSIDE}"),
    ("chapter is a FIFO", fifo("two.md"), "book.toml: chapters: 'two.md' is a device, a FIFO or a socket, not a file: refused"),
    ("chapter is a folder", both(lambda b, s: (b / "two.md").unlink(), lambda b, s: (b / "two.md").mkdir()), "'two.md' is a folder"),
    (
        "source text is a link outside",
        both(toml("chapters =", 'source_text = "source.txt"\nchapters ='), link("source.txt")),
        f"book.toml: source_text: 'source.txt' {OUTSIDE}",
    ),
    ("word list is a link outside", link("words.txt"), f"words.txt: 'words.txt' {OUTSIDE}"),
    ("allow list is a link outside", link("lint-allow.toml"), f"lint-allow.toml: 'lint-allow.toml' {OUTSIDE}"),
    ("allow list is a FIFO", fifo("lint-allow.toml"), "'lint-allow.toml' is a device, a FIFO or a socket"),
    ("book.toml is a link outside", link("book.toml"), f"book.toml: 'book.toml' {OUTSIDE}"),
    (
        "chapter over the size limit",
        toml('chapters = ["one.md", "two.md"]', 'chapters = ["one.md", "two.md"]\n[limits]\nfile_size = 300'),
        "over the book's limit of 300 (raise it in book.toml's [limits])",
    ),
    (
        "a word over the limit",
        chapter("two.md", "A block quote.", "A " + "x" * 5000 + " quote."),
        "two.md:8:5: S013 a word of 5,000 characters is longer than the book's limit of 2,000",
    ),
    ("a control character in a chapter", chapter("two.md", "A block", "A \x1b[2Jblock"), "two.md:8:5: S012 a control character \\x1b"),
    ("a DEL in a chapter", chapter("two.md", "A block", "A \x7fblock"), "two.md:8:5: S012 a control character \\x7f"),
    ("a C1 control in a chapter", chapter("two.md", "A block", "A \x9bblock"), "two.md:8:5: S012 a control character \\x9b"),
    ("a lone carriage return", chapter("two.md", "A block", "A \rblock"), "two.md:8:5: S012 a control character \\r"),
    (
        "a control character in book.toml",
        toml('title = "A Small', 'title = "\\u001b[31mA Small'),
        "book.toml: title: a control character \\x1b is not allowed (at character 1)",
    ),
    (
        "javascript: as the licence's address",
        toml("license =", 'license_url = "javascript:alert(1)"\nlicense ='),
        "book.toml: license_url: 'javascript:alert(1)' has 'javascript:': only http(s) and mailto addresses are allowed",
    ),
    (
        "file: as the source",
        toml("license =", 'source = "file:///etc/passwd"\nlicense ='),
        "book.toml: source: 'file:///etc/passwd' has 'file:'",
    ),
    ("a javascript: link", chapter("two.md", "- another", "- [x](javascript:alert(1))"), "two.md:6:7: S008 link to 'javascript:alert(1)'"),
    ("a file: link", chapter("two.md", "- another", "- <file:///etc/passwd>"), "two.md:6:4: S008 link to 'file:///etc/passwd'"),
    ("a file: image", chapter("two.md", "- another", "- ![x](file:///etc/passwd)"), "two.md:6:8: S009 image 'file:///etc/passwd'"),
    ("words.txt not UTF-8", lambda b, s: (b / "words.txt").write_bytes(b"fine\ncaf\xe9\n"), "words.txt:2: not UTF-8: byte 8 (0xe9)"),
    (
        "lint-allow.toml of a wrong type",
        lambda b, s: (b / "lint-allow.toml").write_text("# a comment\naccept = 1\n"),
        "lint-allow.toml:2: accept: must be [[accept]] tables",
    ),
    (
        "lint-allow.toml entry of a wrong type",
        lambda b, s: (b / "lint-allow.toml").write_text('[[accept]]\ncode = 1\ntext = "x"\nwhy = "y"\n'),
        "lint-allow.toml:1: accept #1: needs code, text and why",
    ),
    (
        "a data: link",
        chapter("two.md", "- another", "- [x](data:text/html,<script>)"),
        "two.md:6:7: S008 link to 'data:text/html,<script>'",
    ),
]


@pytest.mark.parametrize("change, message", [row[1:] for row in ROWS], ids=[row[0] for row in ROWS])
def test_hostile_book(project, secret, change, message):  # noqa: F811 - the fixture, imported
    before = digests(project)
    change(project.root / "content" / "mini", secret)
    code, _ = project.doit()
    assert code != 0
    assert message in project.output, project.output
    assert "Traceback" not in project.output and "\x1b" not in project.output  # escaped, never raw
    assert digests(project) == before
    for path in (project.root / "build").rglob("*"):
        assert not path.is_file() or SECRET.encode() not in path.read_bytes(), path
