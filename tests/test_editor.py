"""What an editor does: start a book with `folio new`, build it, look at it, check it, watch it."""

from __future__ import annotations

import os
import queue
import shutil
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest
from conftest import ROOT, Project

from folio.__main__ import main

FOLIO = str(Path(sys.executable).parent / "folio")


@pytest.fixture
def project(tmp_path, monkeypatch) -> Project:
    shutil.copytree(ROOT / "styles", tmp_path / "styles")
    shutil.copy(ROOT / "dodo.py", tmp_path / "dodo.py")
    if (ROOT / "node_modules").exists():
        (tmp_path / "node_modules").symlink_to(ROOT / "node_modules")  # DAISY Ace, for doit check
    monkeypatch.chdir(tmp_path)
    project = Project.__new__(Project)
    project.root = tmp_path
    return project


def test_a_new_book_builds_at_once_and_passes_the_checks(project, capsys):
    assert main(["new", "first-book", "--title", "A First Book", "--author", "Ada Editor"]) == 0
    chapter = project.root / "content" / "first-book" / "01-chapter.md"
    chapter.write_text(chapter.read_text() + "\nA paragraph of my own, with a note.[^mine]\n\n[^mine]: My note.\n")
    code, ran = project.doit()
    assert code == 0, project.output
    assert ran == {
        **{f"{task}:first-book": "ran" for task in ("lint", "layout", "pdf", "cover", "epub", "web", "bookpage")},
        "site": "ran",
    }
    assert project.doit("proof")[0] == 0
    assert len(list((project.root / "build" / "first-book" / "proof").glob("page-*.png"))) == 10
    assert (project.root / "build" / "first-book" / "proof" / "contact.png").stat().st_size > 10_000
    code, _ = project.doit("check")
    assert code == 0, project.output
    assert "FAIL" not in project.output and "EPUBCheck                    pass" in project.output


def test_new_refuses_a_bad_slug_and_an_existing_book(project, capsys):
    assert main(["new", "Not A Slug"]) == 2
    assert main(["new", "book"]) == 0
    assert main(["new", "book"]) == 2
    assert "content/book: already exists" in capsys.readouterr().err


def test_check_fails_on_a_broken_edition(project, capsys):
    main(["new", "book"])
    assert project.doit()[0] == 0
    (project.root / "build" / "book.epub").write_bytes(b"not an epub")
    code, _ = project.doit("check")
    assert code != 0
    assert "EPUBCheck                    FAIL" in project.output


def test_watch_rebuilds_what_changed_and_says_how_long_it_took(project):
    main(["new", "book"])
    watch = subprocess.Popen(
        [FOLIO, "watch"],
        cwd=project.root,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=os.environ | {"PYTHONUNBUFFERED": "1"},
    )
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in watch.stdout], daemon=True).start()
    try:
        first = _line(lines, "rebuilt")  # tasks run in parallel: in any order
        assert _ran(first) == ["bookpage:book", "cover:book", "epub:book", "layout:book", "lint:book", "pdf:book", "site", "web:book"], (
            first
        )
        _line(lines, "watching")  # from here on, every change is seen
        css = project.root / "styles" / "epub.css"
        css.write_text(css.read_text() + "\n/* a change */\n")
        assert _ran(_line(lines, "rebuilt")) == ["bookpage:book", "epub:book", "site"]
    finally:
        watch.terminate()
        watch.wait(timeout=10)


def test_serve_serves_the_site_on_this_machine_and_rebuilds_it(project):
    main(["new", "book", "--title", "Served"])
    serve = subprocess.Popen(
        [FOLIO, "serve"],
        cwd=project.root,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=os.environ | {"PYTHONUNBUFFERED": "1"},
    )
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in serve.stdout], daemon=True).start()
    try:
        address = _line(lines, "serving").split(" at ")[1].split()[0]
        assert address.startswith("http://127.0.0.1:") and address.endswith("/"), address
        assert "site" in _ran(_line(lines, "rebuilt"))
        _line(lines, "watching")
        with urllib.request.urlopen(address + "book/read/chapter-one.html", timeout=10) as page:
            assert "Write the first paragraph here." in page.read().decode()
        with urllib.request.urlopen(address + "opds.xml", timeout=10) as feed:
            assert feed.headers["Content-Type"] == "application/atom+xml;profile=opds-catalog;kind=acquisition"
            assert b"<title>Served</title>" in feed.read()
        with urllib.request.urlopen(address + "book/book.epub", timeout=10) as epub:
            assert epub.headers["Content-Type"] == "application/epub+zip" and epub.read(2) == b"PK"
        chapter = project.root / "content" / "book" / "01-chapter.md"
        chapter.write_text(chapter.read_text().replace("Write the first paragraph here.", "A paragraph, rewritten."))
        assert "web:book" in _ran(_line(lines, "rebuilt"))
        with urllib.request.urlopen(address + "book/read/chapter-one.html", timeout=10) as page:
            assert "A paragraph, rewritten." in page.read().decode()
    finally:
        serve.terminate()
        serve.wait(timeout=10)


def _ran(line: str) -> list[str]:
    """The tasks a `rebuilt ... in N s` line names, in order of name."""
    return sorted(line.split(" rebuilt ")[1].split(" in ")[0].split(", "))


def _line(lines: queue.Queue[str], word: str, timeout: float = 60) -> str:
    """The next line of the process's output that has `word`, within `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while (left := deadline - time.monotonic()) > 0:
        try:
            line = lines.get(timeout=left)
        except queue.Empty:
            break
        if word in line:
            return line
    raise AssertionError(f"no line with {word!r} in {timeout} s")


@pytest.mark.parametrize(
    "args, message",
    [
        (["new", "a" * 240], "the file system allows file names for at most"),
        (["new", "book", "--title", "Bad\x7ftitle"], "--title: a control character \\x7f is not allowed"),
        (["new", "book", "--title", "Escape \x1b[2J"], "--title: a control character \\x1b is not allowed"),
        (["new", "book", "--title", b"caf\xe9".decode("utf-8", "surrogateescape")], "--title: not valid UTF-8"),
        (["new", "book", "--author", b"\xff".decode("utf-8", "surrogateescape")], "--author: not valid UTF-8"),
        (["new", "book", "--language", "not a tag"], "language: 'not a tag' is not a BCP 47 language tag"),
    ],
)
def test_new_refuses_a_bad_book_before_writing_anything(project, capsys, args, message):
    assert main(args) == 2
    error = capsys.readouterr().err
    assert message in error and "\x1b" not in error and "\x7f" not in error
    assert not (project.root / "content").exists() or list((project.root / "content").iterdir()) == []
