"""How many processes plain `doit` runs its tasks in, and what each of them does when it starts."""

from __future__ import annotations

import contextlib
import ctypes
import multiprocessing.util
import os
import signal


def processes(books: int) -> int:
    """One a core, up to two a book (the lint and the cover beside the layout); 0, doit's serial
    runner, on one core. `doit -n N` overrides it."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    count = min(cores, 2 * books)
    return count if count > 1 else 0


def _die_with_parent() -> None:
    """In each process doit forks to run tasks: end when doit does. A doit killed outright (kill -9,
    a CI timeout) would otherwise leave its workers waiting for tasks for ever, or finishing one
    and writing its files after a new build has begun. Linux only (prctl PR_SET_PDEATHSIG)."""
    with contextlib.suppress(OSError, AttributeError):  # not Linux
        ctypes.CDLL(None).prctl(1, signal.SIGTERM)  # 1: PR_SET_PDEATHSIG


class _Workers:
    """What multiprocessing's after-fork hook hangs on (it holds the object weakly)."""


_WORKERS = _Workers()
multiprocessing.util.register_after_fork(_WORKERS, lambda _: _die_with_parent())
