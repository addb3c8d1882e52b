"""The Agent-SDK orchestrator, offline: the real SDK and Dossier's real tools, a scripted CLI.

Each test drives ``claude_agent_sdk.query`` through :class:`ScriptedCLI`, which
plays the Claude Code CLI's side of the control protocol; the tools, the hook,
the SDK MCP server, the merge, validation, commit and records are Dossier's own.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

pytest.importorskip("claude_agent_sdk", reason="the agent extra is not installed")

from claude_agent_sdk import ClaudeAgentOptions

from dossier.okf.validate import validate_bundle
from dossier.runtime.agent import orchestrator as agent_module
from dossier.runtime.agent.driver import BUILTIN_TOOLS
from dossier.runtime.agent.orchestrator import AgentOrchestrator
from dossier.runtime.orchestrator import LoopOptions, available_orchestrators
from dossier.runtime.records import RunRecord, read_run_record
from dossier.tenancy import TenantContext
from tests.runtime.helpers import (
    DOSSIER_BIN,
    cli,
    commit_count,
    git,
    write_corpus,
)
from tests.runtime.scripted_cli import Call, Script, ScriptedCLI

FAKE_KEY = "sk-ant-api03-FAKE-KEY-0f1e2d3c4b5a69788796a5b4c3d2e1f0-never-seen"
SECRET = "OTHER-TENANT-SECRET-7c1d"
#: Where ingest keeps the snapshot of acme-src/ledger.md (list_sources shows it).
LEDGER_PATH = "acme-src/ledger-md.md"
D = "mcp__dossier__"
CRASHED_SESSION = "5e55a0de-0000-4000-8000-0000000000ff"

LEDGER = (
    "# Ledger Hub\n\nLedger Hub is the system of record for invoices.\n"
    "It feeds the Billing Portal every night.\n"
)


@pytest.fixture(autouse=True)
def _fake_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", FAKE_KEY)
    monkeypatch.delenv("DOSSIER_ANTHROPIC_KEY_FILE", raising=False)
    for name in ("MODE", "MODEL", "MAX_TURNS", "MAX_BUDGET_USD"):
        monkeypatch.delenv(f"DOSSIER_AGENT_{name}", raising=False)


@pytest.fixture
def agent_entry_point(tmp_path_factory: pytest.TempPathFactory,
                      monkeypatch: pytest.MonkeyPatch) -> Path:
    """Make ``agent`` resolvable where the checkout is not installed afresh (a dev venv).

    CI installs the package, whose pyproject registers it; a development venv made
    from another checkout may not.  Returns the folder to put on PYTHONPATH.
    """
    site = tmp_path_factory.mktemp("ep")
    info = site / "dossier_agent_ep-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: dossier-agent-ep\n"
                                   "Version: 1.0\n")
    (info / "entry_points.txt").write_text(
        "[dossier.orchestrators]\nagent = dossier.runtime.agent.orchestrator:AgentOrchestrator\n"
    )
    if "agent" not in available_orchestrators():
        monkeypatch.syspath_prepend(str(site))
    return site


@pytest.fixture
def tenants(tmp_path: Path) -> tuple[TenantContext, TenantContext]:
    """Two tenants side by side: ``acme`` (the agent's) and ``other`` (holding a secret)."""
    root = tmp_path / "tenants"
    acme_src = write_corpus(tmp_path / "acme-src", {"ledger.md": LEDGER})
    other_src = write_corpus(tmp_path / "other-src",
                             {"secret.md": f"# Secret\n\nThe launch code is {SECRET}.\n"})
    assert cli("provision", "acme", "--root", str(root), "--source", str(acme_src)).exit_code == 0
    assert cli("provision", "other", "--root", str(root),
               "--source", str(other_src)).exit_code == 0
    assert cli("run-loop", "other", "--root", str(root)).exit_code == 0
    return TenantContext.at(root, "acme"), TenantContext.at(root, "other")


class Recorder:
    """A transport factory that plays one script per session and keeps the transports."""

    def __init__(self, *scripts: Script) -> None:
        self.scripts = list(scripts)
        self.sessions: list[ScriptedCLI] = []

    def __call__(self, options: ClaudeAgentOptions) -> ScriptedCLI:
        transport = ScriptedCLI(options, self.scripts.pop(0))
        self.sessions.append(transport)
        return transport


def _run(ctx: TenantContext, *scripts: Script) -> tuple[RunRecord, Recorder]:
    recorder = Recorder(*scripts)
    record = AgentOrchestrator(transport_factory=recorder).run_iteration(ctx, LoopOptions())
    return record, recorder


def _onboarding_calls() -> list[Call]:
    return [
        Call(D + "list_sources"),
        Call(D + "read_source", {"path": LEDGER_PATH}),
        # The extractor's concepts of this very iteration are already there to find.
        Call(D + "search_concepts", {"query": "Ledger Hub"}),
        Call(D + "get_concept", {"concept_id": "topics/ledger-hub"}),
        Call(D + "propose_concept", {
            "type": "System", "title": "Invoice Archive",
            "description": "Where Ledger Hub keeps paid invoices.",
            "body": "The archive of paid invoices.", "sources": [LEDGER_PATH + "#L3-L3"],
            "links": ["topics/ledger-hub"]}),
        Call(D + "propose_concept", {
            "type": "Term", "title": "Nightly Feed",
            "description": "The nightly transfer from Ledger Hub to the Billing Portal.",
            "links": ["systems/invoice-archive"]}),
        Call(D + "link_concepts", {"from_id": "terms/nightly-feed",
                                   "to_id": "systems/invoice-archive", "label": "Feeds"}),
        Call(D + "finish", {"summary": "proposed the archive and the feed"}),
    ]


def _head_trailers(tenant: Path) -> dict[str, str]:
    text = git(tenant, "log", "-1", "--format=%(trailers:only,unfold)")
    pairs = (line.split(": ", 1) for line in text.splitlines() if ": " in line)
    return {k: v for k, v in pairs}


def test_scripted_turns_that_write_concepts_end_in_one_valid_commit(
    tenants: tuple[TenantContext, TenantContext],
) -> None:
    acme, _ = tenants
    before = commit_count(acme.path)
    record, recorder = _run(acme, Script(_onboarding_calls()))

    assert record.status == "committed", record.message
    assert commit_count(acme.path) == before + 1
    assert not git(acme.path, "status", "--porcelain").strip()  # everything is in that commit
    session = recorder.sessions[0]
    assert not any(o.is_error for o in session.outcomes), session.outcomes
    assert '"id": "topics/ledger-hub"' in session.outcomes[2].text  # search hit
    assert "system of record for invoices" in session.outcomes[3].text  # get_concept
    assert set(session.mcp_tools) >= {"list_sources", "read_source", "search_concepts",
                                      "get_concept", "propose_concept", "link_concepts",
                                      "finish"}
    trailers = _head_trailers(acme.path)
    assert trailers["Dossier-Actor"] == "agent:claude"
    assert trailers["Dossier-Orchestrator"] == "agent"
    assert trailers["Dossier-Run-Id"] == record.run_id
    assert trailers["Dossier-Agent-Session"] == session.script.session_id
    # What the SDK's result message says was spent reaches the record and the trailers.
    assert trailers["Dossier-Tokens"] == "1540" and trailers["Dossier-Cost-USD"] == "0.0125"
    # The agent's concepts are drafts it owns, with provenance, and the bundle is valid OKF.
    archive = (acme.bundle_dir / "systems" / "invoice-archive.md").read_text()
    assert "status: draft" in archive and "by: agent:claude" in archive
    assert f"../../sources/{LEDGER_PATH}#L3-L3" in archive
    # linked (relative) to the concept extracted in this very iteration
    assert "[Ledger Hub](../topics/ledger-hub.md)" in archive
    assert (acme.bundle_dir / "topics" / "ledger-hub.md").is_file()  # same commit
    assert "invoice-archive" in (acme.bundle_dir / "systems" / "index.md").read_text()
    feed = (acme.bundle_dir / "terms" / "nightly-feed.md").read_text()
    assert "Feeds: [Invoice Archive]" in feed
    assert validate_bundle(acme.bundle_dir).errors == []
    # The committed record says what the session did, with its id.
    committed = read_run_record(acme.runs_dir / f"{record.run_id}.json")
    assert committed.agent is not None
    assert committed.agent.session_id == session.script.session_id
    assert committed.agent.proposals == ["created systems/invoice-archive",
                                         "created terms/nightly-feed",
                                         "linked terms/nightly-feed"]
    assert committed.agent.summary == "proposed the archive and the feed"
    assert committed.usage is not None and committed.usage.producer == "agent"
    assert (committed.usage.input_tokens, committed.usage.output_tokens) == (1200, 340)
    assert "runs/" + record.run_id + ".json" in git(acme.path, "show", "--name-only", "HEAD")
    # The session is finished: nothing left to resume.
    assert not (acme.path / ".dossier" / "agent" / "session.json").exists()


def test_the_session_never_writes_the_bundle_itself(
    tenants: tuple[TenantContext, TenantContext], monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Writes land in a cache view during the session; only the harness writes bundle/."""
    from dossier.runtime.agent import tools as tools_module

    acme, _ = tenants
    seen: list[bool] = []
    done = tools_module.AgentTools._done

    def spy(self: Any, concept_id: str, action: str) -> dict[str, Any]:
        seen.append((acme.bundle_dir / f"{concept_id}.md").exists())
        return done(self, concept_id, action)

    monkeypatch.setattr(tools_module.AgentTools, "_done", spy)
    record, _ = _run(acme, Script(_onboarding_calls()))

    assert record.status == "committed", record.message
    assert seen == [False, False, False]  # written to the view only, while the session ran
    assert (acme.bundle_dir / "systems" / "invoice-archive.md").is_file()  # then landed
    assert not (acme.path / ".dossier" / "agent" / "view").exists()  # the view is gone


def test_a_persons_concept_is_refused_to_the_agent_and_kept(
    tenants: tuple[TenantContext, TenantContext],
) -> None:
    acme, _ = tenants
    _run(acme, Script(_onboarding_calls()))
    mine = acme.bundle_dir / "notes" / "my-plan.md"
    mine.parent.mkdir(exist_ok=True)
    text = ("---\ntype: Note\ntitle: My Plan\ndescription: Mine.\n"
            "generated:\n  by: human:ana\n---\nMy plan.\n")
    mine.write_text(text)
    git(acme.path, "add", "-A")
    git(acme.path, "commit", "-qm", "a person's note")
    calls = [
        Call(D + "amend_concept", {"concept_id": "notes/my-plan", "description": "Theirs."}),
        Call(D + "deprecate_concept", {"concept_id": "notes/my-plan", "reason": "dup"}),
        # Refused calls tell the model why; it corrects itself with a proposal.
        Call(D + "propose_concept", {"type": "Note", "title": "Plan Summary",
                                     "description": "A summary of the plan.",
                                     "links": ["notes/my-plan"]}),
        Call(D + "finish", {"summary": "summarised"}),
    ]
    record, recorder = _run(acme, Script(calls))

    assert [o.is_error for o in recorder.sessions[0].outcomes] == [True, True, False, False]
    assert record.status == "committed", record.message
    assert mine.read_text() == text
    assert record.agent is not None
    assert [r.tool for r in record.agent.refused] == ["amend_concept", "deprecate_concept"]
    assert (acme.bundle_dir / "notes" / "plan-summary.md").is_file()


def test_a_concept_the_harness_protects_is_refused_at_call_time(
    tenants: tuple[TenantContext, TenantContext],
) -> None:
    """A person-edited machine concept and one with no ``generated`` at all: the sync
    would keep both as they are, so the tool call itself fails and is recorded."""
    acme, _ = tenants
    _run(acme, Script(_onboarding_calls()))
    hub = acme.bundle_dir / "topics" / "ledger-hub.md"
    assert "by: dossier-" in hub.read_text()  # the loop's concept until a person edits it
    edited = hub.read_bytes() + b"\nAna: the nightly feed moves to 02:00 in March.\n"
    hub.write_bytes(edited)
    unowned = acme.bundle_dir / "notes" / "glossary.md"
    unowned.parent.mkdir(exist_ok=True)
    unowned.write_bytes(b"---\ntype: Note\ntitle: Glossary\ndescription: Words we use.\n"
                        b"---\nWords we use.\n")
    glossary = unowned.read_bytes()
    git(acme.path, "add", "-A")
    git(acme.path, "commit", "-qm", "a person's edit and note")
    calls = [
        Call(D + "amend_concept", {"concept_id": "topics/ledger-hub",
                                   "description": "Something else."}),
        Call(D + "deprecate_concept", {"concept_id": "topics/ledger-hub", "reason": "dup"}),
        Call(D + "link_concepts", {"from_id": "topics/ledger-hub",
                                   "to_id": "systems/invoice-archive"}),
        Call(D + "amend_concept", {"concept_id": "notes/glossary", "body": "Replaced."}),
        # The model reads the person's edit, not the extractor's version, and adds instead.
        Call(D + "get_concept", {"concept_id": "topics/ledger-hub"}),
        Call(D + "propose_concept", {"type": "Term", "title": "Feed Window",
                                     "description": "When the nightly feed runs.",
                                     "links": ["topics/ledger-hub"]}),
        Call(D + "finish", {"summary": "left the edited concepts alone"}),
    ]
    record, recorder = _run(acme, Script(calls))

    outcomes = recorder.sessions[0].outcomes
    assert [o.is_error for o in outcomes] == [True] * 4 + [False] * 3
    assert "02:00 in March" in outcomes[4].text
    assert record.status == "committed", record.message
    assert hub.read_bytes() == edited and unowned.read_bytes() == glossary
    assert record.agent is not None
    refused = [(r.tool, r.reason) for r in record.agent.refused]
    assert [tool for tool, _ in refused] == ["amend_concept", "deprecate_concept",
                                             "link_concepts", "amend_concept"]
    assert all("edited by hand" in reason for _, reason in refused[:3])
    assert "written by an unknown author" in refused[3][1]
    assert record.agent.proposals == ["created terms/feed-window"]
    committed = read_run_record(acme.runs_dir / f"{record.run_id}.json")
    assert committed.agent is not None and len(committed.agent.refused) == 4
    # What the harness held back is the extractor's re-derivation, not the agent's change.
    assert all(p.proposed_description != "Something else." for p in committed.protected)


def test_with_no_source_change_the_agent_only_adds(
    tenants: tuple[TenantContext, TenantContext],
) -> None:
    """Extraction up to date: the proposal is the agent's alone, not the whole bundle."""
    acme, _ = tenants
    _run(acme, Script(_onboarding_calls()))
    before = set(git(acme.path, "ls-files", "bundle").split())
    calls = [Call(D + "propose_concept", {"type": "Term", "title": "Paid Invoice",
                                          "description": "An invoice that was settled."}),
             Call(D + "finish", {"summary": "one term"})]
    record, _ = _run(acme, Script(calls))

    assert record.status == "committed", record.message
    assert record.concepts.added == ["terms/paid-invoice"]
    assert record.concepts.removed == [] and record.concepts.changed == []
    assert before < set(git(acme.path, "ls-files", "bundle").split())


def test_paths_out_of_the_tenant_are_refused_and_reported(
    tenants: tuple[TenantContext, TenantContext],
) -> None:
    acme, other = tenants
    secret_file = other.sources_dir / "other-src" / "secret-md.md"
    assert SECRET in secret_file.read_text()
    (acme.sources_dir / "extra").mkdir()
    (acme.sources_dir / "extra" / "leak.md").symlink_to(secret_file)
    calls = [
        Call(D + "read_source", {"path": "../../other/sources/other-src/secret-md.md"}),
        Call(D + "read_source", {"path": str(secret_file)}),
        Call(D + "read_source", {"path": "extra/leak.md"}),
        Call(D + "read_source", {"path": "../dossier.tenant.yaml"}),
        Call(D + "get_concept", {"concept_id": "../../other/bundle/index"}),
        Call(D + "propose_concept", {"type": "Note", "title": "Leak",
                                     "sources": ["../../other/sources/other-src/secret-md.md"]}),
        Call(D + "finish", {"summary": "tried to leave"}),
    ]
    record, recorder = _run(acme, Script(calls))

    outcomes = recorder.sessions[0].outcomes
    assert [o.is_error for o in outcomes] == [True] * 6 + [False]
    for outcome in outcomes:
        assert SECRET not in outcome.text
        assert str(acme.root) not in outcome.text  # absolute paths are masked
    assert record.agent is not None
    refused_tools = [r.tool for r in record.agent.refused]
    assert refused_tools.count("read_source") == 4
    assert "get_concept" in refused_tools and "propose_concept" in refused_tools
    # Nothing from the other tenant reached this one's history or record.
    assert record.status == "committed", record.message
    assert SECRET not in git(acme.path, "log", "--all", "-p")
    committed = (acme.runs_dir / f"{record.run_id}.json").read_text()
    assert SECRET not in committed and "read_source" in committed


def test_built_in_tools_are_off_and_a_call_to_one_is_refused_and_reported(
    tenants: tuple[TenantContext, TenantContext],
) -> None:
    acme, other = tenants
    calls = [
        Call("Bash", {"command": f"cat {other.sources_dir}/other-src/secret-md.md"}),
        Call("Read", {"file_path": str(other.sources_dir / "other-src" / "secret-md.md")}),
        Call("WebFetch", {"url": "https://example.invalid/", "prompt": "x"}),
        Call(D + "finish", {"summary": "done"}),
    ]
    record, recorder = _run(acme, Script(calls))

    session = recorder.sessions[0]
    assert [o.is_error for o in session.outcomes] == [True, True, True, False]
    assert all(SECRET not in o.text for o in session.outcomes)
    assert record.agent is not None
    assert [r.tool for r in record.agent.refused] == ["Bash", "Read", "WebFetch"]
    # What the CLI is told: no built-in tool, only Dossier's allowed, no settings loaded.
    options = session.options
    assert options.tools == []
    assert set(BUILTIN_TOOLS) <= set(options.disallowed_tools)
    assert options.allowed_tools and all(t.startswith(D) for t in options.allowed_tools)
    assert options.permission_mode == "dontAsk"
    assert options.setting_sources == []
    assert options.strict_mcp_config is True
    assert options.cwd is not None and Path(options.cwd).is_relative_to(acme.path / ".dossier")


def test_an_interrupted_session_is_resumed_by_the_next_run(
    tenants: tuple[TenantContext, TenantContext],
) -> None:
    acme, _ = tenants
    before = commit_count(acme.path)
    first = Script(_onboarding_calls(), session_id="5e55a0de-0000-4000-8000-00000000000a",
                   crash_after=5)  # after the first proposal was written
    record, _ = _run(acme, first)

    assert record.status == "failed"
    assert record.agent is not None and record.agent.session_id == first.session_id
    assert first.session_id in record.message
    assert commit_count(acme.path) == before  # nothing committed ...
    assert not (acme.bundle_dir / "systems" / "invoice-archive.md").exists()  # ... or left
    failed = read_run_record(acme.path / ".dossier" / "failed-runs" / f"{record.run_id}.json")
    assert failed.agent is not None and failed.agent.session_id == first.session_id

    second = Script(_onboarding_calls(), session_id=first.session_id)
    record2, recorder = _run(acme, second)

    assert recorder.sessions[0].options.resume == first.session_id
    prompt = recorder.sessions[0].prompts[0]["message"]["content"]
    assert "interrupted" in prompt
    assert record2.status == "committed", record2.message
    assert record2.agent is not None and record2.agent.resumed_from == first.session_id
    assert commit_count(acme.path) == before + 1


def test_a_session_that_cannot_be_resumed_is_tried_once_then_a_new_one_starts(
    tenants: tuple[TenantContext, TenantContext],
) -> None:
    acme, _ = tenants
    first = Script(_onboarding_calls(), crash_after=1)
    assert _run(acme, first)[0].status == "failed"
    record, recorder = _run(acme, Script([], starts=False))  # the CLI cannot resume it
    assert recorder.sessions[0].options.resume == first.session_id
    assert record.status == "failed"
    record, recorder = _run(acme, Script(_onboarding_calls(),
                                         session_id="5e55a0de-0000-4000-8000-0000000000b2"))
    assert recorder.sessions[0].options.resume is None
    assert record.status == "committed", record.message


def test_turn_limit_fails_the_iteration_cleanly(
    tenants: tuple[TenantContext, TenantContext], monkeypatch: pytest.MonkeyPatch,
) -> None:
    acme, _ = tenants
    monkeypatch.setenv("DOSSIER_AGENT_MAX_TURNS", "3")
    monkeypatch.setenv("DOSSIER_AGENT_MAX_BUDGET_USD", "0.25")
    before = commit_count(acme.path)
    record, recorder = _run(acme, Script(_onboarding_calls()[:3],
                                         result_subtype="error_max_turns"))

    options = recorder.sessions[0].options
    assert (options.max_turns, options.max_budget_usd) == (3, 0.25)
    assert record.status == "failed"
    assert record.agent is not None and record.agent.stop == "error_max_turns"
    assert commit_count(acme.path) == before
    assert not git(acme.path, "status", "--porcelain", "bundle").strip()


def test_curation_mode_is_the_same_tools_with_another_task(
    tenants: tuple[TenantContext, TenantContext],
) -> None:
    acme, _ = tenants
    _run(acme, Script(_onboarding_calls()))
    manifest = acme.manifest_path
    data = yaml.safe_load(manifest.read_text())
    data["schema_version"] = 2
    data["plugins"] = {"agent": {"mode": "curate", "max_turns": 12}}
    manifest.write_text(yaml.safe_dump(data, sort_keys=False))
    git(acme.path, "commit", "-qam", "curate")
    calls = [
        Call(D + "amend_concept", {"concept_id": "systems/invoice-archive",
                                   "description": "The archive of paid invoices kept by "
                                                  "Ledger Hub."}),
        Call(D + "deprecate_concept", {"concept_id": "terms/nightly-feed",
                                       "reason": "duplicate", "superseded_by":
                                       "systems/invoice-archive"}),
        Call(D + "finish", {"summary": "curated"}),
    ]
    record, recorder = _run(acme, Script(calls))

    session = recorder.sessions[0]
    assert "Curate" in session.prompts[0]["message"]["content"]
    assert session.options.max_turns == 12
    assert record.status == "committed", record.message
    assert record.agent is not None and record.agent.mode == "curate"
    assert "status: deprecated" in (acme.bundle_dir / "terms" / "nightly-feed.md").read_text()


def _scripted_factory(script: Script) -> Callable[[ClaudeAgentOptions], ScriptedCLI]:
    def make(options: ClaudeAgentOptions) -> ScriptedCLI:
        return ScriptedCLI(options, script)

    return make


def test_the_key_appears_in_no_history_record_or_output(
    tenants: tuple[TenantContext, TenantContext], agent_entry_point: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    acme, _ = tenants
    calls = [*_onboarding_calls()[:-1],
             Call("Bash", {"command": "echo $ANTHROPIC_API_KEY"}),
             Call(D + "read_source", {"path": "/proc/self/environ"}),
             Call(D + "finish", {"summary": "done"})]
    monkeypatch.setattr(agent_module, "confined_transport", _scripted_factory(Script(calls)))
    ok = cli("run-loop", "acme", "--root", str(acme.root), "--orchestrator", "agent", "--json")
    assert ok.exit_code == 0, ok.output
    crashing = Script(_onboarding_calls(), crash_after=1, session_id=CRASHED_SESSION)
    monkeypatch.setattr(agent_module, "confined_transport", _scripted_factory(crashing))
    failed = cli("run-loop", "acme", "--root", str(acme.root), "--orchestrator", "agent")
    assert failed.exit_code == 1

    seen = [ok.output, failed.output, git(acme.path, "log", "--all", "-p", "--format=%B")]
    for path in acme.path.rglob("*"):
        if path.is_file() and ".git" not in path.parts:
            seen.append(path.read_text(errors="replace"))
    assert any(CRASHED_SESSION in text for text in seen)  # the failed-run record was read
    assert not [text[:80] for text in seen if FAKE_KEY in text]


def test_run_loop_shows_the_agents_turns_and_a_closing_line(
    tenants: tuple[TenantContext, TenantContext], agent_entry_point: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Off a terminal, the agent stage is plain stderr lines like every other stage: a
    running turn count against the limit, then one line saying what the session did."""
    acme, _ = tenants
    calls = [*_onboarding_calls()[:-1],
             Call("Bash", {"command": "ls /"}),
             Call(D + "read_source", {"path": "/etc/passwd"}),
             Call(D + "finish", {"summary": "done"})]
    monkeypatch.setattr(agent_module, "confined_transport", _scripted_factory(Script(calls)))
    result = cli("run-loop", "acme", "--root", str(acme.root), "--orchestrator", "agent")
    assert result.exit_code == 0, result.output

    lines = result.stderr.splitlines()
    assert "acme: agent…: 1/40 turns" in lines  # the first count goes out at once
    closing = [line for line in lines if line.startswith("acme: agent: ")]
    # the scripted CLI reports one turn per call plus the closing one
    assert closing == [f"acme: agent: 2 concepts proposed, 2 refused, {len(calls) + 1} turns"]
    for stage in ("ingest", "extract", "okf"):
        assert any(line.startswith(f"acme: {stage}: ") for line in lines), (stage, lines)

    crashing = Script(_onboarding_calls(), crash_after=2, session_id=CRASHED_SESSION)
    monkeypatch.setattr(agent_module, "confined_transport", _scripted_factory(crashing))
    failed = cli("run-loop", "acme", "--root", str(acme.root), "--orchestrator", "agent")
    assert failed.exit_code == 1
    assert [line for line in failed.stderr.splitlines() if line.startswith("acme: agent: ")] \
        == ["acme: agent: 0 concepts proposed, 0 refused, 2 turns; stopped: no result"]


def test_agent_without_a_key_is_a_clear_error_before_any_work(
    tenants: tuple[TenantContext, TenantContext], agent_entry_point: Path,
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
) -> None:
    acme, _ = tenants
    before = commit_count(acme.path)
    monkeypatch.delenv("ANTHROPIC_API_KEY")
    result = cli("run-loop", "acme", "--root", str(acme.root), "--orchestrator", "agent")
    assert result.exit_code == 2
    assert "ANTHROPIC_API_KEY" in result.output and "DOSSIER_ANTHROPIC_KEY_FILE" in result.output
    assert "Traceback" not in result.output
    monkeypatch.setenv("DOSSIER_ANTHROPIC_KEY_FILE", str(tmp_path / "missing-key"))
    result = cli("run-loop", "acme", "--root", str(acme.root), "--orchestrator", "agent")
    assert result.exit_code == 2 and "DOSSIER_ANTHROPIC_KEY_FILE" in result.output
    assert commit_count(acme.path) == before
    assert not (acme.sources_dir / LEDGER_PATH).exists()  # not even ingested

    key_file = tmp_path / "key"
    key_file.write_text(FAKE_KEY + "\n")
    monkeypatch.setenv("DOSSIER_ANTHROPIC_KEY_FILE", str(key_file))
    recorder = Recorder(Script(_onboarding_calls()))
    monkeypatch.setattr(agent_module, "confined_transport", recorder)
    result = cli("run-loop", "acme", "--root", str(acme.root), "--orchestrator", "agent")
    assert result.exit_code == 0, result.output
    assert recorder.sessions[0].options.env["ANTHROPIC_API_KEY"] == FAKE_KEY  # child only


def test_agent_without_the_extra_is_a_clear_error(
    tenants: tuple[TenantContext, TenantContext], agent_entry_point: Path, tmp_path: Path,
) -> None:
    acme, _ = tenants
    shadow = tmp_path / "no-sdk"
    (shadow / "claude_agent_sdk").mkdir(parents=True)
    (shadow / "claude_agent_sdk" / "__init__.py").write_text(
        "raise ImportError('claude-agent-sdk is not installed')\n")
    worktree = Path(__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(shadow), str(agent_entry_point),
                                                        str(worktree)])}
    run = subprocess.run(
        [str(DOSSIER_BIN), "run-loop", "acme", "--root", str(acme.root), "--orchestrator",
         "agent"], capture_output=True, text=True, env=env, timeout=120,
    )
    assert run.returncode == 2, run.stderr
    assert "[agent]" in run.stderr and "Traceback" not in run.stderr


def test_the_cli_child_gets_only_the_environment_it_needs(
    tenants: tuple[TenantContext, TenantContext], tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The real transport starts a (fake) CLI: its environment and argv are inspected."""
    import asyncio
    import dataclasses

    from dossier.runtime.agent.driver import build_options, confined_transport, run_session
    from dossier.runtime.agent.keys import load_key
    from dossier.runtime.agent.settings import AgentConfig
    from dossier.runtime.agent.staging import StagedBundle
    from dossier.runtime.agent.tools import AgentTools

    acme, _ = tenants
    monkeypatch.setenv("DOSSIER_TEST_SECRET", "do-not-pass-me")
    dump = tmp_path / "child.json"
    fake_cli = tmp_path / "claude"
    fake_cli.write_text(
        f"#!{sys.executable}\nimport json, os, sys\n"
        f"json.dump({{'env': dict(os.environ), 'argv': sys.argv}}, open({str(dump)!r}, 'w'))\n"
        "sys.exit(3)\n")
    fake_cli.chmod(0o755)
    monkeypatch.setenv("CLAUDE_AGENT_SDK_SKIP_VERSION_CHECK", "1")
    options = build_options(AgentTools(acme, StagedBundle(acme, [])),
                            AgentConfig(), system_prompt="s",
                            workdir=tmp_path, config_dir=tmp_path / "cfg", key=load_key(),
                            resume=None)
    options = dataclasses.replace(options, cli_path=str(fake_cli))
    outcome = asyncio.run(run_session("go", options, confined_transport(options)))

    assert not outcome.ok
    child: dict[str, Any] = json.loads(dump.read_text())
    assert child["env"]["ANTHROPIC_API_KEY"] == FAKE_KEY
    assert "DOSSIER_TEST_SECRET" not in child["env"]
    assert "GIT_CONFIG_GLOBAL" not in child["env"]
    assert child["env"]["CLAUDE_CONFIG_DIR"] == str(tmp_path / "cfg")
    assert FAKE_KEY not in " ".join(child["argv"])
    argv = child["argv"]
    assert argv[argv.index("--tools") + 1] == ""  # no built-in tool at all
    assert argv[argv.index("--permission-mode") + 1] == "dontAsk"
    assert "--setting-sources=" in argv and "--strict-mcp-config" in argv



def test_git_hooks_of_the_tenant_do_not_inherit_the_key(
    tenants: tuple[TenantContext, TenantContext], tmp_path: Path,
) -> None:
    """A hook someone put in the tenant repo runs on the iteration's commit, without the key."""
    acme, _ = tenants
    dump = tmp_path / "hook-env.txt"
    hook = acme.git_dir / "hooks" / "post-commit"
    hook.parent.mkdir(exist_ok=True)
    hook.write_text(f"#!/bin/sh\nenv > {dump}\n")
    hook.chmod(0o755)
    record, _ = _run(acme, Script(_onboarding_calls()))

    assert record.status == "committed", record.message
    seen = dump.read_text()
    assert "GIT_DIR=" in seen  # the hook ran, in a git child process
    assert FAKE_KEY not in seen


def test_the_bundled_cli_itself_offers_only_dossiers_tools(
    tenants: tuple[TenantContext, TenantContext], tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The real Claude Code CLI the SDK bundles, started as a run would start it, offline.

    The CLI reports its session (tools, MCP servers, permission mode) before it calls
    the API, so this needs no network: the API address is a closed local port and the
    test stops at that first report.
    """
    import asyncio
    import contextlib

    from claude_agent_sdk import SystemMessage, query

    from dossier.runtime.agent.driver import build_options, confined_transport
    from dossier.runtime.agent.keys import load_key
    from dossier.runtime.agent.sdk_server import QUALIFIED_NAMES
    from dossier.runtime.agent.settings import AgentConfig
    from dossier.runtime.agent.staging import StagedBundle
    from dossier.runtime.agent.tools import AgentTools

    acme, _ = tenants
    monkeypatch.setenv("ANTHROPIC_BASE_URL", "http://127.0.0.1:9")  # discard port: no API
    work = tmp_path / "work"
    work.mkdir()
    options = build_options(AgentTools(acme, StagedBundle(acme, [])),
                            AgentConfig(max_turns=1), system_prompt="s",
                            workdir=work, config_dir=tmp_path / "cfg", key=load_key(),
                            resume=None)

    async def first_report() -> dict[str, Any]:
        stream = query(prompt="list the sources", options=options,
                       transport=confined_transport(options))
        async with contextlib.aclosing(stream) as messages:
            async for message in messages:
                if isinstance(message, SystemMessage) and message.subtype == "init":
                    return dict(message.data)
        raise AssertionError("the CLI ended without reporting its session")

    init = asyncio.run(asyncio.wait_for(first_report(), timeout=120))
    assert sorted(init["tools"]) == sorted(QUALIFIED_NAMES)  # no built-in tool at all
    assert init["mcp_servers"] == [{"name": "dossier", "status": "connected", "source": "sdk"}]
    assert init["permissionMode"] == "dontAsk"


def test_a_run_through_the_bundled_cli_against_a_loopback_messages_api(
    tenants: tuple[TenantContext, TenantContext], monkeypatch: pytest.MonkeyPatch,
) -> None:
    """End to end with nothing scripted but the model: the real CLI, SDK, tools and loop.

    The Messages API is a stub on 127.0.0.1 whose "model" asks for a shell, tries to
    read another tenant's source, then proposes a concept and finishes.
    """
    from tests.runtime.messages_stub import MessagesStub, Step

    acme, other = tenants
    secret_path = "../../other/sources/other-src/secret-md.md"
    stub = MessagesStub([
        Step("Bash", {"command": f"cat {other.sources_dir}/other-src/secret-md.md"}),
        Step(D + "read_source", {"path": secret_path}),
        Step(D + "list_sources"),
        Step(D + "propose_concept", {"type": "System", "title": "Invoice Archive",
                                     "description": "Where Ledger Hub keeps paid invoices.",
                                     "sources": [LEDGER_PATH]}),
        Step(D + "finish", {"summary": "proposed the archive"}),
        Step(text="All done."),
    ])
    monkeypatch.setenv("ANTHROPIC_BASE_URL", stub.url)
    before = commit_count(acme.path)
    with stub.running():
        record = AgentOrchestrator().run_iteration(acme, LoopOptions())

    assert record.status == "committed", record.message
    assert commit_count(acme.path) == before + 1
    assert "by: agent:claude" in (acme.bundle_dir / "systems" / "invoice-archive.md").read_text()
    # The model was offered Dossier's tools and nothing else; the key reached the API.
    from dossier.runtime.agent.sdk_server import QUALIFIED_NAMES

    tools = stub.requests[0].body["tools"]
    # (The CLI may add a schema-less placeholder marked defer_loading; it is no tool.)
    assert {t["name"] for t in tools if not t.get("defer_loading")} == set(QUALIFIED_NAMES)
    assert not {t["name"] for t in tools} & set(BUILTIN_TOOLS)
    assert stub.requests[0].headers.get("x-api-key") == FAKE_KEY
    # The shell call and the escape were refused, and nothing secret went to the model.
    results = stub.tool_results()
    assert results["toolu_000"]["is_error"] and results["toolu_001"]["is_error"]
    assert not results["toolu_002"].get("is_error")
    assert SECRET not in json.dumps([seen.body for seen in stub.requests])
    assert record.agent is not None
    assert [r.tool for r in record.agent.refused] == ["Bash", "read_source"]
    # The CLI's own session id is the one recorded and put in the trailer.
    assert record.agent.session_id and len(record.agent.session_id) >= 32
    assert _head_trailers(acme.path)["Dossier-Agent-Session"] == record.agent.session_id
    # The key is nowhere in the tenant: history, record, the CLI's session files.
    assert FAKE_KEY not in git(acme.path, "log", "--all", "-p")
    leaks = [p for p in acme.path.rglob("*") if p.is_file() and ".git" not in p.parts
             and FAKE_KEY.encode() in p.read_bytes()]
    assert leaks == []
    assert list((acme.path / ".dossier" / "agent" / "claude").rglob("*.jsonl"))  # were checked
