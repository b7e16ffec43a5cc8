"""What each task of the build does: one function a task, each a call into its stage, returning
the one line the task prints (what it made), or raising BuildError (a mistake in the book, named
at its place) or Failed (a failure whose details are already printed).

The stages are imported inside the functions that run them: deciding that nothing is to do needs
none of them (WeasyPrint alone takes 0.2 s to import), and each task depends on the modules its
own function reaches (folio.imports reads them).
"""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path
from typing import TextIO

from .config import ALLOW_FILE, WORDS_FILE, load_config
from .errors import Failed
from .fileio import atomic_folder, atomic_path, publish, write_text
from .project import Project, RenderContext
from .workers import Stopped, run_stoppable, stop_group


def say(text: str, stream: TextIO | None = None) -> None:
    """Print a line in one write: tasks in parallel processes share the terminal with doit,
    and print() writes a line's end apart from it (`folio watch` reads the lines)."""
    stream = stream or sys.stdout
    stream.write(text + "\n")
    stream.flush()


def kib(path: Path) -> str:
    return f"{path.stat().st_size // 1024} KiB"


def context(folder: Path, project: Project, stylesheet: str) -> RenderContext:
    """The parsed book (once per process for all its editions), where its outputs go, and the
    renderer's stylesheet."""
    from .load import check_identifier
    from .transforms import prepared_book

    book = prepared_book(folder)  # mistakes in the book show before a renderer is loaded
    check_identifier(folder, book.config, project.content)
    return RenderContext(book, project.files(book.slug), project.styles / stylesheet)


def lint(folder: Path, project: Project) -> str:
    from .lint import lint_book  # the dictionary: only when the lint really runs

    result = lint_book(folder)
    if result.fidelity is not None:
        write_text(project.files(folder.name).fidelity, result.fidelity)
    for finding in result.notes + result.findings:  # notes (N001) say what was not checked, and fail nothing
        say(str(dataclasses.replace(finding, path=Path(project.relative(finding.path)))))
    if result.findings:
        stop_group(project.files(folder.name).layout_pid)  # no edition will be published: end the layout now
        raise Failed(
            f"{folder.name}: the lint found {len(result.findings)} problem(s); the editions are "
            f"not built (accept a finding on purpose in {WORDS_FILE} or {ALLOW_FILE})"
        )
    return f"{folder.name}: the text passes the lint" + (", and is faithful to its source" if result.fidelity else "")


def lay_out(folder: Path, project: Project) -> str:
    ctx = context(folder, project, "print.css")

    from . import pdf  # WeasyPrint: only when a PDF is really built
    from .html import print_document
    from .pagemap import write_pagemap

    pdf.check_coverage(ctx.book)
    html = print_document(ctx.book)
    write_text(ctx.files.html, html)
    try:  # in a process of its own, which a failing lint ends at once
        written = run_stoppable(lambda: pdf.write_pdfs(ctx, html), ctx.files.layout_pid)
    except Stopped:
        raise Failed(f"{folder.name}: the layout was stopped, as the lint failed") from None
    write_pagemap(ctx.files.pagemap, written.starts)
    for warning in written.warnings:
        say(f"{folder.name}: WeasyPrint: {warning}", sys.stderr)
    return f"{folder.name}: laid out, {written.pages} pages ({written.print_pages} in print)"


def publish_pdfs(folder: Path, project: Project) -> str:
    files = project.files(folder.name)
    publish(files.laid_out_pdf, files.pdf)
    publish(files.laid_out_print, files.print)
    return f"{project.relative(files.pdf)}: {kib(files.pdf)}; {project.relative(files.print)}: {kib(files.print)}"


def write_epub(folder: Path, project: Project) -> str:
    ctx = context(folder, project, "epub.css")

    from . import epub  # ebooklib: only when an EPUB is really built
    from .pagemap import read_pagemap

    pages = read_pagemap(ctx.files.pagemap)  # written by the layout, which doit runs first
    epub.write_epub(ctx, ctx.files.cover.read_bytes(), pages)
    chapters = f"{len(ctx.book.chapters)} chapter" + ("s" if len(ctx.book.chapters) > 1 else "")
    return f"{project.relative(ctx.files.epub)}: {chapters}, {len(pages)} print pages marked, {kib(ctx.files.epub)}"


def write_web(folder: Path, project: Project) -> str:
    """The web edition: build/site/<slug>/read/, replaced whole; the faces it uses, for the site."""
    import json

    from .web import faces_used, write_web_edition

    ctx = context(folder, project, "web.css")
    with atomic_folder(ctx.files.site.web) as tmp:
        pages = write_web_edition(ctx.book, tmp)
    write_text(ctx.files.web_faces, json.dumps(faces_used(ctx.book)))
    return f"{project.relative(ctx.files.site.web)}/: {pages} pages"


def write_book_page(folder: Path, project: Project) -> str:
    """The book's folder in the site: copies of its editions, its cover, its page, its OPDS entry."""
    from .site import write_book_page as write  # pypdf and Pillow: only when a book's page is written

    files = project.files(folder.name)
    editions = write(load_config(folder / "book.toml"), folder.name, files)
    return f"{project.relative(files.site.page)}: " + ", ".join(f"{e.label} {e.size // 1024} KiB" for e in editions)


def write_site(content: Path, project: Project) -> str:
    """The site's root: the catalogue, the OPDS feed, the shared stylesheet, script and fonts."""
    from .load import find_books
    from .site import write_catalogue

    books = [(folder.name, load_config(folder / "book.toml"), project.files(folder.name)) for folder in find_books(content)]
    write_catalogue(project.site, books, project.styles / "web.css", Path(__file__).with_name("notes.js"))
    return f"{project.relative(project.site)}/index.html, opds.xml: {len(books)} book" + ("s" if len(books) != 1 else "")


def draw_cover(folder: Path, project: Project) -> str:
    from .cover import cover_png  # Pillow: only when a cover is really drawn

    target = project.files(folder.name).cover
    png = cover_png(load_config(folder / "book.toml"), folder / "book.toml")
    with atomic_path(target) as tmp:
        tmp.write_bytes(png)
    return f"{project.relative(target)}: {kib(target)}"


def check_editions(folder: Path, project: Project) -> str:
    from . import check  # pypdf, EPUBCheck (Java) and Ace: only when asked

    config = load_config(folder / "book.toml")
    files = project.files(folder.name)
    results = [
        *check.check_pdf(files.pdf, "PDF", config),
        *check.check_pdf(files.print, "print PDF", config),
        *check.check_epub(files.epub, project.root),
    ]
    say(check.table(folder.name, results))
    failed = [r for r in results if r.status == "FAIL"]
    if failed:
        raise Failed(f"{folder.name}: {len(failed)} check(s) failed")
    return f"{folder.name}: all checks pass"


def make_proofs(folder: Path, project: Project) -> str:
    from .proof import write_proofs

    files = project.files(folder.name)
    return f"{project.relative(files.proofs)}: {write_proofs(files.print, files.proofs)} page images and contact.png"
