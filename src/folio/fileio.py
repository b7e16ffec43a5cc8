"""The files of a book, found one way (never outside the book); atomic output (a new edition
replaces the old one only once it is complete); and the cache folder for what folio derives
from installed packages."""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import stat
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path, PurePath

from .errors import BuildError


class Refused(Exception):
    """A file a book names that folio will not read: the message names it and says why."""


def book_file(folder: Path, name: str | PurePath, limit: int | None = None) -> Path:
    """The file `name` of the book in `folder`, with every symbolic link followed: it must stay
    inside the book folder, be a regular file (not a device, a FIFO or a folder) and hold no more
    than `limit` bytes. Every file a book names is found here, and only here."""
    root = Path(os.path.realpath(folder))
    real = Path(os.path.realpath(folder / name))
    if not real.is_relative_to(root):
        raise Refused(f"{str(name)!r} leads outside the book folder (to {real}): refused")
    try:
        found = os.stat(real)
    except FileNotFoundError:
        raise Refused(f"{str(name)!r} does not exist") from None
    except OSError as e:
        raise Refused(f"{str(name)!r} cannot be read: {e.strerror}") from None
    if not stat.S_ISREG(found.st_mode):
        kind = "a folder" if stat.S_ISDIR(found.st_mode) else "a device, a FIFO or a socket"
        raise Refused(f"{str(name)!r} is {kind}, not a file: refused")
    if limit is not None and found.st_size > limit:
        raise Refused(f"{str(name)!r} is {found.st_size:,} bytes, over the book's limit of {limit:,} (raise it in book.toml's [limits])")
    return real


_FULL = {errno.ENOSPC: "no space left on device", errno.EDQUOT: "disk quota exceeded"}
_READ_ONLY = {errno.EROFS, errno.EACCES, errno.EPERM}


@contextlib.contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """Yield a temporary path beside `target`; rename it over `target` only if the block succeeds.
    A full disk or a read-only folder is a BuildError saying so (the old file stays)."""
    tmp = None
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        for stale in target.parent.glob(f".{target.name}.*.tmp"):  # left by a build that was killed
            if not _alive(stale.name.removeprefix(f".{target.name}.").split(".")[0]):
                stale.unlink(missing_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.{os.getpid()}.", suffix=".tmp", dir=target.parent)
        os.close(fd)
        yield Path(tmp)
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except OSError as e:
        if e.errno in _FULL:
            raise BuildError(target.parent, f"{_FULL[e.errno]} while writing {target.name}") from None
        if e.errno in _READ_ONLY:
            raise BuildError(target.parent, f"cannot write {target.name}: {e.strerror} (a read-only folder?)") from None
        raise
    finally:
        if tmp:
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


def remove(*paths: Path) -> None:
    """Remove folders and files, whichever each is (what `doit clean` does for a task that
    writes folders)."""
    for path in paths:
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)


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
