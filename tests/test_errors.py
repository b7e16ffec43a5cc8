"""Bad input, one row each: a real build in a temporary folder, one clear line naming the place,
a non-zero exit, no traceback, and the last good editions left as they were."""

from __future__ import annotations

import contextlib
import hashlib
import os
import random
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from conftest import FIXTURES, ROOT, Project
from pypdf import PdfReader

OUTPUTS = ["mini.pdf", "mini-print.pdf", "mini.epub"]


@pytest.fixture(scope="module")
def good(tmp_path_factory) -> Project:
    project = Project(tmp_path_factory.mktemp("good"), {"mini": FIXTURES / "mini"})
    shutil.copy(ROOT / "dodo.py", project.root / "dodo.py")
    assert project.doit()[0] == 0, project.output
    return project


@pytest.fixture
def project(good, tmp_path) -> Project:
    """A copy of the good build, outputs and doit's state included, to break."""
    shutil.copytree(good.root, tmp_path / "p")
    copy = Project.__new__(Project)
    copy.root = tmp_path / "p"
    return copy


def digests(project) -> dict[str, str]:
    return {n: hashlib.sha256(project.out(n).read_bytes()).hexdigest() for n in OUTPUTS}


def replace(name: str, old: str, new: str):
    def change(book: Path):
        path = book / name
        text = path.read_text()
        assert old in text, (name, old)
        path.write_text(text.replace(old, new, 1))

    return change


def write(name: str, data: bytes):
    return lambda book: (book / name).write_bytes(data)


def second_book_with_the_same_identifier(book: Path):
    shutil.copytree(book, book.parent / "copy")


ROWS = [
    ("book.toml unreadable", write("book.toml", b'title = "unclosed\n'), "book.toml:1:18: not valid TOML"),
    ("required key missing", replace("book.toml", 'license = "CC BY-SA 4.0"\n', ""), "book.toml: license: required key is missing"),
    ("unknown key", replace("book.toml", "title =", "titel ="), "book.toml: titel: unknown key (did you mean 'title'?)"),
    (
        "wrong type",
        replace("book.toml", "date = 2025-03-14", 'date = "yesterday"'),
        "book.toml: date: must be an ISO date such as 2026-11-25, not 'yesterday'",
    ),
    ("chapter missing", lambda book: (book / "two.md").unlink(), "book.toml: chapters: 'two.md' does not exist"),
    ("not UTF-8", write("two.md", "# History\n\ncaf\u00e9\n".encode("latin-1")), "two.md:3: not UTF-8: byte 14 (0xe9) cannot be decoded"),
    ("empty chapter", write("two.md", b"\n\n"), "two.md:1: chapter is empty"),
    (
        "note not defined",
        replace("two.md", "own id.[^first]", "own id.[^frist]"),
        "two.md:3:61: S004 note [^frist] is called but not defined",
    ),
    (
        "note defined twice",
        replace("two.md", "[^first]: The third", "[^long]: Twice.\n\n[^first]: The third"),
        "note [^long] is defined twice (first at line",
    ),
    ("note never called", replace("two.md", "own id.[^first]", "own id."), "two.md:14:1: S006 note [^first] is defined but never called"),
    ("image missing", replace("two.md", "- another", "- ![a map](map.png)"), "two.md:6:12: S009 image 'map.png' does not exist"),
    (
        "image outside",
        replace("two.md", "- another", "- ![a map](../../secret.png)"),
        "two.md:6:12: S009 image '../../secret.png' is outside the book folder",
    ),
    (
        "image remote",
        replace("two.md", "- another", "- ![a map](https://example.org/map.png)"),
        "two.md:6:12: S009 image 'https://example.org/map.png' is remote",
    ),
    (
        "link to an unknown id",
        replace("one.md", "(#history-2)", "(#histroy-2)"),
        "one.md:10:86: S008 link to '#histroy-2': no heading has that id",
    ),
    (
        "heading levels jump",
        replace("two.md", "- a list item", "#### Too deep\n\n- a list item"),
        "two.md:5:1: S001 heading level jumps from 1 to 4",
    ),
    ("two books, one identifier", second_book_with_the_same_identifier, "is also the identifier of"),
    (
        "a character no font covers",
        replace("two.md", "A block quote.", "A snowman \u2603."),
        "two.md:8:13: S011 no font of the book covers U+2603 \u2603 (SNOWMAN)",
    ),
    (
        "a character written as a reference that no font covers",
        replace("two.md", "A block quote.", "A letter &#xD06;."),
        "two.md:8:12: S011 no font of the book covers U+0D06 \u0d06 (MALAYALAM LETTER AA)",
    ),
]


@pytest.mark.parametrize("change, message", [row[1:] for row in ROWS], ids=[row[0] for row in ROWS])
def test_bad_input(project, change, message):
    before = digests(project)
    change(project.root / "content" / "mini")
    code, _ = project.doit()
    assert code != 0
    assert message in project.output, project.output
    assert "Traceback" not in project.output
    assert digests(project) == before
    assert not list((project.root / "build").glob(".*.tmp"))


def test_debug_switch_shows_the_traceback(project, monkeypatch):
    write("book.toml", b'title = "unclosed\n')(project.root / "content" / "mini")
    monkeypatch.setenv("FOLIO_DEBUG", "1")
    assert project.doit()[0] != 0
    assert "Traceback" in project.output and "BuildError" in project.output


def valid(path: Path) -> bool:
    if path.suffix == ".epub":
        with zipfile.ZipFile(path) as z:
            return z.testzip() is None and z.namelist()[0] == "mimetype"
    return len(PdfReader(path).pages) > 0


def working_in(folder: Path, wait: float = 3) -> list[int]:
    """The processes still working in `folder` after up to `wait` seconds (Linux's /proc)."""
    deadline = time.monotonic() + wait
    while True:
        pids = []
        for proc in Path("/proc").glob("[0-9]*"):
            with contextlib.suppress(OSError):
                if Path(os.readlink(proc / "cwd")) == folder:
                    pids.append(int(proc.name))
        if not pids or time.monotonic() > deadline:
            return pids
        time.sleep(0.1)


def test_a_build_killed_at_any_moment_leaves_valid_editions(project):
    book = project.root / "content" / "mini" / "two.md"
    rng = random.Random(7)
    for attempt in range(6):
        book.write_text(
            book.read_text().replace("A block quote", f"A block quote (edit {attempt})", 1).replace(f"(edit {attempt - 1}) ", "")
        )
        doit = subprocess.Popen(
            [str(Path(sys.executable).parent / "doit")], cwd=project.root, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        time.sleep(rng.uniform(0.05, 1.6))
        doit.send_signal(signal.SIGKILL)  # doit's process alone: its workers must end with it
        doit.wait()
        assert not working_in(project.root), attempt
        for name in OUTPUTS:
            assert valid(project.out(name)), (attempt, name)
    assert project.doit()[0] == 0, project.output
    assert all(valid(project.out(name)) for name in OUTPUTS)
    assert not list((project.root / "build").glob(".*.tmp"))


def test_a_killed_build_s_temporary_file_goes_and_a_running_one_s_stays(tmp_path):
    from folio.fileio import write_text

    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    killed, running = tmp_path / f".book.pdf.{dead.pid}.x1.tmp", tmp_path / f".book.pdf.{os.getppid()}.x2.tmp"
    killed.write_text("half a PDF")
    running.write_text("a PDF being written")
    write_text(tmp_path / "book.pdf", "done")
    assert (tmp_path / "book.pdf").read_text() == "done"
    assert not killed.exists() and running.exists()
