"""The recorded eval figures CI holds Dossier to: ``evals/baseline.json`` in the repository.

For each corpus (``fixtures/acme``, every ``../shared/devpack/<name>``, the team's
second fixture), a throw-away tenant is provisioned on ``corpus/``, one loop
iteration runs, and ``dossier eval`` measures it against ``gold.yaml``.  The test
``tests/evals/test_eval_baseline.py`` fails when any figure is worse than recorded;
after a change that moves figures on purpose, re-record them in the same commit:

    python -m dossier.evals.suite --write evals/baseline.json

BM25 (both sides) is deterministic, so figures are compared exactly (1e-9).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

from dossier.errors import DossierError, UsageError
from dossier.evals.metrics import NEUTRAL, base_name, worsening

REPO_ROOT = Path(__file__).resolve().parents[2]
BASELINE_FILE = REPO_ROOT / "evals" / "baseline.json"
#: Fixture corpora in the repository, by name.
FIXTURES = ("acme", "clinic")


def devpack_dir(repo_root: Path = REPO_ROOT) -> Path:
    """``../shared/devpack`` beside the checkout."""
    return repo_root.parent / "shared" / "devpack"


def corpora(repo_root: Path = REPO_ROOT) -> dict[str, Path]:
    """Name → folder holding ``corpus/`` and ``gold.yaml`` (devpack ones when present)."""
    found = {
        name: repo_root / "fixtures" / name
        for name in FIXTURES
        if (repo_root / "fixtures" / name / "gold.yaml").is_file()
    }
    pack = devpack_dir(repo_root)
    if pack.is_dir():
        for folder in sorted(pack.iterdir()):
            if (folder / "gold.yaml").is_file() and (folder / "corpus").is_dir():
                found[f"devpack/{folder.name}"] = folder
    return found


def measure_corpus(folder: Path, workspace: Path, semantic: bool = False
                   ) -> tuple[dict[str, float | None], dict[str, float]]:
    """Provision, loop once, eval: (metrics, seconds for loop and eval)."""
    from dossier.evals.tenant_eval import evaluate_tenant
    from dossier.runtime.default import DefaultOrchestrator
    from dossier.runtime.orchestrator import LoopOptions
    from dossier.tenancy import Registry

    ctx = Registry(workspace).provision("corpus", sources=[folder / "corpus"])
    started = time.perf_counter()
    record = DefaultOrchestrator().run_iteration(ctx, LoopOptions())
    if record.status != "committed":
        raise DossierError(f"loop over {folder} ended {record.status}: {record.message}")
    loop_seconds = time.perf_counter() - started
    report = evaluate_tenant(ctx, folder / "gold.yaml", semantic=semantic)
    return report.metrics(), {"loop": round(loop_seconds, 2), "eval": round(report.seconds, 2)}


def regressions(recorded: dict[str, float | None], current: dict[str, float | None],
                tolerance: float = 1e-9) -> list[str]:
    """Recorded figures that ``current`` is worse than (or no longer measures)."""
    problems = []
    for name, before in sorted(recorded.items()):
        if before is None or base_name(name) in NEUTRAL:
            continue
        after = current.get(name)
        if after is None:
            problems.append(f"{name}: recorded {before:g}, no longer measured")
        elif worsening(name, before, after) > tolerance:
            problems.append(f"{name}: recorded {before:g}, now {after:g}")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dossier.evals.suite", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--write", type=Path, default=None, help="record the figures here")
    parser.add_argument("--only", action="append", default=[], help="corpus name (repeatable)")
    parser.add_argument("--semantic", action="store_true", help="also measure hybrid")
    parser.add_argument("--tables", action="store_true",
                        help="print docs/evals.md's tables of the recorded baseline and exit")
    args = parser.parse_args(argv)
    if args.tables:
        from dossier.evals.doc_tables import tables

        print(tables(json.loads(BASELINE_FILE.read_text(encoding="utf-8"))), end="")
        return 0
    figures: dict[str, dict[str, float | None]] = {}
    timings: dict[str, dict[str, float]] = {}
    try:
        selected = {n: p for n, p in corpora().items() if not args.only or n in args.only}
        if not selected:
            raise UsageError("no corpus selected")
        for name, folder in selected.items():
            with tempfile.TemporaryDirectory(prefix="dossier-eval-suite-") as scratch:
                figures[name], timings[name] = measure_corpus(folder, Path(scratch),
                                                              args.semantic)
            print(f"{name}: loop {timings[name]['loop']} s, eval {timings[name]['eval']} s",
                  file=sys.stderr)
    except DossierError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    text = json.dumps(figures, indent=2, sort_keys=True) + "\n"
    if args.write is not None:
        from dossier.fsutil import atomic_write_text

        args.write.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_text(args.write, text)
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
