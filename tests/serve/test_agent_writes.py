"""Agents that write back: MCP write tools, idempotency, confinement, review, the loop.

Every write goes through a real ``mcp.Client`` (in memory, and over stdio for the
served command) into a real tenant repository built by the real loop.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import anyio
import pytest
from mcp import Client, StdioServerParameters

from dossier.okf import Bundle, document
from dossier.okf.validate import validate_bundle
from dossier.runtime.ledger import Ledger, blob_id
from dossier.runtime.ownership import EDITED_BY_HAND
from dossier.serve import build_server
from dossier.tenancy import Registry, TenantContext, TenantRepo
from tests.runtime.helpers import cli, commit_count, git, tree_digest, write_corpus

WRITE_TOOLS = {"propose_concept", "record_decision", "record_note", "amend_concept",
               "deprecate_concept"}
DOC = (
    "# Ops notes\n\n## SYS-12 Label Printer Service\n\nThe Label Printer Service is the "
    "system that prints carrier labels at every dock door during wave picking.\n"
)


def _run(fn: Callable[[], Any]) -> Any:
    async def main() -> Any:
        return await fn()

    return anyio.run(main)


def call(ctx: TenantContext, tool: str, args: dict[str, Any], *, writes: bool = True) -> Any:
    async def body() -> Any:
        async with Client(build_server(ctx, allow_writes=writes, agent_name="scout")) as client:
            return await client.call_tool(tool, args)

    return _run(body)


def ok(result: Any) -> dict[str, Any]:
    assert not result.is_error, result.content[0].text
    data: dict[str, Any] = result.structured_content
    return data


#: Dossier's reason for a concept a person wrote or reviewed (runtime/ownership.py).
HUMAN_OWNED = "human-owned concept"


def refused(ctx: TenantContext, tool: str, args: dict[str, Any], reason: str) -> None:
    """The call is refused for Dossier's ``reason``, and the concept file and the
    history are as they were (an internal error would not name the reason)."""
    path = Bundle(ctx.bundle_dir).path_for(args["concept_id"])
    before, count = path.read_bytes(), commit_count(ctx.path)
    result = call(ctx, tool, args)
    assert result.is_error
    text = result.content[0].text
    assert f"cannot {tool.split('_')[0]} {args['concept_id']}: {reason}" in text, text
    assert path.read_bytes() == before and commit_count(ctx.path) == count


@pytest.fixture
def tenants(tmp_path: Path) -> tuple[TenantContext, TenantContext, Path]:
    corpus = write_corpus(tmp_path / "m", {"ops.md": DOC})
    other = write_corpus(tmp_path / "o", {"b.md": "# Beta\n\nBeta's secret plan is here.\n"})
    root = tmp_path / "t"
    cli("provision", "alpha", "--root", str(root), "--source", str(corpus))
    cli("provision", "beta", "--root", str(root), "--source", str(other))
    assert cli("run-loop", "alpha", "beta", "--root", str(root)).exit_code == 0
    registry = Registry(root)
    return registry.get("alpha"), registry.get("beta"), corpus


def test_write_tools_are_off_unless_allowed(tenants: tuple[Any, ...]) -> None:
    alpha = tenants[0]

    async def tools(writes: bool) -> set[str]:
        async with Client(build_server(alpha, allow_writes=writes)) as client:
            return {t.name for t in (await client.list_tools()).tools}

    off = _run(lambda: tools(False))
    on = _run(lambda: tools(True))
    assert not WRITE_TOOLS & off and "list_pending_reviews" in off
    assert on >= WRITE_TOOLS
    refused = call(alpha, "record_note", {"text": "x"}, writes=False)
    assert refused.is_error


def test_a_proposal_lands_as_one_valid_draft_commit(tenants: tuple[Any, ...]) -> None:
    alpha = tenants[0]
    before = commit_count(alpha.path)
    target = next(i for i in Bundle(alpha.bundle_dir).concept_ids() if "sys-12" in i)
    data = ok(call(alpha, "propose_concept", {
        "type": "Decision", "title": "Print labels at packing, not at the dock",
        "description": "Labels move to the packing stations.",
        "body": "Agreed on the call.", "links": [target], "note": "call with ops, 3 Dec",
        "idempotency_key": "k-1",
    }))
    assert data["action"] == "created" and data["status"] == "draft"
    concept_id = data["concept_id"]
    assert concept_id.startswith("decisions/")
    assert commit_count(alpha.path) == before + 1
    message = git(alpha.path, "log", "-1", "--format=%B")
    assert "Dossier-Actor: agent:scout" in message and "Dossier-Idempotency-Key: k-1" in message
    # the concept, and the ledger line that makes it this agent's own draft
    assert git(alpha.path, "show", "--name-only", "--format=", "HEAD").split() == [
        f"bundle/{concept_id}.md", "runs/written-concepts.tsv"]
    doc = Bundle(alpha.bundle_dir).read(concept_id)
    assert doc.frontmatter["generated"]["by"] == "agent:scout"
    assert doc.frontmatter["status"] == "draft"
    assert f"/{target}.md" in doc.body
    assert validate_bundle(alpha.bundle_dir).ok


def test_an_agent_write_commits_only_its_own_ledger_line(tenants: tuple[Any, ...]) -> None:
    """A ledger line a killed run left uncommitted stays out of the agent's commit."""
    alpha = tenants[0]
    ledger = alpha.path / "runs" / "written-concepts.tsv"
    in_flight = "0" * 40 + "\tnotes/half-written\n"
    ledger.write_text(ledger.read_text(encoding="utf-8") + in_flight, encoding="utf-8")
    (alpha.path / "runs" / "unrelated.txt").write_text("staged by a person\n", encoding="utf-8")
    git(alpha.path, "add", "runs/unrelated.txt")

    concept_id = ok(call(alpha, "record_note", {"text": "Returns go to bay 4."}))["concept_id"]

    assert git(alpha.path, "show", "--name-only", "--format=", "HEAD").split() == [
        f"bundle/{concept_id}.md", "runs/written-concepts.tsv"]
    diff = git(alpha.path, "diff", "-U0", "HEAD~1", "HEAD", "--", "runs/written-concepts.tsv")
    added = [line for line in diff.splitlines() if line.startswith("+") and "\t" in line]
    removed = [line for line in diff.splitlines() if line.startswith("-") and "\t" in line]
    written = blob_id(Bundle(alpha.bundle_dir).path_for(concept_id).read_bytes())
    assert added == [f"+{written}\t{concept_id}"] and removed == []
    # the in-flight line is still in the working tree, uncommitted; the staged file too
    assert in_flight in ledger.read_text(encoding="utf-8")
    status = git(alpha.path, "status", "--porcelain").splitlines()
    assert " M runs/written-concepts.tsv" in status and "A  runs/unrelated.txt" in status
    assert not any(concept_id in line for line in status)


def test_an_agent_write_lands_the_bytes_it_checked_and_recorded(
    tenants: tuple[Any, ...], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The file, the ledger line and the check all come from one render: were a second
    render to differ (simulated here: each render ends with one more blank line), the
    agent's own draft would look edited by hand and be locked against it."""
    alpha = tenants[0]
    renders = iter(range(1, 100))
    real = document.render_concept
    monkeypatch.setattr(document, "render_concept",
                        lambda doc: real(doc) + "\n" * next(renders))

    concept_id = ok(call(alpha, "record_note", {"text": "The dock has 12 doors."}))["concept_id"]
    data = Bundle(alpha.bundle_dir).path_for(concept_id).read_bytes()
    assert Ledger(alpha, TenantRepo(alpha)).entries[concept_id] == {blob_id(data)}
    assert git(alpha.path, "show", f"HEAD:bundle/{concept_id}.md").encode() == data
    amended = ok(call(alpha, "amend_concept", {"concept_id": concept_id, "append": "Doors 1-12."}))
    assert amended["action"] == "amended"


def test_a_retried_write_with_the_same_key_writes_once(tenants: tuple[Any, ...]) -> None:
    alpha = tenants[0]
    args = {"title": "Use Vantage", "decision": "We use Vantage WMS.", "idempotency_key": "r-9"}
    first = ok(call(alpha, "record_decision", args))
    count = commit_count(alpha.path)
    second = ok(call(alpha, "record_decision", args))
    assert commit_count(alpha.path) == count
    assert second["replayed"] is True
    assert (second["concept_id"], second["commit"]) == (first["concept_id"], first["commit"])


def test_writes_cannot_reach_another_tenant(tenants: tuple[Any, ...], tmp_path: Path) -> None:
    alpha, beta = tenants[0], tenants[1]
    beta_before = tree_digest(beta.path)
    (alpha.bundle_dir / "evil").symlink_to(beta.bundle_dir, target_is_directory=True)
    hostile = [
        ("amend_concept", {"concept_id": "../beta/bundle/index", "append": "x"}),
        ("amend_concept", {"concept_id": "/etc/passwd", "append": "x"}),
        ("amend_concept", {"concept_id": "evil/topics/beta", "append": "x"}),
        ("deprecate_concept", {"concept_id": "../../beta/bundle/topics/beta", "reason": "x"}),
        ("propose_concept", {"type": "Note", "title": "x", "links": ["../beta/bundle/x"]}),
        ("propose_concept", {"type": "Note", "title": "x",
                             "sources": ["../../beta/sources/o/b-md.md"]}),
        ("propose_concept", {"type": "../../beta", "title": "x"}),
        ("record_note", {"text": "x", "idempotency_key": "../../etc"}),
    ]
    for tool, args in hostile:
        assert call(alpha, tool, args).is_error, (tool, args)
    titled = ok(call(alpha, "propose_concept", {"type": "Note", "title": "../../beta/bundle/x"}))
    assert Bundle(alpha.bundle_dir).exists(titled["concept_id"])
    assert ".." not in titled["concept_id"]
    (alpha.bundle_dir / "evil").unlink()
    assert tree_digest(beta.path) == beta_before


def test_the_loop_leaves_agent_drafts_alone(tenants: tuple[Any, ...]) -> None:
    alpha, _beta, corpus = tenants
    target = next(i for i in Bundle(alpha.bundle_dir).concept_ids() if "sys-12" in i)
    ok(call(alpha, "amend_concept", {"concept_id": target, "append": "Also prints returns."}))
    draft = ok(call(alpha, "record_note", {"text": "The dock has 12 doors."}))
    path = Bundle(alpha.bundle_dir).path_for(target)
    amended = path.read_bytes()
    note = Bundle(alpha.bundle_dir).path_for(draft["concept_id"]).read_bytes()
    (corpus / "ops.md").write_text(DOC.replace("carrier labels", "carrier and customs labels"))
    assert cli("run-loop", "alpha", "--root", str(alpha.root)).exit_code == 0
    assert path.read_bytes() == amended
    assert Bundle(alpha.bundle_dir).path_for(draft["concept_id"]).read_bytes() == note


def test_agents_cannot_amend_what_a_person_reviewed(tenants: tuple[Any, ...]) -> None:
    alpha = tenants[0]
    draft = ok(call(alpha, "record_note", {"text": "Night shift starts at 22:00."}))
    assert cli("review", "alpha", "--root", str(alpha.root), "--approve",
               draft["concept_id"], "--as", "kim").exit_code == 0
    refused(alpha, "amend_concept", {"concept_id": draft["concept_id"], "append": "x"},
            HUMAN_OWNED)
    refused(alpha, "deprecate_concept", {"concept_id": draft["concept_id"], "reason": "x"},
            HUMAN_OWNED)


def test_a_write_that_would_not_be_valid_okf_is_refused_with_its_rule_code(
    tenants: tuple[Any, ...],
) -> None:
    """Each write is checked on its own text (no whole-bundle pass): an append that
    takes a draft over the document size cap is refused as OKF007, nothing written."""
    alpha = tenants[0]
    draft = ok(call(alpha, "record_note", {"text": "Long log of dock events."}))["concept_id"]
    path = Bundle(alpha.bundle_dir).path_for(draft)
    path.write_text(path.read_text(encoding="utf-8") + "x" * (5 * 1024 * 1024 - 60_000) + "\n",
                    encoding="utf-8")
    # as if the agent had grown it over many appends: the ledger holds these bytes as its own
    Ledger(alpha, TenantRepo(alpha)).record(draft, blob_id(path.read_bytes()))
    git(alpha.path, "commit", "-qam", "a long draft")
    before, count = path.read_bytes(), commit_count(alpha.path)
    refused = call(alpha, "amend_concept", {"concept_id": draft, "append": "y" * 90_000})
    assert refused.is_error and "OKF007" in refused.content[0].text
    assert path.read_bytes() == before and commit_count(alpha.path) == count
    assert ok(call(alpha, "amend_concept", {"concept_id": draft, "append": "Short."}))


def test_agents_cannot_change_a_concept_a_person_edited(tenants: tuple[Any, ...]) -> None:
    """The loop's ownership rule holds for direct writes: an edit by a person, committed
    or not, keeps the concept out of an agent's hands, and an agent's own draft is its
    own only while it holds what the agent wrote (even after a loop run committed it)."""
    alpha, _beta, corpus = tenants
    bundle = Bundle(alpha.bundle_dir)
    target = next(i for i in bundle.concept_ids() if "sys-12" in i)
    path = bundle.path_for(target)
    path.write_text(path.read_text(encoding="utf-8") + "\nKim: door 3's printer is down.\n",
                    encoding="utf-8")
    edited = path.read_bytes()
    refused(alpha, "amend_concept", {"concept_id": target, "append": "x"}, EDITED_BY_HAND)
    refused(alpha, "deprecate_concept", {"concept_id": target, "reason": "x"}, EDITED_BY_HAND)
    git(alpha.path, "commit", "-qam", "Kim's note")
    refused(alpha, "amend_concept", {"concept_id": target, "append": "x"}, EDITED_BY_HAND)
    assert path.read_bytes() == edited

    draft = ok(call(alpha, "record_note", {"text": "The dock has 12 doors."}))["concept_id"]
    ok(call(alpha, "amend_concept", {"concept_id": draft, "append": "Doors 1-12."}))
    draft_path = bundle.path_for(draft)
    draft_path.write_text(draft_path.read_text(encoding="utf-8") + "\nKim: 14 now.\n",
                          encoding="utf-8")
    (corpus / "ops.md").write_text(DOC.replace("carrier labels", "carrier and customs labels"))
    assert cli("run-loop", "alpha", "--root", str(alpha.root)).exit_code == 0  # commits it
    refused(alpha, "amend_concept", {"concept_id": draft, "body": "x"}, EDITED_BY_HAND)
    assert "Kim: 14 now." in draft_path.read_text(encoding="utf-8")


def test_review_lists_approves_and_rejects_drafts(tenants: tuple[Any, ...]) -> None:
    alpha = tenants[0]
    keep = ok(call(alpha, "record_note", {"text": "Returns go to bay 4."}))["concept_id"]
    drop = ok(call(alpha, "record_note", {"text": "Maybe move to bay 9?"}))["concept_id"]
    pending = ok(call(alpha, "list_pending_reviews", {}, writes=False))["drafts"]
    assert {d["concept_id"] for d in pending} == {keep, drop}
    listing = cli("review", "alpha", "--root", str(alpha.root))
    assert keep in listing.stdout and drop in listing.stdout
    count = commit_count(alpha.path)
    root = str(alpha.root)
    assert cli("review", "alpha", "--root", root, "--approve", keep, "--as", "kim").exit_code == 0
    assert cli("review", "alpha", "--root", root, "--reject", drop, "--remove",
               "--as", "kim").exit_code == 0
    assert commit_count(alpha.path) == count + 2
    approved = Bundle(alpha.bundle_dir).read(keep).frontmatter
    assert approved["status"] == "stable"
    assert approved["verified"][-1]["by"] == "human:kim"
    assert not Bundle(alpha.bundle_dir).exists(drop)
    assert "Dossier-Actor: human:kim" in git(alpha.path, "log", "-1", "--format=%B")
    again = cli("review", "alpha", "--root", root, "--approve", keep, "--as", "kim")
    assert again.exit_code == 2  # no longer a draft: a clear refusal


def test_served_command_writes_over_stdio(tenants: tuple[Any, ...]) -> None:
    alpha = tenants[0]
    env = {k: v for k, v in os.environ.items() if k != "DOSSIER_ROOT"}
    params = StdioServerParameters(
        command=sys.executable,
        args=["-m", "dossier.cli", "serve-mcp", "alpha", "--root", str(alpha.root),
              "--allow-writes", "--agent-name", "claude"],
        env=env,
    )

    async def body() -> Any:
        async with Client(params, read_timeout_seconds=60) as client:
            return await client.call_tool("record_note", {"text": "Dock 3 is closed Fridays.",
                                                          "idempotency_key": "stdio-1"})

    data = ok(_run(body))
    assert Bundle(alpha.bundle_dir).read(data["concept_id"]).frontmatter["generated"]["by"] == (
        "agent:claude")
    assert subprocess.run(["git", "-C", str(alpha.path), "status", "--porcelain", "bundle"],
                          capture_output=True, text=True, check=True).stdout == ""
