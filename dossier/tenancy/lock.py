"""The per-tenant lock ``.dossier/lock`` that every mutating operation holds.

``fcntl.flock`` on a file kept open: the kernel releases it when the holder dies,
even by SIGKILL, so a crashed run never wedges a tenant — the next caller simply
gets the lock (a *takeover*; the dead holder's pid is still in the file and is
reported).  The holder writes its pid and start time into the file so a waiter
that gives up can say who is busy.  Locks are per tenant directory, so different
tenants never wait on each other.  The same thread may re-enter a lock it holds
(a stage that calls another locked helper must not deadlock on itself).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass

from dossier.errors import UsageError
from dossier.tenancy.context import TenantContext
from dossier.tenancy.errors import TenantBusyError, TenantNotFoundError
from dossier.tenancy.manifest import utc_now

DEFAULT_LOCK_TIMEOUT = 30.0
LOCK_TIMEOUT_ENV = "DOSSIER_LOCK_TIMEOUT"
_POLL_SECONDS = 0.05

_held_guard = threading.Lock()
#: (device, inode) of lock files this process holds -> (thread id, depth).
_held: dict[tuple[int, int], tuple[int, int]] = {}


@dataclass(frozen=True)
class LockHolder:
    """Who holds (or last held) a tenant lock, as written in the lock file."""

    pid: int | None
    since: str | None

    def describe(self) -> str:
        pid = self.pid if self.pid is not None else "unknown"
        since = self.since or "an unknown time"
        return f"pid {pid} since {since}"


@dataclass(frozen=True)
class LockInfo:
    """What the caller got: the holder record it wrote and any dead holder it replaced."""

    holder: LockHolder
    took_over_from: LockHolder | None


def default_lock_timeout() -> float:
    """``$DOSSIER_LOCK_TIMEOUT`` in seconds if set, else 30."""
    raw = os.environ.get(LOCK_TIMEOUT_ENV, "").strip()
    if not raw:
        return DEFAULT_LOCK_TIMEOUT
    try:
        value = float(raw)
    except ValueError:
        raise UsageError(f"{LOCK_TIMEOUT_ENV}={raw!r} is not a number of seconds") from None
    if value < 0:
        raise UsageError(f"{LOCK_TIMEOUT_ENV}={raw!r} must not be negative")
    return value


def _read_holder(fd: int) -> LockHolder | None:
    try:
        raw = os.pread(fd, 4096, 0)
    except OSError:
        return None
    if not raw.strip():
        return None
    try:
        data = json.loads(raw)
        pid = data.get("pid")
        since = data.get("since")
        return LockHolder(
            pid=pid if isinstance(pid, int) else None,
            since=since if isinstance(since, str) else None,
        )
    except (ValueError, AttributeError):
        return LockHolder(pid=None, since=None)


def _same_file(fd: int, ctx: TenantContext) -> bool:
    """True when the lock we hold is still the tenant's lock file (not a removed tenant's)."""
    try:
        on_disk = os.stat(ctx.lock_path, follow_symlinks=False)
    except OSError:
        return False
    held = os.fstat(fd)
    return (on_disk.st_dev, on_disk.st_ino) == (held.st_dev, held.st_ino)


def _open_lock_file(ctx: TenantContext) -> int:
    ctx.check_directory()
    if not ctx.path.is_dir():
        raise TenantNotFoundError(f"tenant {ctx.client_id!r} does not exist under {ctx.root}")
    ctx.confine(ctx.cache_dir)  # refuses a .dossier symlinked out of the tenant
    ctx.cache_dir.mkdir(exist_ok=True)
    ctx.confine(ctx.lock_path)
    return os.open(ctx.lock_path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | os.O_NOFOLLOW, 0o644)


@contextlib.contextmanager
def tenant_lock(ctx: TenantContext, timeout: float | None = None) -> Iterator[LockInfo]:
    """Hold the tenant's lock for the block; wait up to ``timeout`` seconds for it.

    ``timeout=None`` means ``$DOSSIER_LOCK_TIMEOUT`` or 30 s.  Raises TenantBusyError
    ("tenant <id> is busy (pid N since T)") when the wait runs out, and
    TenantNotFoundError when the tenant vanished (was deprovisioned) while waiting.
    """
    wait = default_lock_timeout() if timeout is None else timeout
    fd = _open_lock_file(ctx)
    key = (os.fstat(fd).st_dev, os.fstat(fd).st_ino)
    me = threading.get_ident()
    with _held_guard:
        owner = _held.get(key)
        if owner is not None and owner[0] == me:
            _held[key] = (me, owner[1] + 1)
            reentered = True
        else:
            reentered = False
    if reentered:
        os.close(fd)
        try:
            yield LockInfo(holder=LockHolder(os.getpid(), None), took_over_from=None)
        finally:
            with _held_guard:
                tid, depth = _held[key]
                _held[key] = (tid, depth - 1)
        return
    try:
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    holder = _read_holder(fd) or LockHolder(None, None)
                    raise TenantBusyError(
                        f"tenant {ctx.client_id} is busy ({holder.describe()}); waited "
                        f"{wait:g}s — retry later, or wait longer with --lock-timeout / "
                        f"{LOCK_TIMEOUT_ENV}"
                    ) from None
                time.sleep(min(_POLL_SECONDS, remaining))
        if not _same_file(fd, ctx):
            raise TenantNotFoundError(
                f"tenant {ctx.client_id!r} was removed while waiting for its lock"
            )
        previous = _read_holder(fd)
        holder = LockHolder(pid=os.getpid(), since=utc_now())
        record = json.dumps({"pid": holder.pid, "since": holder.since}).encode() + b"\n"
        os.ftruncate(fd, 0)
        os.pwrite(fd, record, 0)
        with _held_guard:
            _held[key] = (me, 1)
        try:
            yield LockInfo(holder=holder, took_over_from=previous)
        finally:
            with _held_guard:
                _held.pop(key, None)
            # An empty file means "released cleanly"; content left behind means the
            # holder died and the next taker reports a takeover.
            with contextlib.suppress(OSError):
                os.ftruncate(fd, 0)
    finally:
        os.close(fd)
