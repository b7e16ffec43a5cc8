"""Hostile inputs: seconds and peak memory of the lint, the parse and (optionally) the whole build
for each, at a size and at twice that size. A ratio near 2 is linear; near 4, quadratic. Each
run is a process of its own, stopped after a time limit. The seconds are CPU seconds (the
process's and its children's): what other work on the machine does to the wall clock does not
move them, so the ratio stays true on a busy machine.

    python bench/hostile.py                 # lint and parse, every input
    python bench/hostile.py --build         # and the whole build (doit, all three editions)
    python bench/hostile.py stars brackets  # some inputs only
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
from books import write_book

ALLOW = "".join(f'[[accept]]\ncode = "{code}"\ntext = "repeats"\nwhy = "generated"\n' for code in ("D001", "D002"))
LIMIT = 600  # seconds a run may take
# Sizes for the whole build where an input's own is more than WeasyPrint lays out in the time
# limit: a note costs the layout about 0.1 s, linearly (10,000 notes would take 17 minutes).
BUILD_SIZES = {"notes": 250}


def notes(n: int) -> str:
    """n notes, ten calls a paragraph, a sound text otherwise: the build lays them all out."""
    calls = [f"A word with its note.[^n{i}]" for i in range(n)]
    paragraphs = [" ".join(calls[i : i + 10]) for i in range(0, n, 10)]
    return "\n\n".join(paragraphs) + "\n\n" + "\n\n".join(f"[^n{i}]: The note." for i in range(n))


# name: (text of n units, n): the four first, then other shapes of the same kinds.
INPUTS = {
    "brackets": (lambda n: "[" * n, 100_000),
    "stars": (lambda n: "*a" * n, 50_000),
    "word": (lambda n: "a" * n, 1_000_000),
    "notes": (notes, 10_000),
    "note calls unclosed": (lambda n: "[^" * n, 50_000),
    "links unclosed": (lambda n: "[a](" * n, 25_000),
    "images unclosed": (lambda n: "![a" * n, 30_000),
    "comments unclosed": (lambda n: "<!--" * n, 25_000),
    "tags unclosed": (lambda n: "<a " * n, 30_000),
    "backticks": (lambda n: "`" * n, 100_000),
    "code spans": (lambda n: "`a" * n, 50_000),
    "initials": (lambda n: "A." * n, 50_000),
    "capitals": (lambda n: "Ab Cd " * n, 20_000),
    "quotes": (lambda n: "'a " * n, 30_000),
    "underscores": (lambda n: "_a" * n, 50_000),
    "entities": (lambda n: "&#x41;" * n, 20_000),
    "spaces": (lambda n: "a" + " " * n + "b", 1_000_000),
    "block quotes": (lambda n: ">" * n + " a", 10_000),
    "list nesting": (lambda n: "\n".join("  " * i + "- a" for i in range(n)), 2_000),
    "lines": (lambda n: "\n".join("word" for _ in range(n)), 100_000),
    "sentences": (lambda n: "A b. " * n, 50_000),
    "table columns": (lambda n: "|" + "a|" * n + "\n|" + "-|" * n, 5_000),
    "language spans": (lambda n: "[chanson]{lang=fr} " * n, 20_000),
    "attributes unclosed": (lambda n: "[a]{lang=" * n, 20_000),
    "unknown words": (lambda n: " ".join("".join("qzxj"[i >> 2 * k & 3] for k in range(8)) for i in range(n)), 20_000),  # all different
}


def run(code: str, folder: Path) -> tuple[float | None, int | None, str]:
    """Seconds and peak MB of `code` run on the book in `folder` in a process of its own."""
    probe = (
        "import resource, sys; from pathlib import Path; folder = Path(sys.argv[1])\n"
        "cpu = lambda: sum(r.ru_utime + r.ru_stime for r in map(resource.getrusage, (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)))\n"
        "t = cpu()\n"
        f"{code}\n"
        "print(f'{cpu() - t:.3f} {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024}')"
    )
    try:
        done = subprocess.run([sys.executable, "-c", probe, str(folder)], capture_output=True, text=True, timeout=LIMIT, check=False)
    except subprocess.TimeoutExpired:
        return None, None, f"over {LIMIT} s"
    lines = done.stdout.strip().splitlines() or [""]
    try:
        seconds, mb = lines[-1].split()
        return float(seconds), int(mb), "; ".join(lines[:-1])
    except ValueError:
        return None, None, (done.stderr.strip().splitlines() or ["?"])[-1][:80]


STAGES = {
    "lint": "from folio.lint import lint_book\ntry: print(f'{len(lint_book(folder).findings)} findings')\nexcept Exception as e: print('refused:', e)",
    "parse": "from folio.transforms import prepare_book\ntry: prepare_book(folder)\nexcept Exception as e: print('refused:', e)",
}
BUILD = (
    "import subprocess; done = subprocess.run([sys.executable, '-m', 'doit', '-n', '0'], cwd=folder.parent.parent, capture_output=True, text=True)\n"
    "lines = [l for l in (done.stdout + done.stderr).splitlines() if l.startswith('content/')]\n"
    "print('refused:', lines[0][:70] if lines else done.returncode) if done.returncode else None\n"
    "print(f'{cpu() - t:.3f} {resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024}'); sys.exit()"
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("names", nargs="*", help="inputs to run (default: all)")
    parser.add_argument("--build", action="store_true", help="also time the whole build")
    args = parser.parse_args()
    stages = dict(STAGES, **({"build": BUILD} if args.build else {}))
    print(f"{'input':22} {'stage':6} {'n':>9} {'s':>8} {'MB':>5}   {'2n':>9} {'s':>8} {'MB':>5}  ratio")
    for name, (make, n) in INPUTS.items():
        if args.names and name not in args.names:
            continue
        with tempfile.TemporaryDirectory() as tmp:
            for stage, code in stages.items():
                row, base = [], BUILD_SIZES.get(name, n) if stage == "build" else n
                for size in (base, 2 * base):
                    root = Path(tmp) / f"{stage}-{size}"
                    shutil.copytree(ROOT / "styles", root / "styles")
                    shutil.copy(ROOT / "dodo.py", root)
                    folder = write_book(root / "content" / "b", {"c.md": f"# Title\n\n{make(size)}\n"})
                    (folder / "lint-allow.toml").write_text(ALLOW)  # a generated text repeats itself: so be it
                    row.append(run(code, folder))
                (s1, m1, e1), (s2, m2, e2) = row
                ratio = f"{s2 / s1:5.1f}" if s1 and s2 and s1 > 0.05 else "  -"
                cell = lambda s, m, e: f"{s:8.2f} {m:5}" if s is not None else f"{e:>14.14}"
                note = e2 if s2 is not None and e2 else ""  # what a run that ended said (a refusal)
                print(f"{name:22} {stage:6} {base:9} {cell(s1, m1, e1)}   {2 * base:9} {cell(s2, m2, e2)}  {ratio}  {note}", flush=True)


if __name__ == "__main__":
    main()
