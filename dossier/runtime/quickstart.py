"""``dossier quickstart``: the whole loop on the bundled demo, in one command.

Provisions the demo tenant ``acme`` from the Acme Logistics corpus, runs one loop
iteration, and summarises what was learned with the commands to try next.  Safe
to re-run: provisioning is idempotent and a second iteration is "up to date".
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.text import Text

from dossier.okf import Bundle
from dossier.runtime.batch import run_one
from dossier.runtime.orchestrator import LoopOptions
from dossier.runtime.records import RunRecord
from dossier.tenancy import Provisioned, Registry, resolve_root

DEMO_TENANT = "acme"
DEMO_NAME = "Acme Logistics (demo)"


@dataclass
class QuickstartSummary:
    """What the demo run produced."""

    root: Path
    tenant_path: Path
    created: bool
    record: RunRecord
    concepts_by_type: dict[str, int] = field(default_factory=dict)
    examples: list[tuple[str, str, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.record.status in ("committed", "up-to-date")

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "tenant": DEMO_TENANT,
            "root": str(self.root),
            "tenant_path": str(self.tenant_path),
            "provisioned": self.created,
            "status": self.record.status,
            "message": self.record.message,
            "commit": self.record.commit,
            "concepts_by_type": self.concepts_by_type,
            "examples": [{"id": i, "type": t, "title": ti} for i, t, ti in self.examples],
        }

    def render(self, console: Console) -> None:
        """Human summary: what was learned, where it is, and what to run next."""
        verb = "provisioned" if self.created else "already provisioned"
        console.print(Text(DEMO_TENANT, style="bold"), f"{verb} at {self.tenant_path}")
        status = self.record.status
        style = "green" if self.ok else "red"
        console.print("loop:", Text(status, style=style), f"— {self.record.message}")
        if not self.ok:
            return
        total = sum(self.concepts_by_type.values())
        console.print(f"\nThe bundle holds {total} concepts:")
        for type_name, count in sorted(self.concepts_by_type.items(), key=lambda kv: -kv[1]):
            console.print(f"  {count:>4}  {type_name}")
        if self.examples:
            console.print("\nFor example:")
            for concept_id, type_name, title in self.examples:
                console.print(f"  {title} ", Text(f"({type_name}, {concept_id})", style="dim"))
        default_root = resolve_root(None)
        root_flag = "" if self.root == default_root else f" --root {self.root}"
        console.print("\nNext, try:")
        for command in (
            f"dossier tenants show {DEMO_TENANT}{root_flag}",
            f"dossier history {DEMO_TENANT}{root_flag}",
            f'dossier search {DEMO_TENANT} "proof of delivery"{root_flag}',
            f"dossier validate {self.tenant_path / 'bundle'}",
            f"dossier serve-mcp {DEMO_TENANT}{root_flag}",
        ):
            console.print(f"  {command}")


def run_quickstart(root: Path | None, corpus: Path) -> QuickstartSummary:
    """Provision the demo tenant from ``corpus`` (idempotent) and run one iteration."""
    registry = Registry(root)
    if registry.context(DEMO_TENANT).manifest_path.exists():
        # Already there (perhaps with more sources ingested since): just run the loop.
        provisioned = Provisioned(registry.get(DEMO_TENANT), created=False)
    else:
        provisioned = registry.ensure(DEMO_TENANT, name=DEMO_NAME, sources=[corpus])
    record = run_one(registry.root, DEMO_TENANT, None, LoopOptions())
    summary = QuickstartSummary(
        root=registry.root,
        tenant_path=provisioned.ctx.path,
        created=provisioned.created,
        record=record,
    )
    if summary.ok:
        bundle = Bundle(provisioned.ctx.bundle_dir)
        types: Counter[str] = Counter()
        firsts: dict[str, tuple[str, str, str]] = {}
        for doc in bundle.iter_documents():
            concept = doc.concept
            types[concept.type] += 1
            firsts.setdefault(concept.type, (doc.concept_id, concept.type,
                                             concept.title or doc.concept_id))
        summary.concepts_by_type = dict(sorted(types.items()))
        summary.examples = [firsts[t] for t, _ in types.most_common(6)]
    return summary
