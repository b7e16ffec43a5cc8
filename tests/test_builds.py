"""Builds as a shell runs them: reproducible in any folder, time zone and hash seed, parallel,
and a no-op that decides quickly without loading the heavy libraries."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import FIXTURES, ROOT

DOIT = str(Path(sys.executable).parent / "doit")
OUTPUTS = ["mini.pdf", "mini-print.pdf", "mini.epub"]


def project(folder: Path) -> Path:
    shutil.copytree(FIXTURES / "mini", folder / "content" / "mini")
    shutil.copytree(ROOT / "styles", folder / "styles")
    shutil.copy(ROOT / "dodo.py", folder / "dodo.py")
    return folder


def doit(folder: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    result = subprocess.run([DOIT, *args], cwd=folder, env=os.environ | env, capture_output=True, text=True, check=False, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def digests(folder: Path) -> dict[str, str]:
    """The editions' digests, and those of every file of the site."""
    site = sorted(p.relative_to(folder / "build").as_posix() for p in (folder / "build" / "site").rglob("*") if p.is_file())
    return {name: hashlib.sha256((folder / "build" / name).read_bytes()).hexdigest() for name in [*OUTPUTS, *site]}


def test_same_bytes_in_any_folder_time_zone_and_hash_seed_serial_or_parallel(tmp_path):
    a, b = project(tmp_path / "a"), project(tmp_path / "somewhere" / "else")
    doit(a, "-n", "0", TZ="UTC", PYTHONHASHSEED="0")  # one process
    doit(b, TZ="Asia/Karachi", PYTHONHASHSEED="4242")  # the default: a process a core
    assert digests(a) == digests(b)
    assert len(digests(a)) > 20  # the site too


def test_a_lint_finding_stops_a_parallel_build_before_any_edition_is_published(tmp_path):
    folder = project(tmp_path / "p")
    doit(folder)
    before = digests(folder)
    chapter = folder / "content" / "mini" / "one.md"
    chapter.write_text(chapter.read_text().replace("and again", "and and again"))
    result = subprocess.run([DOIT, "-n", "2"], cwd=folder, capture_output=True, text=True, check=False, timeout=600)
    assert result.returncode != 0
    assert "one.md:6:32: W001 doubled word 'and and'" in result.stdout
    assert ".  layout:mini" in result.stdout and ".  pdf:mini" not in result.stdout  # laid out, not published
    assert digests(folder) == before


# Libraries a no-op must not import: the renderers', and the registries book.toml is checked
# against (web addresses, language tags), which each task that builds anything checks.
HEAVY = ("weasyprint", "ebooklib", "PIL", "rfc3986", "langcodes", "enchant")


def test_a_no_op_imports_no_renderer_and_no_registry(tmp_path):
    folder = project(tmp_path / "p")
    doit(folder)
    probe = (
        "import sys; from doit.doit_cmd import DoitMain; from doit.cmd_base import ModuleTaskLoader; "
        "from folio.tasks import make_tasks; from pathlib import Path; "
        "code = DoitMain(ModuleTaskLoader(make_tasks(Path('.')))).run([]); "
        f"print(code, *(name in sys.modules for name in {HEAVY!r}))"
    )
    result = subprocess.run([sys.executable, "-c", probe], cwd=folder, capture_output=True, text=True, check=False, timeout=600)
    assert result.stdout.split()[-1 - len(HEAVY) :] == ["0", *["False"] * len(HEAVY)], result.stdout + result.stderr
    assert "-- pdf:mini" in result.stdout and "-- epub:mini" in result.stdout


def test_a_failing_lint_stops_the_layout_at_once(tmp_path):
    """The layout of a long book is ended when its lint fails, not waited for: nothing is laid out."""
    folder = project(tmp_path / "p")
    long = "The committee met in the old hall and talked about the harbour, the roads and the market. " * 8
    (folder / "content" / "mini" / "two.md").write_text("# History\n\n" + "\n\n".join([long] * 400) + "\n\nAnd and again.\n")
    result = subprocess.run([DOIT, "-n", "2"], cwd=folder, capture_output=True, text=True, check=False, timeout=600)
    assert result.returncode != 0
    assert "W001 doubled word 'And and'" in result.stdout
    assert "mini: the layout was stopped, as the lint failed" in result.stdout + result.stderr
    assert not list((folder / "build" / "mini").glob("*.pdf")) and not (folder / "build" / "mini" / ".layout.pid").exists()


def mounted(folder: Path, *options: str) -> bool:
    """Mount a small file system over `folder` (root only, as CI runs): False where that is not allowed."""
    folder.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(["mount", *options, str(folder)], capture_output=True, check=False, timeout=60)
    return done.returncode == 0


def test_a_read_only_build_folder_is_one_line(tmp_path):
    folder = project(tmp_path / "p")
    doit(folder)
    build = folder / "build"
    if not mounted(build, "--bind", str(build)):
        pytest.skip("mounting needs root")
    try:
        subprocess.run(["mount", "-o", "remount,bind,ro", str(build)], check=True, timeout=60)
        (folder / "content" / "mini" / "one.md").write_text("# One\n\nChanged.\n")
        result = subprocess.run([DOIT], cwd=folder, capture_output=True, text=True, check=False, timeout=600)
    finally:
        subprocess.run(["umount", str(build)], check=False, timeout=60)
    assert result.returncode != 0
    assert result.stderr.strip().splitlines() == [f"{build}: cannot write the editions there: Read-only file system (a read-only folder?)"]
    assert "Traceback" not in result.stdout + result.stderr


def test_a_full_disk_is_named_and_the_last_editions_stay(tmp_path):
    folder = project(tmp_path / "p")
    doit(folder)
    before = digests(folder)
    build = folder / "build"
    kept = shutil.copytree(build, tmp_path / "kept")
    files = [p for p in kept.rglob("*") if p.is_file() and p.suffix != ".json"]  # not the caches
    # kB: the last build, in 4 kB pages, the caches it writes again (not copied) and a little more
    room = sum(-(-p.stat().st_size // 4096) * 4 for p in kept.rglob("*") if p.is_file()) + 64
    if not mounted(build, "-t", "tmpfs", "-o", f"size={room}k", "tmpfs"):
        pytest.skip("mounting needs root")
    try:  # the last editions, and the site, on a disk with little room left
        for path in files:
            (build / path.relative_to(kept)).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, build / path.relative_to(kept))
        (folder / "content" / "mini" / "one.md").write_text((folder / "content" / "mini" / "one.md").read_text() + "\nMore.\n")
        result = subprocess.run([DOIT, "-n", "0"], cwd=folder, capture_output=True, text=True, check=False, timeout=600)
        after = digests(folder)
        leftovers = [p.name for p in build.rglob("*.tmp")]
    finally:
        subprocess.run(["umount", str(build)], check=False, timeout=60)
    assert result.returncode != 0
    assert "no space left on device while writing" in result.stdout + result.stderr, result.stdout + result.stderr
    assert "internal error" not in result.stdout + result.stderr and "Traceback" not in result.stdout + result.stderr
    assert after == before and leftovers == []


def test_books_whose_outputs_collide_are_named_and_the_others_build(tmp_path):
    folder = project(tmp_path / "p")
    for slug in ("t", "t-print"):  # build/t-print.pdf would be both t's print PDF and t-print's PDF
        shutil.copytree(FIXTURES / "mini", folder / "content" / slug)
        toml = folder / "content" / slug / "book.toml"
        toml.write_text(toml.read_text().replace("urn:uuid:0b7f6c1e", f"urn:uuid:0b7f6c{len(slug):02}"))
    result = subprocess.run([DOIT], cwd=folder, capture_output=True, text=True, check=False, timeout=600)
    assert result.returncode != 0
    assert "content/t and content/t-print: both would write build/t-print.pdf" in result.stdout + result.stderr
    assert all((folder / "build" / name).exists() for name in OUTPUTS)  # the other book is built
    assert not (folder / "build" / "t.epub").exists() and not (folder / "build" / "t-print.epub").exists()
