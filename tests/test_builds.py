"""Builds as a shell runs them: reproducible in any folder, time zone and hash seed, parallel,
and a no-op that decides quickly without loading the heavy libraries."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

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


def test_no_op_loads_neither_weasyprint_nor_ebooklib_nor_pillow(tmp_path):
    folder = project(tmp_path / "p")
    doit(folder)
    probe = (
        "import sys; from doit.doit_cmd import DoitMain; from doit.cmd_base import ModuleTaskLoader; "
        "from folio.tasks import make_tasks; from pathlib import Path; "
        "code = DoitMain(ModuleTaskLoader(make_tasks(Path('.')))).run([]); "
        "print(code, 'weasyprint' in sys.modules, 'ebooklib' in sys.modules, 'PIL' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", probe], cwd=folder, capture_output=True, text=True, check=False, timeout=600)
    assert result.stdout.split()[-4:] == ["0", "False", "False", "False"], result.stdout + result.stderr
    assert "-- pdf:mini" in result.stdout and "-- epub:mini" in result.stdout
