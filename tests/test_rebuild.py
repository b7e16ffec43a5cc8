"""Rebuilds through doit: what runs after which change, and what a failed build leaves behind."""

from __future__ import annotations

import hashlib
import shutil

import pytest
from conftest import FIXTURES, Project
from readers import EpubEdition, PdfEdition

from folio.tasks import PACKAGE

OUTPUTS = ["mini.pdf", "mini-print.pdf", "mini.epub"]
EVERY_TASK = ("lint", "layout", "pdf", "cover", "epub", "web", "bookpage", "site")


def tasks(*ran: str) -> dict[str, str]:
    """The fixture book's default tasks (the site's one task is the whole site's): the ones named
    ran, the others were up to date."""
    return {(task if task == "site" else f"{task}:mini"): "ran" if task in ran else "up to date" for task in EVERY_TASK}


@pytest.fixture
def project(tmp_path):
    project = Project(tmp_path / "p", {"mini": FIXTURES / "mini"})
    code, ran = project.doit()
    assert code == 0, project.output
    assert ran == tasks(*EVERY_TASK)
    return project


def digests(project) -> dict[str, str]:
    """The editions' digests, and those of every file of the site."""
    site = project.root / "build" / "site"
    files = [project.out(name) for name in OUTPUTS] + sorted(p for p in site.rglob("*") if p.is_file())
    return {str(path.relative_to(project.root)): hashlib.sha256(path.read_bytes()).hexdigest() for path in files}


def test_second_run_does_nothing(project):
    before = digests(project)
    assert project.doit() == (0, tasks())
    assert digests(project) == before


def test_epub_style_change_rebuilds_only_the_epub_and_its_copy_in_the_site(project):
    css = project.root / "styles" / "epub.css"
    css.write_text(css.read_text() + "\n/* changed */\n")
    assert project.doit() == (0, tasks("epub", "bookpage", "site"))  # not the web edition


def test_web_style_change_rewrites_only_the_sites_stylesheet(project):
    css = project.root / "styles" / "web.css"
    css.write_text(css.read_text() + "\n/* changed */\n")
    assert project.doit() == (0, tasks("site"))
    assert (project.root / "build" / "site" / "_static" / "site.css").read_text().endswith("/* changed */\n")


def test_print_style_change_rebuilds_only_the_pdfs(project):
    css = project.root / "styles" / "print.css"
    css.write_text(css.read_text() + "\n/* a comment only: laid out again, the same PDFs, nothing published */\n")
    assert project.doit() == (0, tasks("layout"))
    css.write_text(css.read_text() + "\nh1 { color: #222; }\n")
    assert project.doit() == (0, tasks("layout", "pdf", "bookpage", "site"))


def test_print_style_change_that_moves_pages_rebuilds_the_epub_too(project):
    css = project.root / "styles" / "print.css"
    css.write_text(css.read_text().replace("font-size: 11pt;", "font-size: 13pt;", 1))
    assert project.doit() == (0, tasks("layout", "pdf", "epub", "bookpage", "site"))  # page-list


def test_chapter_edit_reaches_every_edition(project):
    chapter = project.root / "content" / "mini" / "two.md"
    chapter.write_text(chapter.read_text().replace("A block quote.", "A corrected block quote."))
    assert project.doit() == (0, tasks("lint", "layout", "pdf", "epub", "web", "bookpage", "site"))
    assert "A corrected block quote." in (project.root / "build" / "site" / "mini" / "read" / "history-2.html").read_text()
    pdf = PdfEdition(project.out("mini.pdf"))
    assert any("A corrected block quote." in pdf.text(i) for i in range(len(pdf.pages)))
    assert "A corrected block quote." in EpubEdition(project.out("mini.epub")).text()


def test_print_settings_rebuild_only_the_pdfs(project):
    toml = project.root / "content" / "mini" / "book.toml"
    toml.write_text(toml.read_text() + "\n[print]\npage_multiple = 4\n")
    assert project.doit() == (0, tasks("layout", "pdf", "bookpage"))  # the print PDF is not in the OPDS feed
    assert len(PdfEdition(project.out("mini-print.pdf")).pages) % 4 == 0


def test_comment_in_book_toml_rebuilds_nothing(project):
    toml = project.root / "content" / "mini" / "book.toml"
    toml.write_text("# a comment\n" + toml.read_text())
    assert project.doit() == (0, tasks())


def test_metadata_edit_rebuilds(project):
    toml = project.root / "content" / "mini" / "book.toml"
    toml.write_text(toml.read_text().replace('"Ada Editor"', '"Ada Corrector"'))
    assert project.doit() == (0, tasks(*EVERY_TASK))
    assert PdfEdition(project.out("mini.pdf")).reader.metadata.author.startswith("Ada Corrector")


def test_a_key_the_cover_does_not_show_leaves_the_cover_alone(project):
    toml = project.root / "content" / "mini" / "book.toml"
    toml.write_text(toml.read_text().replace('description = "A fixture book', 'description = "A test book'))
    cover = project.root / "build" / "mini" / "cover.png"
    before = cover.stat().st_mtime_ns
    assert project.doit() == (0, tasks("lint", "layout", "pdf", "epub", "web", "bookpage", "site"))
    assert cover.stat().st_mtime_ns == before


@pytest.mark.parametrize(
    "change, message",
    [
        (("two.md", "[^first]: The third", "[^other]: The third"), "two.md:3:61: S004 note [^first] is called but not defined"),
        (("one.md", "and again", "and and again"), "one.md:6:32: W001 doubled word 'and and'"),
        (("book.toml", 'title = "A', 'titel = "A'), "book.toml: titel: unknown key (did you mean 'title'?)"),
    ],
)
def test_failed_build_names_the_place_and_keeps_the_last_good_editions(project, change, message):
    before = digests(project)
    name, old, new = change
    path = project.root / "content" / "mini" / name
    path.write_text(path.read_text().replace(old, new))
    code, _ = project.doit()
    assert code != 0
    assert message in project.output
    assert "Traceback" not in project.output
    assert digests(project) == before
    assert sorted(p.name for p in (project.root / "build").iterdir() if p.is_file()) == [
        ".doit.db",
        ".folio-imports.json",
        *sorted(OUTPUTS),
    ]


def test_a_chapter_taken_out_of_the_book_takes_its_page_out_of_the_web_edition(project):
    toml = project.root / "content" / "mini" / "book.toml"
    (project.root / "content" / "mini" / "three.md").write_text("# Appendix\n\nA short appendix.\n")
    read = project.root / "build" / "site" / "mini" / "read"
    before = sorted(p.name for p in read.iterdir())
    toml.write_text(toml.read_text().replace('"two.md"]', '"two.md", "three.md"]'))
    assert project.doit()[0] == 0, project.output
    assert sorted(p.name for p in read.iterdir()) == sorted([*before, "appendix.html"])
    toml.write_text(toml.read_text().replace(', "three.md"]', "]"))
    assert project.doit()[0] == 0, project.output
    assert sorted(p.name for p in read.iterdir()) == before


def test_same_sources_same_bytes_in_another_folder(project, tmp_path):
    other = Project(tmp_path / "elsewhere", {"mini": FIXTURES / "mini"})
    assert other.doit()[0] == 0
    assert digests(other) == digests(project)


@pytest.mark.parametrize(
    "importer, rerun",
    [
        ("pdf.py", ("layout",)),  # the same PDFs: nothing to publish
        ("epub.py", ("epub",)),
        ("lint.py", ("lint",)),
        ("cover.py", ("cover",)),
        ("web.py", ("web", "bookpage", "site")),
        ("site.py", ("bookpage", "site")),
        ("fonts.py", ("lint", "layout", "cover", "epub", "web", "bookpage", "site")),  # every stage that sets or checks type
    ],
)
def test_a_module_added_to_the_package_reruns_the_tasks_that_import_it(project, tmp_path, importer, rerun):
    """No task lists the modules it runs: a new module is found through its importer's imports."""
    package = tmp_path / "folio"
    shutil.copytree(PACKAGE, package, ignore=shutil.ignore_patterns("__pycache__"))
    (package / "extra.py").write_text('"""A module added later."""\n\nVALUE = 1\n')
    module = package / importer
    module.write_text(module.read_text().replace("\nfrom .", "\nfrom . import extra  # noqa: F401\nfrom .", 1))
    project.doit(package=package)  # the importer changed: its tasks rerun
    (package / "extra.py").write_text('"""A module added later, then changed."""\n\nVALUE = 2\n')
    assert project.doit(package=package) == (0, tasks(*rerun))
