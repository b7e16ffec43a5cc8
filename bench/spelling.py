"""How long the lint takes on the real book with Hunspell's dictionaries, and its spelling
check against the former one (pyspellchecker's word list, in the `bench` extra), in one process.

    python bench/spelling.py [--repeat N] [--against OTHER_CHECKOUT]

Prints the whole lint of content/mqm-militancy in a fresh process (imports and dictionaries
loaded: what a build pays), and of the same book by another checkout (--against, e.g. a
`git worktree` of the commit before Hunspell), runs interleaved; then in this process warm; then the spelling check alone on the
book's words, the dictionary loaded each time as in a build's process, for Hunspell and for the
former checker (the first call, and the median of the next), and the ratio of the two.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BOOK = ROOT / "content" / "mqm-militancy"

from folio import lint, spelling
from folio.config import load_config
from folio.prose import read_prose

# The lint in a fresh process: its wall time, and the CPU time of all its threads (steadier on a busy machine).
COLD = (
    "import time; t, c = time.perf_counter(), time.process_time(); from folio.lint import lint_book; "
    "lint_book(__import__('pathlib').Path({book!r})); print(time.perf_counter() - t, time.process_time() - c)"
)


def cold(checkout: Path) -> tuple[float, float]:
    """The lint of the real book in a fresh process, by a checkout's sources: wall and CPU seconds."""
    command = [sys.executable, "-c", COLD.format(book=str(checkout / "content" / BOOK.name))]  # the book with its own words.txt
    env = os.environ | {"PYTHONPATH": str(checkout / "src")}
    wall, cpu = subprocess.run(command, cwd=ROOT, check=True, capture_output=True, text=True, env=env).stdout.split()
    return float(wall), float(cpu)


def seconds(call, repeat: int) -> tuple[float, float]:
    """The first call's time and the median of the `repeat` calls after it."""
    start = time.perf_counter()
    call()
    first = time.perf_counter() - start
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return first, statistics.median(times)


# The former checker, as lint.py had it: pyspellchecker's word list read from a text file, and the
# British endings mapped to the American forms it holds.
_VARIETIES = [
    (re.compile(a), b)
    for a, b in [
        (r"([iy])s(e|es|ed|ing|ation|ations|er|ers)$", r"\1z\2"),
        (r"our(s|ed|ing|ite|ites|able)?$", r"or\1"),
        (r"tre(s|d)?$", r"ter\1"),
        (r"ence$", r"ense"),
        (r"ll(ed|ing|er|ers)$", r"l\1"),
        (r"ogue(s)?$", r"og\1"),
    ]
]


def former(words: list[lint.Word], path: Path):
    def check() -> int:
        known = frozenset(path.read_text(encoding="utf-8").split("\n"))
        unknown = 0
        for word in words:
            key = word.key
            if not (key in known or any(p.search(key) and p.sub(to, key) in known for p, to in _VARIETIES)):
                unknown += 1
        return unknown

    return check


def hunspell(words: list[lint.Word], context: lint.Context):
    def check() -> int:
        spelling._dictionary.cache_clear()  # each call loads the dictionary again, as a build's process does
        verdicts, _ = lint._spelled(words, context)
        return sum(v is False for v in verdicts)

    return check


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--against", type=Path, help="another checkout of folio (the one before Hunspell): its lint timed alike")
    args = parser.parse_args()
    repeat = args.repeat

    checkouts = {"this checkout": ROOT, **({"--against": args.against} if args.against else {})}
    colds: dict[str, list[tuple[float, float]]] = {name: [] for name in checkouts}
    for _ in range(repeat):  # interleaved: the machine's load falls on both alike
        for name, checkout in checkouts.items():
            colds[name].append(cold(checkout))
    wall = {name: statistics.median(w for w, _ in runs) for name, runs in colds.items()}
    cpu = {name: statistics.median(c for _, c in runs) for name, runs in colds.items()}
    for name in checkouts:
        print(f"lint of {BOOK.name}, fresh process, {name}: median {wall[name]:.3f} s wall, {cpu[name]:.3f} s CPU, of {repeat}")
    if args.against:
        ours, theirs = "this checkout", "--against"
        print(f"ratio this checkout / --against, fresh process: {wall[ours] / wall[theirs]:.2f} wall, {cpu[ours] / cpu[theirs]:.2f} CPU")
    _, warm = seconds(lambda: lint.lint_book(BOOK), repeat)
    print(f"lint of {BOOK.name}, warm in this process: median {warm:.3f} s")

    config = load_config(BOOK / "book.toml")
    context = lint.read_context(BOOK, config)
    units = [u for chapter in config.chapters for u in read_prose(BOOK / chapter, config, markdown=True)[0]]
    words = list(lint._words(units))
    new_first, new_warm = seconds(hunspell(words, context), repeat)
    print(
        f"spelling of its {len(words)} words, Hunspell {spelling.dictionary(config.language).tag}: first {new_first:.4f} s, then {new_warm:.4f} s"
    )
    try:
        from spellchecker import SpellChecker
    except ImportError:
        print("the former checker (pyspellchecker) is not installed: pip install -e '.[bench]' to compare")
        return
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "words.txt"
        path.write_text("\n".join(sorted(SpellChecker(language="en", distance=1).word_frequency.keys())), encoding="utf-8")
        old_first, old_warm = seconds(former(words, path), repeat)
    print(
        f"spelling of the same words, former checker (pyspellchecker's list, cached as text): first {old_first:.4f} s, then {old_warm:.4f} s"
    )
    print(f"ratio Hunspell / former, per build (dictionary loaded, every word checked; medians): {new_warm / old_warm:.2f}")
    print(f"the lint's spelling stage, with Hunspell, as a share of the warm lint: {new_warm / warm:.1%}")


if __name__ == "__main__":
    main()
