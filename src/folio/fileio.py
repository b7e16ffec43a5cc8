"""Atomic output (a new edition replaces the old one only once it is complete), and the cache
folder for what folio derives from installed packages."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path


@contextlib.contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """Yield a temporary path beside `target`; rename it over `target` only if the block succeeds."""
    target.parent.mkdir(parents=True, exist_ok=True)
    for stale in target.parent.glob(f".{target.name}.*.tmp"):  # left by a build that was killed
        if not _alive(stale.name.removeprefix(f".{target.name}.").split(".")[0]):
            stale.unlink(missing_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.{os.getpid()}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)


@contextlib.contextmanager
def atomic_folder(target: Path) -> Iterator[Path]:
    """Yield a fresh temporary folder beside `target`; put it in the place of `target` (and of
    all that was in it) only if the block succeeds."""
    target.parent.mkdir(parents=True, exist_ok=True)
    for stale in target.parent.glob(f".{target.name}.*.tmp"):  # left by a build that was killed
        if not _alive(stale.name.removeprefix(f".{target.name}.").split(".")[0]):
            shutil.rmtree(stale, ignore_errors=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.{os.getpid()}.", suffix=".tmp", dir=target.parent))
    try:
        yield tmp
        os.chmod(tmp, 0o755)
        if target.exists():
            old = tmp.with_name(tmp.name.removesuffix(".tmp") + ".old.tmp")
            os.replace(target, old)
            os.replace(tmp, target)
            shutil.rmtree(old)
        else:
            os.replace(tmp, target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def publish(finished: Path, target: Path) -> None:
    """Put a copy of a finished file at `target`, in one step (a copy, not a second name for the
    same file: whatever is done to the published file leaves the finished one as it was)."""
    with atomic_path(target) as tmp:
        shutil.copyfile(finished, tmp)


def write_text(target: Path, text: str) -> None:
    with atomic_path(target) as tmp:
        tmp.write_text(text, encoding="utf-8")


def _alive(pid: str) -> bool:
    """Whether the process that named a temporary file may still be writing it."""
    try:
        os.kill(int(pid), 0)
    except (ValueError, ProcessLookupError):
        return False
    except PermissionError:  # another user's
        pass
    return True


def cache_folder(kind: str) -> Path:
    """Where folio keeps what it derives from installed packages, once per machine:
    $FOLIO_CACHE/<kind>, or ~/.cache/folio/<kind>."""
    return Path(os.environ.get("FOLIO_CACHE") or Path.home() / ".cache" / "folio") / kind


def cached_text(path: Path, make: Callable[[], str]) -> str:
    """The text kept at `path`: made by make() and kept the first time it is asked for (where the
    cache folder can be written)."""
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        text = make()
        with contextlib.suppress(OSError):
            write_text(path, text)
        return text
