"""Processes: how many plain `doit` runs its tasks in, what each does when it starts, and a job
run in a forked process (beside this one, or stoppable by another)."""

from __future__ import annotations

import contextlib
import ctypes
import multiprocessing.util
import os
import pickle
import signal
from collections.abc import Callable
from pathlib import Path
from typing import Generic, TypeVar, cast

T = TypeVar("T")


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


class Stopped(Exception):
    """The forked job was stopped from outside (stop_group) before it finished."""


class Forked(Generic[T]):
    """job() run in a forked process, which shares this one's layout without copying it; calling
    the object waits for job's result, or raises what job raised. Where fork is missing or
    fails, job() runs at once, here."""

    def __init__(self, job: Callable[[], T], group: bool = False):
        """With `group`, the child leads a process group of its own, so that stop() ends it and
        whatever it starts."""
        self.pid: int | None = None
        if hasattr(os, "fork"):
            read, write = os.pipe()
            try:
                self.pid = os.fork()
            except OSError:  # no process to be had: the job runs here
                os.close(read)
                os.close(write)
        if self.pid is None:
            self.outcome = _outcome(job)
            return
        if self.pid == 0:  # the child: send the outcome, and leave without running the parent's code
            try:
                if group:
                    os.setpgid(0, 0)
                os.close(read)
                with os.fdopen(write, "wb") as pipe:
                    pipe.write(_outcome(job))
            finally:
                os._exit(0)
        os.close(write)
        self.pipe = os.fdopen(read, "rb")

    def __call__(self) -> T:
        if self.pid is not None:
            with self.pipe:
                self.outcome = self.pipe.read()
            _, status = os.waitpid(self.pid, 0)
            self.pid = None
            if os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGTERM:
                raise Stopped()
        done, value = pickle.loads(self.outcome) if self.outcome else (False, RuntimeError("the forked process died"))
        if not done:
            raise value
        return cast(T, value)

    def cancel(self) -> None:
        """Stop the child, as this process will not wait for its result."""
        if self.pid is not None:
            os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
            self.pipe.close()
            self.pid = None


def _outcome(job: Callable[[], T]) -> bytes:
    """(True, result) or (False, the exception), pickled."""
    try:
        return pickle.dumps((True, job()))
    except BaseException as error:  # noqa: BLE001 - whatever it was, the caller raises it
        try:
            return pickle.dumps((False, error))
        except Exception:  # noqa: BLE001 - an exception that cannot be pickled
            return pickle.dumps((False, RuntimeError(f"{type(error).__name__}: {error}")))


def run_stoppable(job: Callable[[], T], pidfile: Path) -> T:
    """job() in a forked process group whose id is kept in `pidfile` while it runs, so that another
    process can end it with stop_group (a failing lint ends its book's layout: the build ends
    at once rather than after a layout it will not publish). Raises Stopped if it was."""
    child = Forked(job, group=True)
    if child.pid is None:  # no fork here: it ran already
        return child()
    try:
        pidfile.write_text(f"{child.pid} {_started(child.pid)}\n")
        return child()
    finally:
        pidfile.unlink(missing_ok=True)


def stop_group(pidfile: Path) -> bool:
    """End the process group run_stoppable keeps in `pidfile`, if it is still the one it started."""
    try:
        pid, started = pidfile.read_text().split()
        if _started(int(pid)) == started:
            os.killpg(int(pid), signal.SIGTERM)
            return True
    except (OSError, ValueError):
        pass
    return False


def _started(pid: int) -> str:
    """When a process started (in clock ticks since boot): with its pid, it names one process,
    even once the pid is used again. Empty where /proc is missing."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return ""
