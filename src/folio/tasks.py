"""The doit task graph: the only module that knows doit.

Each task yields a plain doit dict (as Nikola's tasks do) with its file_dep, targets, clean and
ONE config_changed over the book metadata it reads plus the versions of the libraries it runs.
Nothing heavy is imported here: deciding that nothing is to do stays fast, and WeasyPrint,
ebooklib and the lint's dictionary are imported inside the actions that need them. WeasyPrint
lays a book out while its lint runs (plain `doit` uses a process a core); the editions are
published only once the lint passes: a finding stops the build before any edition is touched.
"""

from __future__ import annotations

import contextlib
import ctypes
import dataclasses
import functools
import hashlib
import json
import multiprocessing.util
import os
import signal
import sys
import time
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING

from doit.exceptions import TaskFailed
from doit.tools import config_changed

from .config import ALLOW_FILE, WORDS_FILE, load_config
from .errors import BuildError
from .fileio import atomic_path, publish, write_text
from .load import find_books

if TYPE_CHECKING:  # the model imports markdown-it: not needed to decide what to rebuild
    from .model import Book

PACKAGE = Path(__file__).resolve().parent
# The package modules each edition runs: a change to one of them rebuilds that edition.
_COMMON_MODULES = ("__init__", "errors", "config", "model", "load", "parse", "transforms", "html", "fileio", "fonts")
_PDF_MODULES = _COMMON_MODULES + ("pdf",)
_EPUB_MODULES = _COMMON_MODULES + ("epub",)
_COVER_MODULES = ("__init__", "errors", "config", "fonts", "fileio", "cover")
_LINT_MODULES = ("__init__", "errors", "config", "model", "load", "parse", "transforms", "fonts", "lint", "prose", "fidelity", "fileio")
_COMMON_LIBRARIES = ("markdown-it-py", "mdit-py-plugins")
_PDF_LIBRARIES = _COMMON_LIBRARIES + ("weasyprint", "pydyf", "fontpkg", "fontpkg-eb-garamond", "fontpkg-amiri", "pyphen")
_EPUB_LIBRARIES = _COMMON_LIBRARIES + ("ebooklib", "lxml")
_COVER_LIBRARIES = ("pillow", "fontpkg", "fontpkg-eb-garamond", "fonttools")
_COVER_KEYS = ("title", "subtitle", "authors")  # what the cover image shows
_LINT_LIBRARIES = _COMMON_LIBRARIES + ("pyspellchecker", "fonttools", "fontpkg", "fontpkg-eb-garamond", "fontpkg-amiri")


class Project:
    """Where things are: content/, styles/ and build/ under one root."""

    def __init__(self, root: Path):
        self.root = root.resolve()
        self.content = self.root / "content"
        self.styles = self.root / "styles"
        self.build = self.root / "build"

    def outputs(self, slug: str) -> dict[str, Path]:
        return {
            "pdf": self.build / f"{slug}.pdf",
            "print": self.build / f"{slug}-print.pdf",
            "epub": self.build / f"{slug}.epub",
            "html": self.build / slug / "print.html",
            "pagemap": self.build / slug / "pagemap.json",  # where the print pages begin, for the EPUB
            # The PDFs as laid out, published to pdf and print once the text passes the lint.
            "laid-out pdf": self.build / slug / f"{slug}.pdf",
            "laid-out print": self.build / slug / f"{slug}-print.pdf",
            "fidelity": self.build / slug / "fidelity.txt",
            "cover": self.build / slug / "cover.png",
        }


def _versions(libraries: tuple[str, ...]) -> dict[str, str]:
    return {name: _version(name) for name in libraries}


@functools.cache
def _version(library: str) -> str:
    return metadata.version(library)  # a few milliseconds each: asked once per process


_IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp"}
_PRINT_ONLY_KEYS = {"print"}  # book.toml keys that only the PDFs read


def _book_inputs(folder: Path, ignored_keys: set[str] = frozenset()) -> tuple[list[Path], object]:
    """The book's chapters and images, and the book.toml settings a task reads.

    book.toml itself is not a file_dep: a change to a key rebuilds only the tasks that read it.
    A broken book.toml makes every task run, and its action reports the mistake.
    """
    toml = folder / "book.toml"
    try:
        config = load_config(toml)
    except BuildError:
        return [], {"unreadable book.toml": hashlib.sha256(toml.read_bytes()).hexdigest()}
    chapters = [folder / c for c in config.chapters if (folder / c).exists()]
    images = sorted(p for p in folder.rglob("*") if p.suffix.lower() in _IMAGE_SUFFIXES)
    settings = {k: v for k, v in config.as_metadata().items() if k not in ignored_keys}
    return chapters + images, settings


def _lint_inputs(folder: Path, settings: dict) -> list[Path]:
    """What the lint reads besides the chapters: the raw source, the book's word and allow lists."""
    names = [settings.get("source_text"), WORDS_FILE, ALLOW_FILE]
    return [folder / name for name in names if name and (folder / name).exists()]


def _modules(names: tuple[str, ...]) -> list[Path]:
    return [PACKAGE / f"{name}.py" for name in names]


def say(text: str, stream=None) -> None:
    """Print a line in one write: tasks in parallel processes share the terminal with doit,
    and print() writes a line's end apart from it (`folio watch` reads the lines)."""
    stream = stream or sys.stdout
    stream.write(text + "\n")
    stream.flush()


def reported(action):
    """A doit action that says in one line what it made and how long it took, and whose failures
    are one line naming the place (`path:line:col: message`), not a traceback; FOLIO_DEBUG=1 lets
    exceptions through, tracebacks and all. The action returns its summary or a TaskFailed; its
    last argument is the Project."""

    @functools.wraps(action)
    def run(*args):
        started = time.perf_counter()
        try:
            result = action(*args)
            if isinstance(result, str):
                say(f"{result} ({time.perf_counter() - started:.1f} s)")
                return True
            return result
        except BuildError as error:
            if os.environ.get("FOLIO_DEBUG"):
                raise
            error.path = Path(_rel(error.path, args[-1]))  # as the lint names it: from the project's folder
            return TaskFailed(str(error))  # doit prints it, without a traceback
        except Exception as error:
            if os.environ.get("FOLIO_DEBUG"):
                raise
            return TaskFailed(f"{args[0]}: internal error: {type(error).__name__}: {error} (FOLIO_DEBUG=1 shows the traceback)")

    return run


_prepared: dict[Path, tuple[tuple, Book]] = {}


def _prepare(folder: Path, project: Project) -> Book:
    """The book, parsed once per process for all its editions (while its files are unchanged)."""
    from .transforms import prepare_book

    state = tuple((p.name, p.stat().st_mtime_ns, p.stat().st_size) for p in sorted(folder.rglob("*")))
    if folder not in _prepared or _prepared[folder][0] != state:
        _prepared[folder] = (state, prepare_book(folder))
    book = _prepared[folder][1]
    for other in find_books(project.content):
        if other != folder and load_config(other / "book.toml").identifier == book.config.identifier:
            raise BuildError(
                folder / "book.toml",
                f"identifier: {book.config.identifier!r} is also the identifier of {other / 'book.toml'}; every book needs its own",
            )
    return book


@reported
def lint(folder: Path, project: Project) -> str | TaskFailed:
    from .lint import lint_book  # the dictionary: only when the lint really runs

    result = lint_book(folder)
    if result.fidelity is not None:
        write_text(project.outputs(folder.name)["fidelity"], result.fidelity)
    for finding in result.findings:
        say(str(dataclasses.replace(finding, path=Path(_rel(finding.path, project)))))
    if result.findings:
        return TaskFailed(
            f"{folder.name}: the lint found {len(result.findings)} problem(s); the editions are "
            f"not built (accept a finding on purpose in {WORDS_FILE} or {ALLOW_FILE})"
        )
    return f"{folder.name}: the text passes the lint" + (", and is faithful to its source" if result.fidelity else "")


@reported
def lay_out(folder: Path, project: Project) -> str:
    book = _prepare(folder, project)  # mistakes in the book show before WeasyPrint is loaded

    from . import pdf  # WeasyPrint: only when a PDF is really built
    from .html import print_document

    pdf.check_coverage(book)
    html = print_document(book)
    out = project.outputs(book.slug)
    write_text(out["html"], html)
    written = pdf.write_pdfs(
        html, folder, project.styles / "print.css", out["laid-out pdf"], out["laid-out print"], book.config, text_start=book.chapters[0].id
    )
    pagemap = json.dumps([dataclasses.asdict(start) for start in written.starts], indent=1) + "\n"
    if not out["pagemap"].exists() or out["pagemap"].read_text() != pagemap:  # else the EPUB stays up to date
        write_text(out["pagemap"], pagemap)
    for problem in written.problems:
        say(f"{folder.name}: WeasyPrint: {problem}", sys.stderr)
    return f"{folder.name}: laid out, {written.pages} pages ({written.print_pages} in print)"


@reported
def publish_pdfs(folder: Path, project: Project) -> str:
    out = project.outputs(folder.name)
    publish(out["laid-out pdf"], out["pdf"])
    publish(out["laid-out print"], out["print"])
    return f"{_rel(out['pdf'], project)}: {_kib(out['pdf'])}; {_rel(out['print'], project)}: {_kib(out['print'])}"


@reported
def build_epub(folder: Path, project: Project) -> str:
    book = _prepare(folder, project)

    from . import epub  # ebooklib: only when an EPUB is really built
    from .model import PrintPage

    out = project.outputs(book.slug)
    pagemap = out["pagemap"]  # written by the layout task, which doit runs first; without it, no page-list
    pages = [PrintPage(**start) for start in json.loads(pagemap.read_text())] if pagemap.exists() else []
    epub.write_epub(book, project.styles / "epub.css", out["epub"], out["cover"].read_bytes(), pages)
    chapters = f"{len(book.chapters)} chapter" + ("s" if len(book.chapters) > 1 else "")
    return f"{_rel(out['epub'], project)}: {chapters}, {len(pages)} print pages marked, {_kib(out['epub'])}"


@reported
def draw_cover(folder: Path, project: Project) -> str:
    from .cover import cover_png  # Pillow: only when a cover is really drawn

    target = project.outputs(folder.name)["cover"]
    png = cover_png(load_config(folder / "book.toml"), folder / "book.toml")
    with atomic_path(target) as tmp:
        tmp.write_bytes(png)
    return f"{_rel(target, project)}: {_kib(target)}"


@reported
def check_editions(folder: Path, project: Project) -> str | TaskFailed:
    from . import check  # pypdf, EPUBCheck (Java) and Ace: only when asked

    config = load_config(folder / "book.toml")
    out = project.outputs(folder.name)
    results = [
        *check.check_pdf(out["pdf"], "PDF", config),
        *check.check_pdf(out["print"], "print PDF", config),
        *check.check_epub(out["epub"], project.root),
    ]
    say(check.table(folder.name, results))
    failed = [r for r in results if r.status == "FAIL"]
    return TaskFailed(f"{folder.name}: {len(failed)} check(s) failed") if failed else f"{folder.name}: all checks pass"


@reported
def build_proofs(pdf: Path, folder: Path, project: Project) -> str:
    from .proof import write_proofs

    return f"{_rel(folder, project)}: {write_proofs(pdf, folder)} page images and contact.png"


def _kib(path: Path) -> str:
    return f"{path.stat().st_size // 1024} KiB"


def _rel(path: Path, project: Project) -> str:
    return str(path.relative_to(project.root)) if path.is_relative_to(project.root) else str(path)


def _processes(books: int) -> int:
    """How many processes plain `doit` runs tasks in: one a core, up to two a book (the lint and
    the cover beside the layout); 0, doit's serial runner, on one core. `doit -n N` overrides it."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    processes = min(cores, 2 * books)
    return processes if processes > 1 else 0


def _die_with_parent() -> None:
    """In each process doit forks to run tasks: end when doit does. A doit killed outright (kill -9,
    a CI timeout) would otherwise leave its workers waiting for tasks for ever, or finishing one
    and writing its files after a new build has begun. Linux only (prctl PR_SET_PDEATHSIG)."""
    with contextlib.suppress(OSError, AttributeError):  # not Linux
        ctypes.CDLL(None).prctl(1, signal.SIGTERM)  # 1: PR_SET_PDEATHSIG


class _Workers:
    """What multiprocessing's after-fork hook hangs on (it holds the object weakly)."""


_WORKERS = _Workers()
multiprocessing.util.register_after_fork(_WORKERS, lambda _: _die_with_parent())


def make_tasks(root: Path) -> dict[str, object]:
    """The task creators for the project at `root`, for a dodo.py or a ModuleTaskLoader."""
    project = Project(root)
    project.build.mkdir(parents=True, exist_ok=True)  # doit keeps its state file there

    def book_task(
        folder: Path, doc: str, action, file_dep: list[Path], targets: list[Path], settings: object, libraries: tuple[str, ...], **more
    ) -> dict:
        """A book's task: its action, inputs and outputs, and ONE config_changed over the book
        settings it reads and the versions of the libraries it runs."""
        return {
            "name": folder.name,
            "doc": f"{doc} of {folder.name}",
            "actions": [(action, [folder, project])],
            "file_dep": file_dep,
            "targets": targets,
            "uptodate": [config_changed({"book": settings, "versions": _versions(libraries)})],
            "clean": True,
            **more,
        }

    def task_lint():
        """Check each book's text (python -m folio lint); write build/<slug>/fidelity.txt where it names its source."""
        for folder in find_books(project.content):
            inputs, book_metadata = _book_inputs(folder, _PRINT_ONLY_KEYS)
            fidelity = [project.outputs(folder.name)["fidelity"]] if book_metadata.get("source_text") else []
            yield book_task(
                folder,
                "content checks",
                lint,
                [*inputs, *_lint_inputs(folder, book_metadata), *_modules(_LINT_MODULES)],
                fidelity,
                book_metadata,
                _LINT_LIBRARIES,
            )

    def task_layout():
        """Lay out each book with WeasyPrint, while the lint runs: its two PDFs and page map under build/<slug>/."""
        for folder in find_books(project.content):
            inputs, book_metadata = _book_inputs(folder)
            out = project.outputs(folder.name)
            yield book_task(
                folder,
                "print layout",
                lay_out,
                [*inputs, project.styles / "print.css", *_modules(_PDF_MODULES)],
                [out["laid-out pdf"], out["laid-out print"], out["html"], out["pagemap"]],
                book_metadata,
                _PDF_LIBRARIES,
            )

    def task_pdf():
        """Publish each book's PDFs once its text passes the lint: build/<slug>.pdf (download), build/<slug>-print.pdf (print)."""
        for folder in find_books(project.content):
            out = project.outputs(folder.name)
            yield {
                "name": folder.name,
                "doc": f"PDF editions of {folder.name}",
                "actions": [(publish_pdfs, [folder, project])],
                "task_dep": [f"lint:{folder.name}"],
                "file_dep": [out["laid-out pdf"], out["laid-out print"]],
                "targets": [out["pdf"], out["print"]],
                "clean": True,
            }

    def task_cover():
        """Draw each book's cover image from its title, subtitle and authors: build/<slug>/cover.png, for the EPUB."""
        for folder in find_books(project.content):
            _, book_metadata = _book_inputs(folder)
            yield book_task(
                folder,
                "cover image",
                draw_cover,
                _modules(_COVER_MODULES),
                [project.outputs(folder.name)["cover"]],
                {key: book_metadata.get(key) for key in _COVER_KEYS},
                _COVER_LIBRARIES,
            )

    def task_epub():
        """Write each book's EPUB 3 with ebooklib: build/<slug>.epub."""
        for folder in find_books(project.content):
            inputs, book_metadata = _book_inputs(folder, _PRINT_ONLY_KEYS)
            out = project.outputs(folder.name)
            # The print page map: the EPUB is rebuilt only if the print pages really moved.
            yield book_task(
                folder,
                "EPUB edition",
                build_epub,
                [*inputs, out["pagemap"], out["cover"], project.styles / "epub.css", *_modules(_EPUB_MODULES)],
                [out["epub"]],
                book_metadata,
                _EPUB_LIBRARIES,
                task_dep=[f"lint:{folder.name}"],
            )

    def task_check():
        """Run the validators on each book's built editions (EPUBCheck, Ace where installed, the PDF checks) and print a table."""
        for folder in find_books(project.content):
            out = project.outputs(folder.name)
            yield {
                "name": folder.name,
                "doc": f"validators on the editions of {folder.name}",
                "actions": [(check_editions, [folder, project])],
                "file_dep": [out["pdf"], out["print"], out["epub"]],
                "uptodate": [False],  # a check is asked for: it always runs
                "verbosity": 2,
            }

    def task_proof():
        """Render the print PDF's pages to PNG, and a contact sheet, under build/<slug>/proof/."""
        for folder in find_books(project.content):
            out = project.outputs(folder.name)
            proof = project.build / folder.name / "proof"
            yield {
                "name": folder.name,
                "doc": f"page images of {folder.name}",
                "actions": [(build_proofs, [out["print"], proof, project])],
                "file_dep": [out["print"], *_modules(("proof", "fileio"))],
                "targets": [proof / "contact.png"],
                "uptodate": [config_changed({"versions": _versions(("pypdfium2", "pillow"))})],
                "clean": True,
            }

    return {
        "task_lint": task_lint,
        "task_layout": task_layout,
        "task_cover": task_cover,
        "task_pdf": task_pdf,
        "task_epub": task_epub,
        "task_proof": task_proof,
        "task_check": task_check,
        "DOIT_CONFIG": {
            "default_tasks": ["lint", "pdf", "epub"],
            "num_process": _processes(len(find_books(project.content))),
            "dep_file": str(project.build / ".doit.db"),
            "backend": "sqlite3",  # safe when `doit -n N` runs tasks in parallel processes
            "verbosity": 2,
        },
    }
