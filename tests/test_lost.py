"""What WeasyPrint would lose stops the build with a BuildError naming the book (or the note, or
the character), never a warning on stderr; and a build leaves no temporary folder behind."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from books import write_book
from conftest import FIXTURES, ROOT

from folio import pdf
from folio.errors import BuildError
from folio.html import print_document
from folio.project import Project, RenderContext
from folio.transforms import prepare_book


def context(tmp_path: Path, text: str = "# A\n\nText.\n") -> RenderContext:
    book = prepare_book(write_book(tmp_path / "content" / "book", {"a.md": text}))
    return RenderContext(book, Project(tmp_path).files("book"), ROOT / "styles" / "print.css")


@pytest.mark.parametrize(
    "inject, message",
    [
        ("<p>\u0d06</p>", r"WeasyPrint drew a box: no font of the book covers U\+0D06"),  # past the coverage check
        # Book images reach WeasyPrint as data: URLs (images.py); this one's bytes do not decode.
        (
            '<p><img src="data:image/png;base64,iVBORw0KGgpub3QgYW4gaW1hZ2U=" alt="a picture"/></p>',
            "WeasyPrint lost content: Failed to load image",
        ),
        ('<p><a href="#nowhere">a dead link</a></p>', "WeasyPrint lost content: .*nowhere"),  # its page reference, or the link
    ],
    ids=["a glyph drawn as a box", "an image that does not decode", "a link to nothing"],
)
def test_lost_content_stops_the_build(tmp_path, inject, message):
    ctx = context(tmp_path)
    html = print_document(ctx.book).replace("</main>", f"{inject}</main>")
    with pytest.raises(BuildError, match=message) as error:
        pdf.write_pdfs(ctx, html)
    assert error.value.path == ctx.book.folder
    assert not ctx.files.laid_out_pdf.exists()


def test_a_note_too_long_for_a_page_stops_the_build(tmp_path):
    paragraphs = "\n\n".join(f"    Paragraph {n} of a note that has no end, and goes on, and on, and on." for n in range(80))
    ctx = context(tmp_path, f"# A\n\nText calls a long note.[^long] More text.\n\n[^long]: The note begins.\n\n{paragraphs}\n")
    with pytest.raises(BuildError, match=r"a\.md:5: note \[\^long\] \(note 1\) is too long for page \d+: WeasyPrint cannot split a note"):
        pdf.write_pdfs(ctx, print_document(ctx.book))


def test_a_build_leaves_no_temporary_folder(tmp_path):
    """WeasyPrint copies the fonts into a mkdtemp() folder that a forked process (the print interior
    laid out again for bleed and crop marks) never removes; doit's worker processes neither."""
    shutil.copytree(FIXTURES / "mini", tmp_path / "content" / "mini")
    with (tmp_path / "content" / "mini" / "book.toml").open("a") as toml:
        toml.write('\n[print]\nbleed = "0.125in"\ncrop_marks = true\n')
    shutil.copytree(ROOT / "styles", tmp_path / "styles")
    shutil.copy(ROOT / "dodo.py", tmp_path / "dodo.py")
    temp = tmp_path / "temp"
    temp.mkdir()
    doit = str(Path(sys.executable).parent / "doit")
    run = subprocess.run(
        [doit], cwd=tmp_path, env=os.environ | {"TMPDIR": str(temp)}, capture_output=True, text=True, check=False, timeout=600
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert (tmp_path / "build" / "mini-print.pdf").exists()
    assert list(temp.iterdir()) == []
