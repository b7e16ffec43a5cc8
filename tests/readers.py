"""Read built editions as a reader's tools do: pypdf and pdfplumber for PDFs; lxml, EPUBCheck
and DAISY Ace for EPUBs."""

from __future__ import annotations

import io
import itertools
import re
import shutil
import statistics
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pdfplumber
from lxml import etree
from pypdf import PdfReader

from folio import check
from folio.check import epubcheck_messages  # noqa: F401 - the tests' EPUBCheck is doit check's

NS = {
    "opf": "http://www.idpf.org/2007/opf",
    "dc": "http://purl.org/dc/elements/1.1/",
    "x": "http://www.w3.org/1999/xhtml",
    "epub": "http://www.idpf.org/2007/ops",
    "ncx": "http://www.daisy.org/z3986/2005/ncx/",
}
ROOT = Path(__file__).resolve().parent.parent
ACE = ROOT / "node_modules" / ".bin" / "ace-puppeteer"  # installed by bin/setup --test (npm)
CHROMIUM = shutil.which("chromium")
BODY_TOP = 0.8 * 72  # the page's top margin (styles/print.css)
BODY_BOTTOM = 0.85 * 72  # and its bottom margin


def squash(text: str) -> str:
    return " ".join(text.replace("\u00ad", "").split())


@dataclass
class PdfEdition:
    path: Path

    def __post_init__(self):
        self.reader = PdfReader(self.path)
        self.plumber = pdfplumber.open(self.path)
        self.pages = self.plumber.pages

    def destinations(self) -> dict[str, int]:
        """Named destinations (one per element id) -> 0-based page index."""
        return {name: self.reader.get_destination_page_number(dest) for name, dest in self.reader.named_destinations.items()}

    def body_chars(self, index: int, max_size: float | None = None, min_size: float | None = None):
        page = self.pages[index]
        return [
            c
            for c in page.chars
            if BODY_TOP <= c["top"] <= page.height - BODY_BOTTOM
            and (max_size is None or c["size"] <= max_size)
            and (min_size is None or c["size"] >= min_size)
        ]

    def text(self, index: int) -> str:
        return squash(self.pages[index].extract_text() or "")

    def _band(self, index: int, top: float, bottom: float, sizes=(0, 100)) -> str:
        """The text whose characters' middles lie between `top` and `bottom`, in a size range."""

        def keep(o):
            if o.get("object_type") != "char":
                return True
            return top <= (o["top"] + o["bottom"]) / 2 <= bottom and sizes[0] <= o["size"] <= sizes[1]

        return squash(self.pages[index].filter(keep).extract_text() or "")

    def footnote_area_text(self, index: int) -> str:
        """The notes' small type at the foot of a page, below the text."""
        height = self.pages[index].height
        return self._band(index, height / 3, height - BODY_BOTTOM, sizes=(8, 9))

    def folio(self, index: int) -> str:
        """The page number printed in the bottom margin, or '' where none is printed."""
        height = self.pages[index].height
        return self._band(index, height - BODY_BOTTOM, height)

    def running_head(self, index: int) -> str:
        return self._band(index, 0, BODY_TOP)

    def broken_lines(self, first: int, size: float = 11) -> list[str]:
        """Lines of running text that stop short although their paragraph goes on below them."""
        problems = []
        for index in range(first, len(self.pages)):
            page = self.pages[index]
            lines = [
                line
                for line in page.extract_text_lines()
                if BODY_TOP <= line["top"]
                and line["bottom"] <= page.height - BODY_BOTTOM + 5
                and abs(statistics.mode(c["size"] for c in line["chars"]) - size) < 0.5
            ]
            if not lines:
                continue
            left, right = min(line["x0"] for line in lines), max(line["x1"] for line in lines)
            for a, b in itertools.pairwise(lines):
                adjacent = b["top"] - a["top"] < size * 1.6
                continues = abs(b["x0"] - left) < 1 and a["x0"] < left + size * 1.3  # no indent below
                continues = continues and not re.match(r"[•◦▪]|\d+\.\s", b["text"])  # not the next list item
                if adjacent and continues and a["x1"] < right - 2 * size:
                    problems.append(f"page {index + 1}: {a['text']!r} / {b['text']!r}")
        return problems

    def contents(self) -> list[tuple[str, str]]:
        """(entry, page number) for every line of the printed contents."""
        index = self.destinations()["front_contents"]
        entries = []
        for line in self.pages[index].extract_text_lines():
            m = re.match(r"^(.*?)[\s.]*\s(\d+)$", line["text"])
            if m:
                entries.append((squash(m.group(1)), m.group(2)))
        return entries

    def links(self, index: int) -> list[str]:
        """The named destinations the page's link annotations point to, in order."""
        annots = [a.get_object() for a in self.reader.pages[index].get("/Annots") or []]
        return [str(a["/Dest"]) for a in annots if a.get("/Subtype") == "/Link" and "/Dest" in a]

    def outline(self) -> list:
        """The bookmarks as [(title, [(title, [...]), ...]), ...]."""

        def walk(items):
            tree = []
            for item in items:
                if isinstance(item, list):
                    tree[-1] = (tree[-1][0], walk(item))
                else:
                    tree.append((item.title, []))
            return tree

        return walk(self.reader.outline)

    def boxes(self, index: int) -> dict[str, tuple[float, ...]]:
        page = self.reader.pages[index]
        return {
            name: tuple(round(float(v), 2) for v in page[f"/{name}"]) for name in ("MediaBox", "TrimBox", "BleedBox") if f"/{name}" in page
        }

    def lines(self, index: int) -> list[dict]:
        """Text lines with their position and main type size."""
        return [
            dict(line, size=statistics.mode(round(c["size"], 1) for c in line["chars"])) for line in self.pages[index].extract_text_lines()
        ]

    def fonts(self) -> set[str]:
        names = set()
        for page in self.reader.pages:
            for font in (page["/Resources"].get("/Font") or {}).values():
                font = font.get_object()
                descendants = font.get("/DescendantFonts")
                descriptor = (descendants[0].get_object() if descendants else font).get("/FontDescriptor")
                embedded = descriptor and any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))
                names.add(f"{font['/BaseFont']}{'' if embedded else ' (not embedded)'}")
        return names


@dataclass
class EpubEdition:
    path: Path

    def __post_init__(self):
        self.zip = zipfile.ZipFile(self.path)
        container = self.xml("META-INF/container.xml")
        self.opf_path = container.xpath("//*[local-name()='rootfile']/@full-path")[0]
        self.opf = self.xml(self.opf_path)
        self.base = str(Path(self.opf_path).parent)

    def xml(self, name: str) -> etree._Element:
        return etree.parse(io.BytesIO(self.zip.read(name))).getroot()

    def item(self, href: str) -> etree._Element:
        return self.xml(f"{self.base}/{href}")

    def spine(self) -> list[str]:
        items = {i.get("id"): i.get("href") for i in self.opf.xpath("//opf:manifest/opf:item", namespaces=NS)}
        return [items[r.get("idref")] for r in self.opf.xpath("//opf:spine/opf:itemref", namespaces=NS)]

    def nav(self) -> etree._Element:
        href = self.opf.xpath("//opf:item[contains(@properties, 'nav')]/@href", namespaces=NS)[0]
        return self.item(href)

    def text(self) -> str:
        return squash(" ".join("".join(self.item(h).itertext()) for h in self.spine()))

    def document(self, href: str) -> etree._Element:
        """A content document by its href in the package, fragment and all ignored."""
        return self.item(href.split("#")[0])


def ace_violations(path: Path, out: Path) -> tuple[list[str], dict]:
    """DAISY Ace's failed checks on an EPUB, as `doit check` runs it, and its whole report."""
    return check.ace_violations(path, ACE, out)
