"""One headless Chromium for the whole test session, to read the editions in real reading systems.

pytest starts one `node tests/js/driver.mjs`, which launches Debian's Chromium through
puppeteer-core and answers JSON commands one a line; a static HTTP server in a thread serves the
files under test, tests/js and node_modules on http://127.0.0.1, since ES modules (foliate-js) do
not load from file://. Every call has a timeout: a call that hangs fails its test with what it was
doing, and the driver (and Chromium with it) is killed and started afresh for the next test. The
driver ends when its stdin does, when pytest ends, even killed outright; Chromium, on a pipe, with it.
"""

from __future__ import annotations

import functools
import itertools
import json
import queue
import shutil
import subprocess
import threading
import unicodedata
import zipfile
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest
from fontTools.ttLib import TTFont

ROOT = Path(__file__).resolve().parent.parent
DRIVER = ROOT / "tests" / "js" / "driver.mjs"
NODE = shutil.which("node")
CHROMIUM = shutil.which("chromium")
NPM_PACKAGES = ("puppeteer-core", "foliate-js", "epubjs", "jszip", "axe-core", "opds-feed-parser")  # package.json, npm ci
STARTUP = 60  # s for node and Chromium to start
MARGIN = 15  # s the Python side waits past a command's own timeout before it gives the driver up


def missing_tools() -> list[str]:
    """What the harness needs that bin/setup --test has not installed here."""
    missing = [name for name, present in (("node", NODE), ("Chromium", CHROMIUM)) if not present]
    return missing + [f"{p} (npm)" for p in NPM_PACKAGES if not (ROOT / "node_modules" / p / "package.json").exists()]


class _Quiet(SimpleHTTPRequestHandler):
    """Serves a folder without logging each request, with the types browsers insist on."""

    extensions_map: ClassVar = {
        **SimpleHTTPRequestHandler.extensions_map,
        ".js": "text/javascript",
        ".mjs": "text/javascript",
        ".xhtml": "application/xhtml+xml",
        ".css": "text/css",
        ".epub": "application/epub+zip",
        ".svg": "image/svg+xml",
        ".ttf": "font/ttf",
        ".otf": "font/otf",
        ".woff2": "font/woff2",
    }

    def log_message(self, *args) -> None:
        pass


class Browser:
    """The harness's Python API: each call returns plain data (dicts, lists, strings)."""

    def __init__(self, workdir: Path):
        self.workdir = workdir
        self.site = workdir / "site"  # what the server serves: files/ under test, js/, node_modules/
        (self.site / "files").mkdir(parents=True)
        (self.site / "js").symlink_to(DRIVER.parent)
        (self.site / "node_modules").symlink_to(ROOT / "node_modules")
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(self.site)))
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.origin = f"http://127.0.0.1:{self.server.server_port}"
        self._served = itertools.count(1)
        self._ids = itertools.count(1)
        self._cmaps: dict[tuple[str, bool], frozenset[int] | None] = {}
        self.driver: subprocess.Popen | None = None
        self.log = (workdir / "driver.log").open("a")  # the driver's and Chromium's stderr

    # -- serving files

    def serve(self, path: Path) -> str:
        """Copy a file, or a folder's contents, to a fresh folder of the site; return its URL."""
        folder = self.site / "files" / str(next(self._served))
        if path.is_dir():
            shutil.copytree(path, folder)
            return f"{self.origin}/files/{folder.name}/"
        folder.mkdir()
        shutil.copy(path, folder / path.name)
        return f"{self.origin}/files/{folder.name}/{path.name}"

    def serve_epub(self, path: Path) -> dict[str, str]:
        """Unpack an EPUB into the site; return the URL of each spine document, by its href."""
        from readers import EpubEdition

        epub = EpubEdition(path)
        folder = self.site / "files" / str(next(self._served))
        with zipfile.ZipFile(path) as archive:
            archive.extractall(folder)
        base = f"{self.origin}/files/{folder.name}/{epub.base}/".replace("/./", "/")
        return {href: base + href for href in epub.spine()}

    # -- the operations

    def open_epub(
        self,
        path: Path,
        reader: str = "foliate",
        width: int = 600,
        height: int = 800,
        font_scale: float = 1.0,
        flow: str = "paginated",
        timeout: float = 90,
    ) -> dict:
        """Read an EPUB in a real reading system, foliate-js ("foliate") or epub.js ("epubjs"), in a
        window of width x height px with the text at font_scale (1.5: 150%, set as the reader's
        own text size is: the root's font-size for foliate-js, themes.fontSize for epub.js), going
        through every document of the spine, each laid out as the reader lays it out.

        Overflow is measured inside the reader, in its own iframe, with its own stylesheet
        overrides (foliate-js forces `overflow-wrap: break-word` when it paginates, epub.js never):
        what a reader sees, not what a bare page would show. Both paginate with CSS columns (on the
        root, on the body), so the document's scrollWidth is the width of all its pages by design
        and says nothing; instead the columns are computed from that element's column-width,
        column-gap and padding, and every box (each element's client rects, one a column fragment,
        and each word's) is compared with the column it begins in. A box past its column's edge is
        cut off, or runs into the next page. Only the outermost of a nest of overflowing elements
        is named (a table, not its cells), and words only where their element does not itself
        overflow; a word that follows an overflowing one on its line may begin within the next
        column and go unnamed, but the one before it is. (flow="scrolled", foliate-js only: one
        column, the root's content box.)

        Returns {"documents": [{"href", "scrollWidth", "viewportWidth", "columnWidth", "fontSize"
        (the body's, px), "text" (characters in the body, spaces squashed), "overflows": [{"element": "tag.class", "text": snippet, "overflow": px
        past the edge}], "images": [{"src", "width" (natural, px: 0 where it did not decode)}]}], "consoleErrors": [...], "pageErrors": [...], "failedRequests": [...]},
        one document per spine item, in order, with the href the package gives it."""
        from readers import EpubEdition

        assert reader in ("foliate", "epubjs") and (flow == "paginated" or reader == "foliate")
        run = self._call("epub", timeout, url=self.serve(path), reader=reader, width=width, height=height, fontScale=font_scale, flow=flow)
        spine = EpubEdition(path).spine()
        assert len(run["documents"]) == len(spine), f"{reader} walked {len(run['documents'])} of {len(spine)} documents"
        run["documents"] = [{"href": href, **doc} for href, doc in zip(spine, run["documents"])]
        return run

    def page_metrics(self, url: str, width: int = 1280, height: int = 800, mobile: bool = False, timeout: float = 60) -> dict:
        """Load a page (mobile: as a phone does, with its viewport meta tag and touch) and return
        {"scrollWidth", "viewportWidth", "overflow": scrollWidth > innerWidth, "columnWidth",
        "overflows": [as open_epub's; what scrolls sideways in its own box is not an overflow],
        "fonts": ["family style weight" of each web font the page loaded], "consoleErrors",
        "pageErrors", "failedRequests"}; any request not to 127.0.0.1 (or a file:// URL) is refused
        and listed among the failed: a page must fetch nothing from outside."""
        return self._call("metrics", timeout, url=url, width=width, height=height, mobile=mobile)

    def notes(
        self,
        url: str,
        width: int = 1280,
        height: int = 800,
        mobile: bool = False,
        javascript: bool = True,
        limit: int = 3,
        tags: list[str] | bool | None = None,
        timeout: float = 60,
    ) -> dict:
        """Click the first `limit` note calls (a.noteref) of a page, each scrolled to the middle of
        the window first, with JavaScript on or off (off: the page's scripts are not loaded, which
        for the site's pages, whose one script is notes.js, is what a browser without JavaScript
        shows; Chromium's own switch would stop the harness's measurements too). Returns {"notes": how many calls the page has,
        "calls": [{"call": its id, "href", "before" and "after": {"url", "scrollY"}, "callBox",
        and with JavaScript "shown" (the element "folio-note-<call id>": where it is and its text)
        and "expanded" (the call's aria-expanded), without it "target" (the element the click went
        to) and "back" (where its back link went: {"url", "scrollY", "callBox"})}], then the page as
        page_metrics measures it with the notes open, "violations" (axe-core's, with tags: True
        for axe's own rule set, a list for the rules with those tags), "consoleErrors",
        "pageErrors", "failedRequests"}. A box is {"top", "bottom", "left", "right", "visible",
        "onScreen", "text"}, in px from the window's top left."""
        args = {"url": url, "width": width, "height": height, "mobile": mobile, "javascript": javascript, "limit": limit, "tags": tags}
        return self._call("notes", timeout, **args)

    def opds(self, url: str, timeout: float = 60) -> dict:
        """Read an OPDS catalogue as a reading app does, with opds-feed-parser (an OPDS client
        library): {"kind": "AcquisitionFeed" or "NavigationFeed", "id", "title", "updated",
        "entries": [{"id", "title", "authors", "language", "issued", "updated", "summary", "links":
        [{"kind": the parser's class for it ("OPDSAcquisitionLink", "OPDSArtworkLink",
        "AlternateLink"...), "rel", "href", "type", "title", and for acquisition and image links
        the download of it: "url" (resolved against the feed's), "status", "length", "sha256"}]}]}."""
        return self._call("opds", timeout, url=url)

    def axe(self, url: str, tags: list[str] | None = None, timeout: float = 60) -> list[dict]:
        """axe-core's violations on a page: [{"id", "impact", "help", "targets": [CSS selectors]}];
        tags, e.g. ["wcag2a", "wcag2aa"], runs only the rules with those tags (default: axe's own set)."""
        return self.axe_pages([url], tags, timeout)[url]

    def axe_pages(self, urls: list[str], tags: list[str] | None = None, timeout: float = 90) -> dict[str, list[dict]]:
        """axe() on several pages at once, {url: violations}: one page of Chromium goes from one to
        the next, which saves compiling axe-core for each (half a second)."""
        return self._call("axe", timeout, urls=list(urls), tags=tags)

    def fallback_glyphs(self, url: str, timeout: float = 60) -> list[dict]:
        """Which fonts really render each run of text on a page, and which characters none of them
        has (tofu), so that a test can tell a font the page ships ("custom") from a system font
        standing in for it, and catch characters drawn as empty boxes. Chromium's DevTools give
        the fonts (CSS.getPlatformFontsForNode); their cmaps are read here, from the site's font
        files or the system's (fontconfig), since Chromium reports a character no font has under
        the first font, with a glyph count as if it had it. A run is the part of one text node in
        one script (spaces and punctuation between two scripts stand alone): [{"text", "script"
        ("Latin", "Arabic", "Common"...), "element": "tag.class", "fonts": [{"family",
        "postScriptName", "custom", "glyphs"}] (none for text not shown), "missing": characters no
        font of the run has, or None where a font's file was not found}]. For an EPUB's documents,
        pass the URLs serve_epub returns."""
        runs = self._call("fonts", timeout, url=url)
        # A page's own fonts are in the folder it was served from: another folder may hold a font of
        # the same name with other characters (the subsets two EPUBs carry).
        served = self.site / "files" / url.removeprefix(f"{self.origin}/files/").split("/")[0]
        for run in runs:
            cmaps = [self._cmap(font["postScriptName"], font["family"], font["custom"], served) for font in run["fonts"]]
            run["missing"] = (
                None
                if None in cmaps
                else []
                if not cmaps
                else sorted(
                    {
                        c
                        for c in run["text"]
                        if not any(ord(c) in cmap for cmap in cmaps) and not c.isspace() and unicodedata.category(c) not in ("Cf", "Cc")
                    }
                )
            )
        return runs

    def _cmap(self, postscript: str, family: str, custom: bool, served: Path) -> frozenset[int] | None:
        """The code points of a font by its PostScript name (or family): among the fonts of the
        folder the page was served from for a custom font, among the system's for the others."""
        key = (postscript, custom, served if custom else None)
        if key not in self._cmaps:
            if custom:
                files = sorted(f for f in served.rglob("*") if f.suffix.lower() in (".ttf", ".otf", ".woff", ".woff2"))
            else:
                files = subprocess.run(
                    ["fc-list", "--format", "%{file}\n", f":postscriptname={postscript}"], capture_output=True, text=True, check=False
                ).stdout.splitlines()
            self._cmaps[key] = None
            for file in files:
                font = TTFont(file, lazy=True, fontNumber=0)
                if {postscript, family} & {font["name"].getDebugName(6), font["name"].getDebugName(1), font["name"].getDebugName(16)}:
                    self._cmaps[key] = frozenset(font.getBestCmap())
                    break
        return self._cmaps[key]

    # -- the driver

    def _start(self) -> None:
        profile = self.workdir / f"profile-{next(self._served)}"
        self.driver = subprocess.Popen(
            [NODE, str(DRIVER), CHROMIUM, str(profile)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.log,
            text=True,
            encoding="utf-8",
        )
        self.lines: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._read, args=(self.driver, self.lines), daemon=True).start()
        ready = self._answer(STARTUP, "starting Chromium")
        assert "ready" in ready, ready

    @staticmethod
    def _read(driver: subprocess.Popen, lines: queue.Queue) -> None:
        for line in driver.stdout:
            lines.put(line)
        lines.put(None)

    def _answer(self, timeout: float, doing: str) -> dict:
        try:
            line = self.lines.get(timeout=timeout)
        except queue.Empty:
            self._kill()
            pytest.fail(f"browser: no answer in {timeout:.0f} s while {doing}; the driver was killed", pytrace=False)
        if line is None:
            self._kill()
            log = (self.workdir / "driver.log").read_text(errors="replace")[-3000:]
            pytest.fail(f"browser: the driver ended while {doing}:\n{log}", pytrace=False)
        return json.loads(line)

    def _call(self, op: str, timeout: float, **args) -> dict | list:
        if self.driver is None or self.driver.poll() is not None:
            self._start()
        id = next(self._ids)
        self.driver.stdin.write(json.dumps({"id": id, "op": op, "timeout": timeout, "args": args}) + "\n")
        self.driver.stdin.flush()
        what = f"{op} {args['url'] if 'url' in args else ' '.join(args['urls'])}"
        answer = self._answer(timeout + MARGIN, what)
        assert answer.get("id") == id, answer
        if "error" in answer:
            pytest.fail(f"browser: {what}: {answer['error']}", pytrace=False)
        return answer["result"]

    def _kill(self) -> None:
        if self.driver:
            self.driver.kill()
            self.driver.wait()
            self.driver = None

    def close(self) -> None:
        """Let the driver close Chromium, or kill it; stop the server."""
        if self.driver:
            self.driver.stdin.close()
            try:
                self.driver.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self._kill()
            self.driver = None
        self.log.close()
        self.server.shutdown()
        self.server.server_close()
