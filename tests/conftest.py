from __future__ import annotations

import contextlib
import io
import os
import shutil
from pathlib import Path

import pytest
from doit.cmd_base import ModuleTaskLoader
from doit.doit_cmd import DoitMain

from folio.tasks import PACKAGE, make_tasks

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def need(tool: str, present: bool) -> None:
    """Skip a test whose tool is missing, except in CI (CI=true), where a missing tool fails it."""
    if not present:
        message = f"{tool} is not installed: bin/setup --test installs it"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)


class Project:
    """A project folder in tmp: content/ with some books, styles/, build/; built through doit."""

    def __init__(self, root: Path, books: dict[str, Path]):
        self.root = root
        shutil.copytree(ROOT / "styles", root / "styles")
        for slug, source in books.items():
            shutil.copytree(source, root / "content" / slug)

    def doit(self, *args: str, package: Path = PACKAGE) -> tuple[int, dict[str, str]]:
        """Run doit as `doit ARGS` would; return its exit code and, per task, 'ran' or 'up to date'.

        All it prints is kept in `self.output`: serially, as the output of forked workers would not
        reach it (tests that run `doit` as a command cover the parallel default)."""
        tasks = make_tasks(self.root, package)
        report = io.StringIO()
        tasks["DOIT_CONFIG"] = {**tasks["DOIT_CONFIG"], "outfile": report, "num_process": 0}
        out = io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
            code = DoitMain(ModuleTaskLoader(tasks)).run(list(args))
        self.output = report.getvalue() + out.getvalue()
        ran = {}
        for line in report.getvalue().splitlines():
            if line.startswith(".  "):
                ran[line[3:].strip()] = "ran"
            elif line.startswith("-- "):
                ran[line[3:].strip()] = "up to date"
        return code, ran

    def out(self, name: str) -> Path:
        return self.root / "build" / name


def _build_session(tmp_path_factory, name: str, books: dict[str, Path], toml_extra: str = "") -> Project:
    project = Project(tmp_path_factory.mktemp(name), books)
    for slug in books:
        with (project.root / "content" / slug / "book.toml").open("a") as toml:
            toml.write(toml_extra)
    code, _ = project.doit()
    assert code == 0, f"building {name} failed:\n{project.output}"
    return project


@pytest.fixture(scope="session")
def mqm(tmp_path_factory) -> Project:
    """The real book, built once into a temporary folder."""
    return _build_session(tmp_path_factory, "mqm", {"mqm-militancy": ROOT / "content" / "mqm-militancy"})


@pytest.fixture(scope="session")
def mini(tmp_path_factory) -> Project:
    """The small fixture book: notes called twice, a list, a table, a block quote, raw HTML."""
    return _build_session(tmp_path_factory, "mini", {"mini": FIXTURES / "mini"})


@pytest.fixture(scope="session")
def mini_bleed(tmp_path_factory) -> Project:
    """The fixture book printed with bleed and crop marks, padded for saddle stitching."""
    return _build_session(
        tmp_path_factory,
        "bleed",
        {"mini": FIXTURES / "mini"},
        '\n[print]\ntrim = "5.5in 8.5in"\nbleed = "0.125in"\ncrop_marks = true\npage_multiple = 4\n',
    )


@pytest.fixture(scope="session")
def apparatus(tmp_path_factory) -> Project:
    """The small fixture book with every apparatus key of book.toml: an untitled opening, the
    source's history, revision and date, editors and a publisher (tests/fixtures/apparatus laid
    over tests/fixtures/mini)."""
    folder = tmp_path_factory.mktemp("apparatus-source") / "apparatus"
    shutil.copytree(FIXTURES / "mini", folder)
    shutil.copytree(FIXTURES / "apparatus", folder, dirs_exist_ok=True)
    return _build_session(tmp_path_factory, "apparatus", {"apparatus": folder})


@pytest.fixture(scope="session")
def hostile(tmp_path_factory) -> Project:
    """A book that uses every construct: lists, a table, quotes, code, many notes, a note called
    twice, Urdu words, long words and addresses, raw HTML, `&` and `<` in the title."""
    return _build_session(tmp_path_factory, "hostile", {"hostile": FIXTURES / "hostile"})


@pytest.fixture(scope="session")
def polyglot(tmp_path_factory) -> Project:
    """An English book with words in Urdu, French, Greek and Russian, each marked with its language
    ({lang=ur}), and one Urdu run left unmarked (its L001 accepted)."""
    return _build_session(tmp_path_factory, "polyglot", {"polyglot": FIXTURES / "polyglot"})


@pytest.fixture(scope="session")
def conformance(tmp_path_factory) -> Project:
    """A book of every Markdown construct: a note of several blocks, a note called twice, nested and
    numbered lists, a table with long cells, a quotation, code, links of each kind, character
    references, raw HTML accepted as text; a code block and a table of a page or more."""
    return _build_session(tmp_path_factory, "conformance", {"conformance": FIXTURES / "conformance"})


@pytest.fixture(scope="session")
def francais(tmp_path_factory) -> Project:
    """A book in French: its quotation marks, and narrow no-break spaces inside them and before ; : ! ?"""
    return _build_session(tmp_path_factory, "francais", {"francais": FIXTURES / "francais"})


@pytest.fixture(scope="session")
def urdu(tmp_path_factory) -> Project:
    """A book in Urdu, written right to left: mirrored PDFs, an EPUB whose pages turn to the left."""
    return _build_session(tmp_path_factory, "urdu", {"urdu": FIXTURES / "urdu"})


@pytest.fixture(scope="session")
def browser(tmp_path_factory):
    """One headless Chromium for the whole session (tests/browser.py), shut down at the end."""
    from browser import Browser, missing_tools

    missing = missing_tools()
    need(", ".join(missing), not missing)
    harness = Browser(tmp_path_factory.mktemp("browser"))
    yield harness
    harness.close()
