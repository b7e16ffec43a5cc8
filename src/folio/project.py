"""Where things are (content/, styles/, build/ and each book's outputs), and the one context a
renderer is handed. The only owner of output paths: the tasks, the stages and the lint ask here.
"""

from __future__ import annotations

import contextlib
import dataclasses
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the model imports markdown-it: not needed to decide what to rebuild
    from .config import BookConfig
    from .model import Book


@dataclass(frozen=True)
class BookFiles:
    """What a book's build writes: the three editions in build/, its part of the site in
    build/site/<slug>/, the rest in build/<slug>/."""

    pdf: Path  # the PDF people download
    print: Path  # the print interior
    epub: Path
    html: Path  # the HTML both PDFs are laid out from
    pagemap: Path  # where the print pages begin, for the EPUB's page-list
    laid_out_pdf: Path  # the PDFs as laid out, published to pdf and print once the text passes the lint
    laid_out_print: Path
    fidelity: Path  # the lint's report of the edition against its source
    cover: Path
    proofs: Path  # page images of the print PDF (doit proof)
    site: SiteFiles  # the book's folder in the site
    web_faces: Path  # the faces the web edition uses, for the site's stylesheet
    layout_pid: Path  # the running layout's process, which a failing lint ends


# The site's own files at its root: the OPDS feed, and the shared stylesheet, script and fonts
# in a folder no book may take the name of.
FEED = "opds.xml"
STATIC = "_static"


@dataclass(frozen=True)
class SiteFiles:
    """A book's folder in the site, build/site/<slug>/."""

    folder: Path
    page: Path  # index.html: the book's page
    entry: Path  # its OPDS catalogue entry
    cover: Path
    thumbnail: Path
    web: Path  # the web edition, read/
    copies: tuple[Path, ...]  # of the download PDF, the EPUB and the print PDF, in that order

    def written(self) -> list[Path]:
        """What the book's page task writes (the web edition is another task's)."""
        return [*self.copies, self.cover, self.thumbnail, self.entry, self.page]


@dataclass(frozen=True)
class Project:
    """A project: content/ (a folder a book), styles/ and build/ under one root."""

    root: Path

    def __post_init__(self) -> None:
        object.__setattr__(self, "root", self.root.resolve())

    @classmethod
    def of_book(cls, folder: Path) -> Project:
        """The project a book folder (content/<slug>/) belongs to."""
        return cls(folder.resolve().parent.parent)

    @property
    def content(self) -> Path:
        return self.root / "content"

    @property
    def styles(self) -> Path:
        return self.root / "styles"

    @property
    def build(self) -> Path:
        return self.root / "build"

    @property
    def site(self) -> Path:
        """The static site: a catalogue, a page and a web edition a book, an OPDS feed."""
        return self.build / "site"

    def files(self, slug: str) -> BookFiles:
        own = self.build / slug
        site = self.site / slug
        return BookFiles(
            pdf=self.build / f"{slug}.pdf",
            print=self.build / f"{slug}-print.pdf",
            epub=self.build / f"{slug}.epub",
            html=own / "print.html",
            pagemap=own / "pagemap.json",
            laid_out_pdf=own / f"{slug}.pdf",
            laid_out_print=own / f"{slug}-print.pdf",
            fidelity=own / "fidelity.txt",
            cover=own / "cover.png",
            proofs=own / "proof",
            site=SiteFiles(
                folder=site,
                page=site / "index.html",
                entry=site / "opds-entry.xml",
                cover=site / "cover.png",
                thumbnail=site / "cover-thumbnail.png",
                web=site / "read",
                copies=(site / f"{slug}.pdf", site / f"{slug}.epub", site / f"{slug}-print.pdf"),
            ),
            web_faces=own / "web-faces.json",
            layout_pid=own / ".layout.pid",
        )

    def check_writable(self) -> None:
        """A build folder that cannot be written ends the build at once, in one line (doit would
        end it with a traceback from its state database)."""
        try:
            self.build.mkdir(parents=True, exist_ok=True)
            with tempfile.TemporaryFile(dir=self.build):
                pass
            with (self.build / ".doit.db").open("ab") if (self.build / ".doit.db").exists() else contextlib.nullcontext():
                pass
        except OSError as e:
            raise SystemExit(f"{self.build}: cannot write the editions there: {e.strerror} (a read-only folder?)") from None

    def clashes(self, books: list[Path]) -> list[tuple[Path, Path, Path]]:
        """Pairs of books that would write the same file (slugs 't' and 't-print': build/t-print.pdf)."""
        writer: dict[Path, Path] = {}
        clashes = []
        for folder in books:
            for path in _flat(dataclasses.astuple(self.files(folder.name))):
                if path in writer and writer[path] != folder:
                    clashes.append((writer[path], folder, path))
                writer.setdefault(path, folder)
        return clashes

    def relative(self, path: Path) -> str:
        """A path as the user sees it: from the project's folder where it is inside it."""
        return str(path.relative_to(self.root)) if path.is_absolute() and path.is_relative_to(self.root) else str(path)


def _flat(paths: tuple) -> list[Path]:
    """The paths of a tuple of paths and of tuples of them (a book's files in the site)."""
    return [p for item in paths for p in (_flat(item) if isinstance(item, tuple) else [item])]


@dataclass(frozen=True)
class RenderContext:
    """What every renderer is handed (as mdBook's RenderContext): the parsed book, where its
    outputs go, and the renderer's stylesheet."""

    book: Book
    files: BookFiles
    stylesheet: Path

    @property
    def config(self) -> BookConfig:
        return self.book.config
