"""``dossier review``: the human side of agent write-back.

Agents connected with ``serve-mcp --allow-writes`` record drafts owned by
``agent:<name>``.  A person lists them here and approves (stable, verified by
``human:<id>``) or rejects them (deprecated, or removed with ``--remove``); each
decision is its own commit.  To edit a draft, change its file, then approve it.
"""

from __future__ import annotations

import getpass
import os
import re
from typing import Annotated

import typer

from dossier.cli.options import JsonOption, LockTimeoutOption, RootOption, TenantArgument
from dossier.cli.output import console, handle_errors, print_json

REVIEWER_ENV = "DOSSIER_REVIEWER"


def _default_reviewer() -> str:
    name = os.environ.get(REVIEWER_ENV, "").strip()
    if not name:
        try:
            name = getpass.getuser()
        except (KeyError, OSError):
            name = ""
    return re.sub(r"[^a-z0-9._-]+", "-", name.lower()).strip("-._") or "reviewer"


@handle_errors
def review(
    tenant: TenantArgument,
    approve: Annotated[
        list[str] | None,
        typer.Option("--approve", help="Approve this draft (repeatable): status stable, "
                     "verified by human:<you>.", show_default=False),
    ] = None,
    reject: Annotated[
        list[str] | None,
        typer.Option("--reject", help="Reject this draft (repeatable): status deprecated.",
                     show_default=False),
    ] = None,
    remove: Annotated[
        bool, typer.Option("--remove", help="With --reject: delete the draft instead.")
    ] = False,
    reviewer: Annotated[
        str | None,
        typer.Option("--as", help=f"Your reviewer id (default ${REVIEWER_ENV} or your login).",
                     show_default=False),
    ] = None,
    root: RootOption = None,
    lock_timeout: LockTimeoutOption = None,
    json_out: JsonOption = False,
) -> None:
    """List the drafts agents wrote, or approve / reject them (one commit each)."""
    from dossier.serve.writes import KnowledgeWriter, check_actor_name
    from dossier.tenancy import Registry

    ctx = Registry(root).get(tenant)
    who = check_actor_name(reviewer) if reviewer else _default_reviewer()
    writer = KnowledgeWriter(ctx, f"human:{who}", lock_timeout=lock_timeout)
    if not approve and not reject:
        pending = writer.pending()
        if json_out:
            print_json(pending.model_dump())
            return
        if not pending.drafts:
            console.print(f"{ctx.client_id}: no drafts waiting for review")
            return
        for draft in pending.drafts:
            console.print(f"{draft.concept_id}  ({draft.type}, by {draft.actor} at {draft.at})")
            console.print(f"    {draft.title}: {draft.description}")
        console.print(f"approve with: dossier review {ctx.client_id} --approve ID")
        return
    results = [writer.approve(cid) for cid in approve or []]
    results += [writer.reject(cid, remove=remove) for cid in reject or []]
    if json_out:
        print_json([r.model_dump() for r in results])
        return
    for result in results:
        console.print(f"{result.action} {result.concept_id} (commit {(result.commit or '-')[:12]})")


def register(app: typer.Typer) -> None:
    """Attach ``review`` to the root app."""
    app.command("review")(review)
