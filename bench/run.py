"""Benchmark folio's builds against pandoc, and how layout time and memory grow with pages.

    python bench/run.py [--repeat N]

Every figure is measured in this run, on this machine: the pandoc baseline (pandoc -> EPUB,
plus pandoc -> HTML -> WeasyPrint PDF, of the same text), folio's cold build of mqm-militancy
(both PDFs and the EPUB: with plain `doit`, which runs a process a core; in one process; and
with an empty cache folder), a no-op rebuild, rebuilds after an edit, and generated books of
about 10, 50 and 200 pages. Each command runs in a fresh process; the table gives the median,
min and max seconds and the peak memory of the largest process. The last line is the ratio of
folio's cold build (plain `doit`) to the pandoc baseline.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = Path(tempfile.mkdtemp(prefix="folio-bench-"))  # every project of this run; removed at the end
BOOK = ROOT / "content" / "mqm-militancy"
BIN = Path(sys.executable).parent
# Runs a command and prints its children's peak memory (KiB), so each figure is one run's own.
PEAK = (
    "import resource, subprocess, sys; subprocess.run(sys.argv[1:], check=True, "
    "stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL); "
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
)


def run(command: list[str], cwd: Path, env: dict | None = None) -> tuple[float, int]:
    """Seconds and peak KiB of one run of `command`."""
    start = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", PEAK, *command], cwd=cwd, env=env, check=True, capture_output=True, text=True)
    return time.perf_counter() - start, int(out.stdout.strip() or 0)


def measure(name: str, repeat: int, setup, command) -> dict:
    """Run setup() then command(folder) `repeat` times; setup's work is not timed."""
    times, peaks = [], []
    for _ in range(repeat):
        folder = setup()
        seconds, peak = command(folder)
        times.append(seconds)
        peaks.append(peak)
    return {"name": name, "median": statistics.median(times), "min": min(times), "max": max(times), "peak": max(peaks), "folder": folder}


def scratch(prefix: str) -> Path:
    return Path(tempfile.mkdtemp(prefix=prefix, dir=WORK))


def project(books: dict[str, Path] | None = None) -> Path:
    """A fresh project folder with the book(s), the styles and dodo.py."""
    folder = scratch("project-")
    for slug, source in (books or {"mqm-militancy": BOOK}).items():
        shutil.copytree(source, folder / "content" / slug)
    shutil.copytree(ROOT / "styles", folder / "styles")
    shutil.copy(ROOT / "dodo.py", folder / "dodo.py")
    return folder


def built_project() -> Path:
    folder = project()
    subprocess.run([str(BIN / "doit")], cwd=folder, check=True, capture_output=True)
    return folder


def doit(*args: str, env: dict | None = None):
    return lambda folder: run([str(BIN / "doit"), *args], folder, env)


def empty_cache() -> dict:
    """An environment whose cache folder is empty, as on a machine's first build."""
    return os.environ | {"FOLIO_CACHE": str(scratch("cache-"))}


def edited(path: str, old: str, new: str):
    def setup():
        folder = built_project()
        target = folder / path
        target.write_text(target.read_text().replace(old, new, 1))
        return folder

    return setup


def pandoc_setup() -> Path:
    import tomllib

    folder = scratch("pandoc-")
    chapters = tomllib.loads((BOOK / "book.toml").read_text())["chapters"]
    # Chapters are joined as one text; footnote labels are made unique per chapter for pandoc.
    text = "\n\n".join((BOOK / c).read_text().replace("[^", f"[^c{i}-") for i, c in enumerate(chapters))
    (folder / "book.md").write_text(text)
    return folder


def pandoc_baseline(folder: Path) -> tuple[float, int]:
    import pypandoc

    pandoc = pypandoc.get_pandoc_path()
    script = textwrap.dedent(f"""
        set -e
        {pandoc} book.md -o book.epub --metadata title="MQM militancy"
        {pandoc} book.md -s -o book.html --metadata title="MQM militancy"
        {BIN / "python"} -m weasyprint book.html book.pdf
    """)
    return run(["bash", "-c", script], folder)


def scale_setup(pages: int):
    """A generated book: the article's text repeated into chapters of about `pages` pages."""

    def setup():
        source = scratch("scale-")
        texts = [(BOOK / c).read_text() for c in ("02-history.md", "05-crackdowns.md")]
        copies = max(1, round(pages / 6))  # the two chapters together set about 6 pages
        names = []
        for i in range(copies):
            for j, text in enumerate(texts):
                names.append(f"c{i:03}-{j}.md")
                (source / names[-1]).write_text(f"# Part {i + 1}: {text.removeprefix('# ')}")
        toml = (BOOK / "book.toml").read_text().split("chapters = [")[0].replace('source_text = "source.txt"', "")
        (source / "book.toml").write_text(toml + f"chapters = {names!r}\n".replace("'", '"'))
        shutil.copy(BOOK / "words.txt", source / "words.txt")
        (source / "lint-allow.toml").write_text(
            "".join(  # repeated text, and notes quoting the source's slips
                f'[[accept]]\ncode = "{code}"\ntext = "{text}"\nwhy = "a generated book"\n\n'
                for code, text in (("D001", "repeat"), ("D002", "repeat"), ("W002", "'"), ("V002", "'"))
            )
        )
        return project({"scale": source})

    return setup


STAGES = """
import sys, time
from pathlib import Path
t0 = time.perf_counter()
from folio.html import print_document
from folio.transforms import prepare_book
t1 = time.perf_counter()
from folio import pdf
t2 = time.perf_counter()
book = prepare_book(Path(sys.argv[1]))
html = print_document(book)
t3 = time.perf_counter()
with pdf._source_date_epoch(book.config.date):
    document = pdf._render(html, book.folder, Path(sys.argv[2]), pdf.page_css(book.config.print, False))
    t4 = time.perf_counter()
    document.write_pdf("/dev/null", **pdf._OPTIONS)
    t5 = time.perf_counter()
print(len(document.pages), t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4)
"""


def stages(folder: Path) -> list[float]:
    """Where one PDF's time goes: folio's imports, WeasyPrint's import, parse + HTML, layout, writing."""
    book = next((folder / "content").iterdir())
    out = subprocess.run(
        [sys.executable, "-c", STAGES, str(book), str(folder / "styles" / "print.css")], check=True, capture_output=True, text=True
    )
    return [float(x) for x in out.stdout.split()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=5)
    repeat = parser.parse_args().repeat

    rows = [
        measure("pandoc baseline (EPUB + HTML -> WeasyPrint PDF)", repeat, pandoc_setup, pandoc_baseline),
        measure("folio cold build, plain doit (lint, 2 PDFs, cover, EPUB)", repeat, project, doit()),
        measure("folio cold build, one process (doit -n 0)", repeat, project, doit("-n", "0")),
        measure("folio cold build, empty cache folder (a machine's first)", 1, project, doit(env=empty_cache())),
        measure("folio no-op rebuild", repeat, built_project, doit()),
        measure(
            "folio rebuild after a Note on the text edit",
            repeat,
            edited("content/mqm-militancy/06-note-on-the-text.md", "Each row gives", "Every row gives"),
            doit(),
        ),
        measure("folio rebuild after an epub.css edit", repeat, edited("styles/epub.css", "line-height: 1.45", "line-height: 1.5"), doit()),
    ]
    scale = []
    for pages in (10, 50, 200):
        row = measure(f"generated book, about {pages} pages: PDFs", max(1, repeat // 2), scale_setup(pages), doit("pdf"))
        row["pages"] = _pages(row["folder"] / "build" / "scale.pdf")
        scale.append(row)
    rows += scale

    print(f"{'what':58} {'median s':>9} {'min s':>7} {'max s':>7} {'peak MiB':>9}")
    for row in rows:
        print(f"{row['name']:58} {row['median']:9.3f} {row['min']:7.3f} {row['max']:7.3f} {row['peak'] / 1024:9.0f}")
    print()
    for row in scale:
        print(f"{row['name']}: {row['pages']} pages, {1000 * row['median'] / row['pages']:.1f} ms a page")
    print()
    print(
        f"{'where one PDF goes (s)':26} {'pages':>6} {'folio import':>13} {'WeasyPrint import':>18} "
        f"{'parse+HTML':>11} {'layout':>8} {'write':>7}"
    )
    for row in scale:
        pages, *seconds = stages(row["folder"])
        print(f"{row['name'].split(':')[0][16:]:26} {pages:6.0f} " + " ".join(f"{s:{w}.3f}" for s, w in zip(seconds, (13, 18, 11, 8, 7))))
    per_page = [row["median"] / row["pages"] for row in scale]
    small, large = scale[0]["pages"], scale[-1]["pages"]
    print(f"per-page time at {large} pages / at {small} pages: {per_page[-1] / per_page[0]:.2f}")
    print(f"cold build / pandoc baseline: {rows[1]['median'] / rows[0]['median']:.2f}")
    shutil.rmtree(WORK)


def _pages(pdf: Path) -> int:
    from pypdf import PdfReader

    return len(PdfReader(pdf).pages)


if __name__ == "__main__":
    main()
