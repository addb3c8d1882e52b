"""The claude extractor end to end, through the real anthropic SDK and a loopback stub.

No network and no real key: the SDK talks to ``tests/claude_stub.py`` on 127.0.0.1, which
answers with scripted Messages API responses.  Each test drives ``dossier run-loop
--extractor claude`` and checks what a user relies on: the bundle, the commit, the run
record (tokens, cost, skipped chunks, where a budget stopped) and that the key is nowhere.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("anthropic")

from dossier.okf import Bundle
from tests.claude_stub import (
    TOOL,
    MessagesStub,
    Reply,
    error_reply,
    messages_stub,
    register_claude,
    tool_reply,
)
from tests.runtime.helpers import cli, commit_count, git, write_corpus

__all__ = ["messages_stub"]

FAKE_KEY = "sk-ant-stub-0000FAKEKEY1111-do-not-leak"
PRODUCER = "dossier-claude/extract-v1+claude-sonnet-4-6"

DECISIONS = """# Decisions

## DEC-001 Use Postgres

We decided to use Postgres for the order store.
The Billing Service depends on it.

## Open questions

None yet.
"""

TEAM = """# Team

Maria Lopez owns the Billing Service.
She is the Head of Finance Systems.
"""


def _line(body: dict[str, Any], phrase: str) -> int:
    """The source line number the chunk shows for the line containing ``phrase``."""
    text = body["messages"][0]["content"]
    for row in text.splitlines():
        match = re.match(r"\s*(\d+)\| (.*)$", row)
        if match and phrase in match.group(2):
            return int(match.group(1))
    raise AssertionError(f"{phrase!r} not in the chunk")


def _span(body: dict[str, Any], first: str, last: str) -> list[dict[str, int]]:
    return [{"start": _line(body, first), "end": _line(body, last)}]


def _concept(name: str, ctype: str, summary: str, lines: list[dict[str, int]],
             **extra: Any) -> dict[str, Any]:
    return {"name": name, "type": ctype, "description": summary.split(".")[0] + ".",
            "summary": summary, "lines": lines, **extra}


def good_draft(body: dict[str, Any]) -> dict[str, Any]:
    """What a well-behaved model answers for each fixture document."""
    text = body["messages"][0]["content"]
    if "DEC-001" in text:
        return {
            "concepts": [
                _concept("Use Postgres", "Decision",
                         "The order store uses Postgres.",
                         _span(body, "DEC-001", "decided to use"), identifier="DEC-001"),
                _concept("Billing Service", "System", "The Billing Service depends on Postgres.",
                         _span(body, "depends on it", "depends on it"), aliases=["Billing"]),
            ],
            "relations": [{"source": "Billing Service", "target": "Use Postgres",
                           "kind": "depends on", "lines": _span(body, "depends", "depends")}],
        }
    if "Maria Lopez" in text:
        return {
            "concepts": [
                _concept("Maria Lopez", "Stakeholder",
                         "Maria Lopez is Head of Finance Systems and owns the Billing Service.",
                         _span(body, "Maria Lopez", "Head of Finance")),
                _concept("billing service", "System", "Owned by Maria Lopez.",
                         _span(body, "owns the Billing", "owns the Billing")),
            ],
            "relations": [{"source": "Maria Lopez", "target": "Billing Service",
                           "kind": "owns", "lines": _span(body, "owns", "owns")}],
        }
    return {"concepts": [], "relations": []}


def good(body: dict[str, Any]) -> Reply:
    return tool_reply(good_draft(body))


@pytest.fixture
def claude_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
               messages_stub: MessagesStub) -> dict[str, Any]:
    """A tenant over the two fixture documents, the stub, and a fake key in the env."""
    site = register_claude(tmp_path / "site", monkeypatch)
    for name in list(os.environ):
        if name.startswith("DOSSIER_CLAUDE_") or name == "DOSSIER_ANTHROPIC_KEY_FILE":
            monkeypatch.delenv(name)
    monkeypatch.setenv("ANTHROPIC_API_KEY", FAKE_KEY)
    monkeypatch.setenv("DOSSIER_CLAUDE_BASE_URL", messages_stub.url)
    monkeypatch.setenv("DOSSIER_CLAUDE_RETRY_BASE_SECONDS", "0.01")
    monkeypatch.setenv("DOSSIER_CLAUDE_CONCURRENCY", "1")
    corpus = write_corpus(tmp_path / "material", {"decisions.md": DECISIONS, "team.md": TEAM})
    root = tmp_path / "tenants"
    assert cli("provision", "acme", "--root", str(root), "--source", str(corpus)).exit_code == 0
    messages_stub.responder = good
    return {"root": root, "tenant": root / "acme", "stub": messages_stub, "site": site,
            "corpus": corpus}


def run_loop(env: dict[str, Any], *extra: str) -> tuple[int, dict[str, Any], str]:
    result = cli("run-loop", "acme", "--root", str(env["root"]), "--extractor", "claude",
                 "--json", *extra)
    data = json.loads(result.stdout) if result.stdout.strip().startswith("{") else {}
    return result.exit_code, data, result.output


def record_of(tenant: Path) -> dict[str, Any]:
    """The record of the iteration HEAD committed (run ids sort by second only)."""
    run_id = subprocess.run(
        ["git", "-C", str(tenant), "log", "-1",
         "--format=%(trailers:key=Dossier-Run-Id,valueonly)"],
        capture_output=True, text=True, check=True).stdout.strip()
    return json.loads((tenant / "runs" / f"{run_id}.json").read_text())


def failed_record(tenant: Path) -> dict[str, Any]:
    records = sorted((tenant / ".dossier" / "failed-runs").glob("*.json"),
                     key=lambda p: p.stat().st_mtime_ns)
    assert records, "no failed-run record kept"
    return json.loads(records[-1].read_text())


def by_title(tenant: Path) -> dict[str, Any]:
    bundle = Bundle(tenant / "bundle")
    return {doc.frontmatter["title"]: doc for doc in bundle.iter_documents()}


def test_good_extraction_commits_typed_cited_concepts(claude_env: dict[str, Any]) -> None:
    tenant, stub = claude_env["tenant"], claude_env["stub"]
    before = commit_count(tenant)
    code, _, output = run_loop(claude_env)
    assert code == 0, output
    assert commit_count(tenant) == before + 1

    concepts = by_title(tenant)
    decision = concepts["Use Postgres"]
    assert decision.frontmatter["type"] == "Decision"
    assert decision.concept_id == "decisions/dec-001-use-postgres"
    assert decision.frontmatter["generated"]["by"] == PRODUCER
    [source] = decision.frontmatter["sources"]
    assert re.search(r"sources/.+\.md#L3-L5$", source["resource"]), source
    # one concept from two sources, resolved by name; relations become links
    billing = concepts["Billing Service"]
    assert billing.frontmatter["type"] == "System"
    assert len(billing.frontmatter["sources"]) == 2
    assert "Billing" in billing.frontmatter.get("aliases", [])
    assert "(../decisions/dec-001-use-postgres.md)" in billing.body  # relative: opens anywhere
    assert concepts["Maria Lopez"].frontmatter["type"] == "Stakeholder"
    assert "(../systems/billing-service.md)" in concepts["Maria Lopez"].body

    # the request: forced tool use with the pydantic schema, prompt caching on the prefix
    first = stub.messages()[0].body
    assert first["tool_choice"] == {"type": "tool", "name": TOOL}
    assert first["tools"][0]["input_schema"]["$defs"]["ConceptDraft"]
    assert first["system"][-1]["cache_control"] == {"type": "ephemeral"}
    assert first["model"] == "claude-sonnet-4-6"

    record = record_of(tenant)
    usage = record["usage"]
    assert usage["requests"] == 2 and usage["tokens"] == 2 * 1200
    assert usage["cost_usd"] == pytest.approx(2 * (1000 * 3 + 200 * 15) / 1e6)
    assert usage["producer"] == PRODUCER and usage["skipped_chunks"] == []
    trailers = git(tenant, "log", "-1", "--format=%(trailers)")
    assert "Dossier-Tokens: 2400" in trailers
    assert "Dossier-Extractor: claude/extract-v1+claude-sonnet-4-6" in trailers
    history = json.loads(cli("history", "acme", "--root", str(claude_env["root"]),
                             "--json").stdout)
    spend = history["iterations"][0]["spend"]
    assert spend == {"tokens": 2400, "cost_usd": pytest.approx(usage["cost_usd"], abs=1e-4)}

    table = cli("run-loop", "acme", "--root", str(claude_env["root"]), "--extractor", "claude")
    assert table.exit_code == 0 and "up-to-date" in table.output

    # an unchanged source never pays twice
    code, _, output = run_loop(claude_env)
    assert code == 0, output
    assert len(stub.messages()) == 2


def test_changed_model_re_extracts(claude_env: dict[str, Any],
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    tenant, stub = claude_env["tenant"], claude_env["stub"]
    assert run_loop(claude_env)[0] == 0
    monkeypatch.setenv("DOSSIER_CLAUDE_MODEL", "claude-haiku-4-5")
    plain = cli("run-loop", "acme", "--root", str(claude_env["root"]), "--extractor", "claude")
    assert plain.exit_code == 0, plain.output
    assert "2400 tokens, ~$" in plain.output  # the run's spend is shown, not only recorded
    assert len(stub.messages()) == 4
    assert stub.messages()[-1].body["model"] == "claude-haiku-4-5"
    decision = by_title(tenant)["Use Postgres"]
    assert decision.frontmatter["generated"]["by"] == "dossier-claude/extract-v1+claude-haiku-4-5"


def test_schema_violation_is_retried_once_then_skipped(claude_env: dict[str, Any]) -> None:
    tenant, stub = claude_env["tenant"], claude_env["stub"]

    def bad_for_team(body: dict[str, Any]) -> Reply:
        if "Maria Lopez" in body["messages"][0]["content"]:
            draft = good_draft(body)
            draft["concepts"][0]["type"] = "Person"  # not an OKF type Dossier uses
            draft["concepts"][1]["lines"] = [{"start": 40, "end": 41}]  # outside the chunk
            return tool_reply(draft)
        return good(body)

    stub.responder = bad_for_team
    code, data, output = run_loop(claude_env)
    assert code == 0, output
    [shown] = data["tenants"][0]["usage"]["skipped_chunks"]
    assert shown["lines"] == "1-4"
    team_calls = [r for r in stub.messages()
                  if "Maria Lopez" in r.body["messages"][0]["content"]]
    assert len(team_calls) == 2  # the answer, then one correction
    correction = team_calls[1].body["messages"]
    assert correction[1]["role"] == "assistant"
    result = correction[2]["content"][0]
    assert result["type"] == "tool_result" and result["is_error"] is True
    assert "Person" in result["content"] and "outside this chunk" not in result["content"]

    skipped = record_of(tenant)["usage"]["skipped_chunks"]
    assert len(skipped) == 1 and skipped[0]["lines"] == "1-4"
    assert "invalid answer twice" in skipped[0]["reason"]
    titles = by_title(tenant)
    assert "Use Postgres" in titles and "Maria Lopez" not in titles


def test_overloaded_then_success(claude_env: dict[str, Any]) -> None:
    stub = claude_env["stub"]
    stub.script.append(error_reply(529, "overloaded_error", "Overloaded"))
    code, _, output = run_loop(claude_env)
    assert code == 0, output
    usage = record_of(claude_env["tenant"])["usage"]
    assert usage["retries"] == 1 and usage["requests"] == 2
    assert len(stub.messages()) == 3
    assert "Use Postgres" in by_title(claude_env["tenant"])


def test_timeout_is_retried(claude_env: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    stub = claude_env["stub"]
    monkeypatch.setenv("DOSSIER_CLAUDE_TIMEOUT_SECONDS", "0.5")
    first = stub.messages
    stub.script.append(Reply(delay=2.0))  # the client gives up before this arrives
    code, _, output = run_loop(claude_env)
    assert code == 0, output
    assert record_of(claude_env["tenant"])["usage"]["retries"] == 1
    assert len(first()) == 3
    assert "Maria Lopez" in by_title(claude_env["tenant"])


def test_persistent_failure_is_a_failed_record(claude_env: dict[str, Any],
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    tenant, stub = claude_env["tenant"], claude_env["stub"]
    monkeypatch.setenv("DOSSIER_CLAUDE_MAX_RETRIES", "2")
    stub.responder = lambda body: error_reply(529, "overloaded_error")
    before = commit_count(tenant)
    code, _, output = run_loop(claude_env)
    assert code == 1, output
    assert commit_count(tenant) == before
    assert len(stub.messages()) == 3  # bounded: the first try and two retries
    assert "after 3 attempts" in failed_record(tenant)["message"]
    assert "Traceback" not in output


def test_budget_hit_commits_nothing_and_says_where(claude_env: dict[str, Any],
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    tenant, stub = claude_env["tenant"], claude_env["stub"]
    monkeypatch.setenv("DOSSIER_CLAUDE_BUDGET_TOKENS", "1000")
    before = commit_count(tenant)
    tree_before = git(tenant, "status", "--porcelain")
    code, _, output = run_loop(claude_env)
    assert code == 1, output
    assert commit_count(tenant) == before
    assert git(tenant, "status", "--porcelain") == tree_before
    assert not list((tenant / "bundle").rglob("dec-001*"))
    assert len(stub.messages()) == 1  # stopped before the second request
    record = failed_record(tenant)
    assert record["status"] == "failed"
    assert "stopped before" in record["message"] and "token budget of 1000" in record["message"]
    assert record["usage"]["stopped_at"].endswith("lines 1-4")
    assert record["usage"]["tokens"] == 1200

    # the source finished before the stop is cached: a bigger budget pays only the rest
    monkeypatch.setenv("DOSSIER_CLAUDE_BUDGET_TOKENS", "100000")
    code, _, output = run_loop(claude_env)
    assert code == 0, output
    assert len(stub.messages()) == 2
    assert commit_count(tenant) == before + 1


def test_batch_api_path(claude_env: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    tenant, stub = claude_env["tenant"], claude_env["stub"]
    monkeypatch.setenv("DOSSIER_CLAUDE_BATCH", "1")
    monkeypatch.setenv("DOSSIER_CLAUDE_BATCH_MIN_CHUNKS", "1")
    monkeypatch.setenv("DOSSIER_CLAUDE_BATCH_POLL_SECONDS", "0.01")
    code, _, output = run_loop(claude_env)
    assert code == 0, output
    paths = [(r.method, r.path) for r in stub.requests]
    assert ("POST", "/v1/messages/batches") in paths
    assert not stub.messages()  # everything went through the batch
    submitted = next(r.body for r in stub.requests if r.path == "/v1/messages/batches")
    assert len(submitted["requests"]) == 2
    usage = record_of(tenant)["usage"]
    assert usage["cost_usd"] == pytest.approx(2 * (1000 * 3 + 200 * 15) / 1e6 / 2)
    assert "Use Postgres" in by_title(tenant)


def test_missing_key_fails_before_any_work(claude_env: dict[str, Any],
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    tenant, stub = claude_env["tenant"], claude_env["stub"]
    monkeypatch.delenv("ANTHROPIC_API_KEY")
    before = commit_count(tenant)
    code, _, output = run_loop(claude_env)
    assert code == 2
    assert "ANTHROPIC_API_KEY" in output and "DOSSIER_ANTHROPIC_KEY_FILE" in output
    assert not stub.requests and commit_count(tenant) == before
    assert not (tenant / "sources").exists() or not any((tenant / "sources").glob("*.md"))


def test_missing_sdk_fails_before_any_work(claude_env: dict[str, Any]) -> None:
    """``anthropic`` made unimportable in a real process (as if the extra were absent)."""
    tenant = claude_env["tenant"]
    code = ("import sys; sys.modules['anthropic'] = None; from dossier.cli import main; "
            "sys.argv = ['dossier', *sys.argv[1:]]; main()")
    env = {**os.environ,
           "PYTHONPATH": os.pathsep.join([str(claude_env["site"]), str(Path.cwd())])}
    run = subprocess.run(
        [sys.executable, "-c", code, "run-loop", "acme", "--root", str(claude_env["root"]),
         "--extractor", "claude"],
        capture_output=True, text=True, env=env, timeout=120,
    )
    assert run.returncode == 2, run.stderr
    assert "dossier[claude]" in run.stderr and "Traceback" not in run.stderr
    assert commit_count(tenant) == 1


def test_key_never_reaches_history_records_or_output(claude_env: dict[str, Any],
                                                     monkeypatch: pytest.MonkeyPatch,
                                                     tmp_path: Path) -> None:
    tenant, stub = claude_env["tenant"], claude_env["stub"]
    outputs: list[str] = []
    # a hook a person installed sees git's environment: the key must not be in it
    hook_dump = tmp_path / "hook-env.txt"
    hook = tenant / ".git" / "hooks" / "post-commit"
    hook.parent.mkdir(exist_ok=True)
    hook.write_text(f"#!/bin/sh\nenv >> '{hook_dump}'\n")
    hook.chmod(0o755)
    # a key file instead of the variable
    key_file = tmp_path / "anthropic.key"
    key_file.write_text(FAKE_KEY + "\n")
    monkeypatch.delenv("ANTHROPIC_API_KEY")
    monkeypatch.setenv("DOSSIER_ANTHROPIC_KEY_FILE", str(key_file))
    outputs.append(run_loop(claude_env)[2])
    sent = stub.messages()[0].headers
    assert FAKE_KEY in (sent.get("x-api-key"), sent.get("authorization", "").split(" ")[-1])
    # ... a server that echoes it back in an error, and a refused key
    (claude_env["corpus"] / "more.md").write_text("# More\n\nText about DEC-001.\n")
    stub.responder = lambda body: error_reply(401, "authentication_error",
                                              f"invalid x-api-key {FAKE_KEY}")
    code, _, output = run_loop(claude_env)
    assert code == 1
    outputs.append(output)
    outputs.append(cli("history", "acme", "--root", str(claude_env["root"])).output)
    outputs.append(cli("history", "acme", "--root", str(claude_env["root"]), "--json").output)

    history = subprocess.run(["git", "-C", str(tenant), "log", "-p", "--all"],
                             capture_output=True, text=True, check=True).stdout
    assert "Use Postgres" in history  # the history is there ...
    assert FAKE_KEY not in history  # ... and the key is not
    for record in [*(tenant / "runs").glob("*.json"),
                   *(tenant / ".dossier" / "failed-runs").glob("*.json")]:
        assert FAKE_KEY not in record.read_text()
    for text in outputs:
        assert FAKE_KEY not in text and FAKE_KEY[-12:] not in text
    assert FAKE_KEY not in (tenant / "dossier.tenant.yaml").read_text()
    assert hook_dump.is_file() and FAKE_KEY not in hook_dump.read_text()
    assert str(key_file) not in hook_dump.read_text()


def _select_in_manifest(tenant: Path) -> None:
    import yaml

    manifest = tenant / "dossier.tenant.yaml"
    data = yaml.safe_load(manifest.read_text())
    data["extractor"] = "claude"
    manifest.write_text(yaml.safe_dump(data, sort_keys=False))


def test_manifest_selects_claude(claude_env: dict[str, Any],
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    tenant, stub = claude_env["tenant"], claude_env["stub"]
    _select_in_manifest(tenant)
    root = str(claude_env["root"])
    monkeypatch.delenv("ANTHROPIC_API_KEY")
    before = commit_count(tenant)
    refused = cli("run-loop", "acme", "--root", root, "--json")
    assert refused.exit_code == 2  # the preflight refuses before any tenant is touched
    assert "ANTHROPIC_API_KEY" in refused.output
    assert not stub.requests and commit_count(tenant) == before

    monkeypatch.setenv("ANTHROPIC_API_KEY", FAKE_KEY)
    ran = cli("run-loop", "acme", "--root", root, "--json")
    assert ran.exit_code == 0, ran.output
    assert by_title(tenant)["Use Postgres"].frontmatter["generated"]["by"] == PRODUCER


def test_usd_budget_stops_and_an_unpriced_model_cannot_keep_one(
    claude_env: dict[str, Any], monkeypatch: pytest.MonkeyPatch,
) -> None:
    tenant, stub = claude_env["tenant"], claude_env["stub"]
    monkeypatch.setenv("DOSSIER_CLAUDE_BUDGET_USD", "0.001")  # one chunk costs ~0.006
    code, _, output = run_loop(claude_env)
    assert code == 1, output
    assert len(stub.messages()) == 1
    assert "USD budget of 0.001" in failed_record(tenant)["message"]

    monkeypatch.setenv("DOSSIER_CLAUDE_MODEL", "some-future-model")
    code, _, output = run_loop(claude_env)
    assert code == 2
    assert "DOSSIER_CLAUDE_PRICE" in output and len(stub.messages()) == 1
    monkeypatch.setenv("DOSSIER_CLAUDE_PRICE", "1,1")
    monkeypatch.setenv("DOSSIER_CLAUDE_BUDGET_USD", "5")
    code, _, output = run_loop(claude_env)
    assert code == 0, output
    usage = record_of(tenant)["usage"]
    assert usage["cost_usd"] == pytest.approx(usage["tokens"] / 1e6)


def test_every_chunk_of_a_source_names_its_title_and_line_count(
    claude_env: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A source cut in several chunks: each request says which lines of how many, the same
    title and count for every chunk, and the last chunk ends on the last line."""
    monkeypatch.setenv("DOSSIER_CLAUDE_CHUNK_LINES", "3")
    monkeypatch.setenv("DOSSIER_CLAUDE_OVERLAP_LINES", "1")
    claude_env["stub"].responder = lambda body: tool_reply({"concepts": [], "relations": []})
    code, _, output = run_loop(claude_env)
    assert code == 0, output
    heads: dict[str, list[tuple[str, int, int, int]]] = {}
    for message in claude_env["stub"].messages():
        text = message.body["messages"][0]["content"]
        match = re.search(r"Source: (.+) \(id (\S+)\), lines (\d+)-(\d+) of (\d+)\.", text)
        assert match, text[:200]
        title, source_id, start, end, count = match.groups()
        heads.setdefault(source_id, []).append((title, int(start), int(end), int(count)))
    assert len(heads) == 2 and all(len(chunks) > 1 for chunks in heads.values())
    for chunks in heads.values():
        assert len({(title, count) for title, _s, _e, count in chunks}) == 1
        assert max(end for _t, _s, end, _c in chunks) == chunks[0][3]
