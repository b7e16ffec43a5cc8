"""The `folio` command (also `python -m folio`): start a book, check its text, watch it.

    folio new SLUG [--title T] [--author A]   a new book under content/ that `doit` builds at once
    folio lint [PATH ...]                     the content checks: one finding a line,
                                              `path:line:col: CODE message`; exit 0 when clean,
                                              1 on findings, 2 when a file cannot be checked
    folio watch                               rebuild when content/ or styles/ change
    folio serve [--port N]                    serve build/site/ on 127.0.0.1, rebuilding as watch does

Errors are one line naming the place, never a traceback.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import os
import re
import shutil
import sys
import tempfile
import time
import uuid
from pathlib import Path

from .config import load_config
from .errors import CONTROL, BuildError, printable
from .load import find_books


def _shown(path: Path) -> Path:
    """Paths relative to the working folder where they are inside it, as the user typed them."""
    try:
        return Path(os.path.relpath(path)) if path.is_absolute() and path.is_relative_to(Path.cwd()) else path
    except ValueError:
        return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="folio", description="Start, check and watch books; `doit` builds them.")
    commands = parser.add_subparsers(dest="command", required=True)
    new = commands.add_parser(
        "new",
        help="start a book under content/",
        description=("Make content/SLUG/ with a book.toml (a fresh identifier, today's date) and a first chapter."),
    )
    new.add_argument("slug", help="the book's folder name, and its outputs' names: lowercase, digits, hyphens")
    new.add_argument("--title", help="the book's title (default: from the slug)")
    new.add_argument("--author", default="Your Name", help="the author (default: %(default)s)")
    new.add_argument("--language", default="en", help="BCP 47 language tag (default: %(default)s)")
    commands.add_parser(
        "watch",
        help="rebuild the editions when content/ or styles/ change",
        description="Run doit now and after every change under content/ or styles/; Ctrl-C stops.",
    )
    serving = commands.add_parser(
        "serve",
        help="serve the site (build/site/) on 127.0.0.1 to preview it, rebuilding as watch does",
        description="Serve build/site/ at http://127.0.0.1:PORT/ and rebuild now and after every change under content/ or styles/; Ctrl-C stops.",
    )
    serving.add_argument("--port", type=int, default=0, help="the port to listen on (default: a free one)")
    lint = commands.add_parser(
        "lint",
        help="check the text of books or files",
        description="Check books (folders with a book.toml) or single Markdown or text files. With no path, every book under content/.",
    )
    lint.add_argument("paths", nargs="*", type=Path, metavar="PATH")
    args = parser.parse_args(argv)
    if args.command == "new":
        return new_book(args.slug, args.title, args.author, args.language)
    if args.command == "watch":
        return watch()
    if args.command == "serve":
        return serve(args.port)

    from .lint import lint_path  # the dictionary: not for `folio new` or `folio watch`

    paths = args.paths or find_books(Path("content"))
    status = 0
    for path in paths:
        try:
            result = lint_path(path)
        except BuildError as e:
            e.path = _shown(e.path)
            print(e, file=sys.stderr)
            status = 2
            continue
        except Exception as e:  # noqa: BLE001 - a fault of the lint itself: say where it happened, without a traceback
            print(f"{_shown(path)}: the lint failed: {type(e).__name__}: {e}", file=sys.stderr)
            status = 2
            continue
        for finding in result.notes + result.findings:  # notes (N001) say what was not checked, and fail nothing
            print(dataclasses.replace(finding, path=_shown(finding.path)))
        if result.findings:
            status = max(status, 1)
    return status


def new_book(slug: str, title: str | None, author: str, language: str) -> int:
    """Scaffold content/<slug>/: a book.toml and a first chapter with a note, ready for `doit`.
    The book is made aside and checked as every build checks it, then put in place whole: a
    refused title or slug leaves nothing behind."""
    content = Path("content")
    folder = content / slug

    def refuse(message: str) -> int:
        print(printable(f"{folder}: {message}"), file=sys.stderr)
        return 2

    if not re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", slug):
        return refuse("the slug must be lowercase letters and digits, joined by hyphens")
    longest = _name_max(content) - len(".-print.pdf.4194304.12345678.tmp")  # the longest name a build writes
    if len(slug) > longest:
        return refuse(f"the slug has {len(slug)} characters; the file system allows file names for at most {longest}")
    for option, value in (("--title", title), ("--author", author), ("--language", language)):
        if value is not None and not _utf8(value):
            return refuse(f"{option}: not valid UTF-8")
        if value is not None and (control := CONTROL.search(value)):
            return refuse(f"{option}: a control character {printable(control[0])} is not allowed")
    if folder.exists():
        return refuse("already exists; choose another slug")
    title = title or slug.replace("-", " ").capitalize()
    toml = (
        f'# The book\'s settings: README.md, section "Edit a book and rebuild", lists every key.\n'
        f"title = {json.dumps(title, ensure_ascii=False)}\n"
        f"language = {json.dumps(language)}\n"
        f"authors = [{json.dumps(author, ensure_ascii=False)}]\n"
        f'identifier = "urn:uuid:{uuid.uuid4()}"  # stable: never change it\n'
        f"date = {dt.date.today().isoformat()}  # the edition's date: every date in the outputs\n"
        f'license = "All rights reserved"\n'
        f'chapters = ["01-chapter.md"]\n'
    )
    chapter = (
        "# Chapter one\n\n"
        "Write the first paragraph here. A note is called like this[^first] and written below.\n\n"
        "[^first]: The text of the note.\n"
    )
    from .languages import is_english

    if not is_english(language):  # English words in another language's book: marked, so the lint checks them in English
        chapter = (
            "# [Chapter one]{lang=en}\n\n"
            "[Write the first paragraph here. A note is called like this]{lang=en}[^first] [and written below.]{lang=en}\n\n"
            "[^first]: [The text of the note.]{lang=en}\n"
        )
    content.mkdir(exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".new-", dir=content))
    try:
        (staging / "book.toml").write_text(toml, encoding="utf-8")
        (staging / "01-chapter.md").write_text(chapter, encoding="utf-8")
        load_config(staging / "book.toml")  # what every build checks: a title with a control character, a bad language
        os.rename(staging, folder)
    except BuildError as e:
        return refuse(e.message)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    print(f"{folder}: book.toml and 01-chapter.md; now run doit")
    return 0


def _utf8(text: str) -> bool:
    """Whether a command-line argument was valid UTF-8 (Python keeps the bytes it could not decode
    as lone surrogates)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _name_max(folder: Path) -> int:
    try:
        return os.pathconf(folder if folder.exists() else ".", "PC_NAME_MAX")
    except (OSError, ValueError):
        return 255


def watch() -> int:
    """Rebuild after every change under content/ or styles/, saying what was rebuilt and how long it took."""
    from watchfiles import watch as changes

    from .tasks import run_build

    def build() -> None:
        started = time.perf_counter()
        code, ran, errors = run_build()
        state = "failed" if code else "rebuilt"
        print(f"{time.strftime('%H:%M:%S')} {state} {', '.join(ran) or 'nothing'} in {time.perf_counter() - started:.1f} s", flush=True)
        if code:
            print("\n".join(errors), flush=True)

    watching = False
    # A first empty set once the watcher runs: what changes from then on is seen, during a build too.
    for changed in changes("content", "styles", rust_timeout=200, yield_on_timeout=True):
        if not watching:
            build()
            print("watching content/ and styles/ (Ctrl-C stops)", flush=True)
            watching = True
        elif changed:
            build()
    return 0


def serve(port: int) -> int:
    """Serve build/site/ on 127.0.0.1 (reachable from this machine only) while watch() rebuilds it."""
    import functools
    import threading
    from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

    from .project import FEED, Project

    site = Project(Path.cwd()).site
    site.mkdir(parents=True, exist_ok=True)

    class Handler(SimpleHTTPRequestHandler):
        """Files with the types reading apps expect (OPDS, EPUB, WOFF2), without a log line each."""

        def guess_type(self, path) -> str:
            name = Path(str(path)).name
            if name == FEED:
                return "application/atom+xml;profile=opds-catalog;kind=acquisition"
            if name.endswith("opds-entry.xml"):
                return "application/atom+xml;type=entry;profile=opds-catalog"
            return {".epub": "application/epub+zip", ".woff2": "font/woff2", ".js": "text/javascript"}.get(
                Path(name).suffix
            ) or super().guess_type(path)

        def log_message(self, *args) -> None:
            pass

    try:
        server = ThreadingHTTPServer(("127.0.0.1", port), functools.partial(Handler, directory=str(site)))
    except OSError as e:
        print(f"folio serve: cannot listen on 127.0.0.1:{port}: {e.strerror}", file=sys.stderr)
        return 2
    threading.Thread(target=server.serve_forever, daemon=True).start()
    print(f"serving {_shown(site)}/ at http://127.0.0.1:{server.server_port}/ (Ctrl-C stops)", flush=True)
    try:
        return watch()
    finally:
        server.shutdown()
        server.server_close()


def run() -> None:
    """The `folio` console script."""
    try:
        sys.exit(main())
    except BrokenPipeError:  # `| head`: stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(1)
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    run()
