"""The doit task graph: the only module that knows doit. It only wires: each task is a plain doit
dict (as Nikola's tasks are) whose action is a function of folio.build, with its file_dep,
targets, clean and ONE config_changed over the book settings it reads plus the versions of the
libraries it runs. The modules and libraries a task runs are read from the imports of its
action (folio.imports), never listed by hand.

Nothing heavy is imported here: deciding that nothing is to do stays fast. WeasyPrint lays a
book out while its lint runs (plain `doit` uses a process a core); the editions are published
only once the lint passes: a finding stops the build before any edition is touched.
"""

from __future__ import annotations

import functools
import hashlib
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from doit.exceptions import TaskFailed
from doit.tools import config_changed

from . import build, workers
from .config import ALLOW_FILE, WORDS_FILE, load_config
from .errors import BuildError, Failed
from .fileio import remove
from .imports import Reader
from .load import find_books
from .project import FEED, STATIC, Project

PACKAGE = Path(__file__).resolve().parent
_IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp"}
_PRINT_ONLY_KEYS = {"print"}  # book.toml keys that only the PDFs read
# What the cover image shows, and the language that decides its face and direction.
_COVER_KEYS = ("title", "subtitle", "authors", "editors", "publisher", "language")

Action = Callable[[Path, Project], str]


def _book_inputs(folder: Path, ignored_keys: set[str] | frozenset[str] = frozenset()) -> tuple[list[Path], dict[str, object]]:
    """The book's chapters and images, and the book.toml settings a task reads.

    book.toml itself is not a file_dep: a change to a key rebuilds only the tasks that read it.
    A broken book.toml makes every task run, and its action reports the mistake.
    """
    toml = folder / "book.toml"
    try:
        config = load_config(toml, full_check=False)
    except BuildError:
        return [], {"unreadable book.toml": hashlib.sha256(toml.read_bytes()).hexdigest()}
    chapters = [folder / c for c in config.chapters if (folder / c).exists()]
    # Regular files only: doit reads each to know whether it changed (a pipe named .png would hang it).
    images = sorted(p for p in folder.rglob("*") if p.suffix.lower() in _IMAGE_SUFFIXES and p.is_file())
    settings = {k: v for k, v in config.as_metadata().items() if k not in ignored_keys}
    return chapters + images, settings


def _lint_inputs(folder: Path, settings: dict[str, object]) -> list[Path]:
    """What the lint reads besides the chapters: the raw source, the book's word and allow lists."""
    names = [settings.get("source_text"), WORDS_FILE, ALLOW_FILE]
    return [folder / name for name in names if isinstance(name, str) and (folder / name).exists()]


def reported(action: Action) -> Callable[[Path, Project], bool | TaskFailed]:
    """The action as doit runs it: its summary printed in one line with the seconds it took; a
    mistake in the book one line naming the place (`path:line:col: message`), not a traceback.
    FOLIO_DEBUG=1 lets exceptions through, tracebacks and all."""

    @functools.wraps(action)
    def run(folder: Path, project: Project) -> bool | TaskFailed:
        started = time.perf_counter()
        try:
            build.say(f"{action(folder, project)} ({time.perf_counter() - started:.1f} s)")
            return True
        except (BuildError, Failed) as error:
            if os.environ.get("FOLIO_DEBUG"):
                raise
            if isinstance(error, BuildError):
                error.path = Path(project.relative(error.path))  # as the lint names it: from the project's folder
            return TaskFailed(str(error))  # doit prints it, without a traceback
        except Exception as error:
            if os.environ.get("FOLIO_DEBUG"):
                raise
            return TaskFailed(f"{folder}: internal error: {type(error).__name__}: {error} (FOLIO_DEBUG=1 shows the traceback)")

    return run


def run_build(args: tuple[str, ...] = ()) -> tuple[int, list[str], list[str]]:
    """Run `doit ARGS` in a process of its own: its exit code, the tasks that ran, and the lines
    that are not doit's own (the mistakes). For `folio watch`."""
    run = subprocess.run([sys.executable, "-m", "doit", *args], capture_output=True, text=True, check=False)
    ran = [line[3:] for line in run.stdout.splitlines() if line.startswith(".  ")]
    errors = [line for line in (run.stdout + run.stderr).splitlines() if line and not line.startswith((".  ", "-- ", "#"))]
    return run.returncode, ran, errors


def make_tasks(root: Path, package: Path = PACKAGE) -> dict[str, object]:
    """The task creators for the project at `root`, for a dodo.py or a ModuleTaskLoader.
    `package` is where folio's modules are read from, to know what each task runs."""
    project = Project(root)
    project.check_writable()  # doit keeps its state file there
    reader = Reader(package, project.build / ".folio-imports.json")
    clashes = project.clashes(find_books(project.content))
    books = [folder for folder in find_books(project.content) if not any(folder in clash[:2] for clash in clashes)]

    def task(folder: Path, action: Action, doc: str, file_dep: list[Path], targets: list[Path], settings: object = None, **more) -> dict:
        """A book's task: its action, its inputs (and the modules the action runs, and tasks.py,
        which wires it) and outputs, and ONE config_changed over the book settings it reads and
        the versions of the libraries it runs."""
        modules, versions = reader.dependencies(f"build.{action.__name__}")
        return {
            "name": folder.name,
            "doc": f"{doc} of {folder.name}",
            "actions": [(reported(action), [folder, project])],
            "file_dep": [*file_dep, *modules, package / "tasks.py"],
            "targets": targets,
            "uptodate": [config_changed({"book": settings, "versions": versions})],
            "clean": True,
            **more,
        }

    def task_lint():
        """Check each book's text (python -m folio lint); write build/<slug>/fidelity.txt where it names its source."""
        for folder in books:
            inputs, settings = _book_inputs(folder, _PRINT_ONLY_KEYS)
            fidelity = [project.files(folder.name).fidelity] if settings.get("source_text") else []
            yield task(folder, build.lint, "content checks", [*inputs, *_lint_inputs(folder, settings)], fidelity, settings)

    def task_layout():
        """Lay out each book with WeasyPrint, while the lint runs: its two PDFs and page map under build/<slug>/."""
        for folder in books:
            inputs, settings = _book_inputs(folder)
            files = project.files(folder.name)
            targets = [files.laid_out_pdf, files.laid_out_print, files.html, files.pagemap]
            yield task(folder, build.lay_out, "print layout", [*inputs, project.styles / "print.css"], targets, settings)

    def task_pdf():
        """Publish each book's PDFs once its text passes the lint: build/<slug>.pdf (download), build/<slug>-print.pdf (print)."""
        for folder in books:
            files = project.files(folder.name)
            inputs = [files.laid_out_pdf, files.laid_out_print]
            yield task(folder, build.publish_pdfs, "PDF editions", inputs, [files.pdf, files.print], task_dep=[f"lint:{folder.name}"])

    def task_cover():
        """Draw each book's cover image from its title, subtitle and authors: build/<slug>/cover.png, for the EPUB."""
        for folder in books:
            settings = _book_inputs(folder)[1]
            shown = {key: settings.get(key) for key in _COVER_KEYS}
            yield task(folder, build.draw_cover, "cover image", [], [project.files(folder.name).cover], shown)

    def task_epub():
        """Write each book's EPUB 3 with ebooklib: build/<slug>.epub."""
        for folder in books:
            inputs, settings = _book_inputs(folder, _PRINT_ONLY_KEYS)
            files = project.files(folder.name)
            # The print page map: the EPUB is rebuilt only if the print pages really moved.
            inputs += [files.pagemap, files.cover, project.styles / "epub.css"]
            yield task(folder, build.write_epub, "EPUB edition", inputs, [files.epub], settings, task_dep=[f"lint:{folder.name}"])

    def task_web():
        """Write each book's web edition, a page a chapter: build/site/<slug>/read/."""
        for folder in books:
            inputs, settings = _book_inputs(folder, _PRINT_ONLY_KEYS)
            files = project.files(folder.name)
            targets = [files.site.web / "index.html", files.web_faces]
            clean = [(remove, [files.site.web, files.web_faces])]  # the folder, whatever pages it holds
            yield task(folder, build.write_web, "web edition", inputs, targets, settings, task_dep=[f"lint:{folder.name}"], clean=clean)

    def task_bookpage():
        """Write each book's page in the site, with copies of its editions and its OPDS entry: build/site/<slug>/."""
        for folder in books:
            settings = _book_inputs(folder, _PRINT_ONLY_KEYS)[1]
            files = project.files(folder.name)
            inputs = [files.pdf, files.epub, files.print, files.cover]
            yield task(folder, build.write_book_page, "page in the site", inputs, files.site.written(), settings)

    def task_site():
        """Write the site: build/site/index.html (the catalogue), opds.xml, the shared stylesheet, script and fonts; after every book's page and web edition."""
        settings = {folder.name: _book_inputs(folder, _PRINT_ONLY_KEYS)[1] for folder in books}
        inputs = [project.styles / "web.css", PACKAGE / "notes.js"]
        for folder in books:
            files = project.files(folder.name)
            inputs += [files.web_faces, files.site.entry]
        targets = [project.site / "index.html", project.site / FEED, project.site / STATIC / "site.css"]
        clean = [(remove, [project.site])]  # all of it, the books' folders too
        one = task(project.content, build.write_site, "the site", inputs, targets, settings, task_dep=["web"], clean=clean)
        del one["name"]
        one["doc"] = "the site's catalogue, OPDS feed and shared files"
        return one

    def task_check():
        """Run the validators on each book's built editions (EPUBCheck, Ace where installed, the PDF checks) and print a table."""
        for folder in books:
            files = project.files(folder.name)
            # A check is asked for: it always runs.
            yield task(folder, build.check_editions, "validators on the editions", [files.pdf, files.print, files.epub], [],
                       uptodate=[False], verbosity=2, clean=[])  # fmt: skip

    def task_proof():
        """Render the print PDF's pages to PNG, and a contact sheet, under build/<slug>/proof/."""
        for folder in books:
            files = project.files(folder.name)
            yield task(folder, build.make_proofs, "page images", [files.print], [files.proofs / "contact.png"])

    def task_outputs():
        """Name the books whose editions would be the same files (left unbuilt), once the other books are built."""
        for a, b, path in clashes:
            message = (f"{project.relative(a)} and {project.relative(b)}: both would write {project.relative(path)}; "
                       "rename one of the two folders (neither book is built)")  # fmt: skip
            yield {"name": f"{a.name}+{b.name}", "actions": [lambda message=message: TaskFailed(message)],
                   "task_dep": ["lint", "pdf", "epub"], "uptodate": [False]}  # fmt: skip

    return {
        "task_lint": task_lint,
        "task_layout": task_layout,
        "task_cover": task_cover,
        "task_pdf": task_pdf,
        "task_epub": task_epub,
        "task_web": task_web,
        "task_bookpage": task_bookpage,
        "task_site": task_site,
        "task_proof": task_proof,
        "task_check": task_check,
        "task_outputs": task_outputs,
        "DOIT_CONFIG": {
            "default_tasks": ["lint", "pdf", "epub", "web", "site", "outputs"],
            "num_process": workers.processes(len(books)),
            "dep_file": str(project.build / ".doit.db"),
            "backend": "sqlite3",  # safe when `doit -n N` runs tasks in parallel processes
            "verbosity": 2,
        },
    }
