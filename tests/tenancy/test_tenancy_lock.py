"""The tenant lock across real processes: waiting, busy failures, takeover after SIGKILL."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from dossier.errors import UsageError
from dossier.tenancy import (
    Registry,
    TenantBusyError,
    TenantContext,
    TenantNotFoundError,
    TenantRepo,
    default_lock_timeout,
    tenant_lock,
)

HOLD = """
import sys, time, pathlib
from dossier.tenancy import Registry, TenantRepo, tenant_lock
root, client_id, seconds, commit = sys.argv[1], sys.argv[2], float(sys.argv[3]), sys.argv[4]
ctx = Registry(pathlib.Path(root)).get(client_id)
with tenant_lock(ctx, timeout=float(sys.argv[5]) if len(sys.argv) > 5 else 30.0):
    print("locked", flush=True)
    time.sleep(seconds)
    if commit != "-":
        (ctx.runs_dir / f"{commit}.txt").write_text(commit, encoding="utf-8")
        TenantRepo(ctx).commit_all(f"commit {commit}", {"Dossier-Run-Id": commit})
print("released", flush=True)
"""


@contextmanager
def holder(
    ctx: TenantContext, seconds: float, commit: str = "-"
) -> Iterator[subprocess.Popen[str]]:
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(ctx.root), ctx.client_id, str(seconds), commit],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "locked", proc.stderr and proc.stderr.read()
        yield proc
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()


@pytest.fixture
def acme(registry: Registry) -> TenantContext:
    return registry.provision("acme")


def _git(path: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(path), *args], check=True, capture_output=True, text=True
    ).stdout


def test_second_process_fails_cleanly_with_the_busy_message(acme: TenantContext) -> None:
    with holder(acme, 30) as proc:
        start = time.monotonic()
        with pytest.raises(TenantBusyError) as info, tenant_lock(acme, timeout=0.3):
            pass
        waited = time.monotonic() - start
        message = str(info.value)
        assert f"tenant acme is busy (pid {proc.pid} since " in message
        assert "--lock-timeout" in message
        assert 0.3 <= waited < 3
        record = json.loads(acme.lock_path.read_text(encoding="utf-8"))
        assert record["pid"] == proc.pid


def test_second_process_waits_for_the_first(acme: TenantContext) -> None:
    with holder(acme, 0.5):
        start = time.monotonic()
        with tenant_lock(acme, timeout=20) as info:
            assert time.monotonic() - start >= 0.2
            assert info.took_over_from is None  # released cleanly
            assert info.holder.pid == os.getpid()


def test_two_mutating_processes_serialize_and_git_stays_consistent(
    acme: TenantContext,
) -> None:
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", HOLD, str(acme.root), "acme", "0.3", name],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        for name in ("first", "second")
    ]
    outputs = [p.communicate(timeout=60) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outputs
    runs = sorted(it.run_id or "" for it in TenantRepo(acme).iterations())
    assert runs == ["first", "second"]
    fsck = subprocess.run(["git", "-C", str(acme.path), "fsck", "--strict"],
                          capture_output=True, text=True)
    assert fsck.returncode == 0 and fsck.stdout == "", fsck.stderr


def test_impatient_process_fails_and_git_stays_consistent(acme: TenantContext) -> None:
    with holder(acme, 1.0, commit="slow") as proc:
        impatient = subprocess.run(
            [sys.executable, "-c", HOLD, str(acme.root), "acme", "0", "fast", "0.2"],
            capture_output=True, text=True, timeout=60,
        )
        assert impatient.returncode != 0
        assert f"TenantBusyError: tenant acme is busy (pid {proc.pid} since" in impatient.stderr
        proc.wait(timeout=30)
    assert [it.run_id for it in TenantRepo(acme).iterations()] == ["slow"]
    assert _git(acme.path, "fsck", "--strict") == ""


def test_lock_of_a_killed_process_is_taken_over(acme: TenantContext) -> None:
    with holder(acme, 60) as proc:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        assert acme.lock_path.read_text(encoding="utf-8")  # the dead holder's record is left
        with tenant_lock(acme, timeout=2) as info:
            assert info.took_over_from is not None
            assert info.took_over_from.pid == proc.pid
    assert acme.lock_path.read_text(encoding="utf-8") == ""


def test_leftover_lock_file_with_a_dead_pid_is_taken_over(acme: TenantContext) -> None:
    acme.cache_dir.mkdir()
    acme.lock_path.write_text('{"pid": 999999999, "since": "2020-01-01T00:00:00Z"}\n')
    with tenant_lock(acme, timeout=0.5) as info:
        assert info.took_over_from is not None and info.took_over_from.pid == 999999999


def test_different_tenants_never_wait_on_each_other(registry: Registry) -> None:
    acme = registry.provision("acme")
    beta = registry.provision("beta")
    with holder(acme, 30):
        start = time.monotonic()
        with tenant_lock(beta, timeout=0):
            pass
        assert time.monotonic() - start < 0.5


def test_same_thread_may_reenter(acme: TenantContext) -> None:
    with tenant_lock(acme, timeout=0), tenant_lock(acme, timeout=0):
        pass
    with tenant_lock(acme, timeout=0):
        pass


def test_timeout_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    assert default_lock_timeout() == 30.0
    monkeypatch.setenv("DOSSIER_LOCK_TIMEOUT", "2.5")
    assert default_lock_timeout() == 2.5
    monkeypatch.setenv("DOSSIER_LOCK_TIMEOUT", "soon")
    with pytest.raises(UsageError, match="DOSSIER_LOCK_TIMEOUT"):
        default_lock_timeout()


def test_environment_timeout_applies_to_deprovision(
    registry: Registry, acme: TenantContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DOSSIER_LOCK_TIMEOUT", "0.2")
    with holder(acme, 30), pytest.raises(TenantBusyError, match="tenant acme is busy"):
        Registry(registry.root).deprovision("acme")
    assert acme.path.is_dir()


def test_waiter_on_a_tenant_removed_meanwhile_is_told_it_is_gone(
    registry: Registry, acme: TenantContext, tmp_path: Path
) -> None:
    """Deprovision removes the tenant while holding its lock; a waiter must not carry on."""
    code = (
        "import os, sys, time, pathlib\n"
        "from dossier.tenancy import Registry, tenant_lock\n"
        f"ctx = Registry(pathlib.Path({str(registry.root)!r})).get('acme')\n"
        "with tenant_lock(ctx, timeout=0):\n"
        "    print('locked', flush=True)\n"
        "    time.sleep(0.5)\n"
        f"    os.rename(ctx.path, {str(tmp_path / 'moved')!r})\n"
    )
    remover = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert remover.stdout is not None and remover.stdout.readline().strip() == "locked"
    with (
        pytest.raises(TenantNotFoundError, match="removed while waiting"),
        tenant_lock(acme, timeout=20),
    ):
        pass
    assert remover.wait(timeout=30) == 0
