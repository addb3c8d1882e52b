"""Adjudication of close entity candidates, end to end through the real SDK and the stub.

The fixture's team document calls the Billing Service "Billing Svc": the deterministic
merge keeps it apart from the decision log's "Billing Service" (alias "Billing"), and the
candidate finder pairs them ("Billing" is contained in "Billing Svc").  Each test drives
``dossier run-loop --extractor claude`` and checks the bundle, the requests the stub saw
and the run record.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("anthropic")

from tests.claude_stub import MessagesStub, Reply, tool_reply
from tests.extract.test_claude_extractor import (
    by_title,
    claude_env,
    failed_record,
    good_draft,
    messages_stub,
    record_of,
    run_loop,
)
from tests.runtime.helpers import cli, commit_count

__all__ = ["claude_env", "messages_stub"]

JUDGE = "judge_pairs"
PAIR = {"Billing Service", "Billing Svc"}


def _is_judge(body: dict[str, Any]) -> bool:
    return bool(body.get("tools")) and body["tools"][0]["name"] == JUDGE


def _pairs(body: dict[str, Any]) -> list[dict[str, Any]]:
    text = body["messages"][0]["content"]
    return list(json.loads(text[text.index("["):]))


def judge_reply(body: dict[str, Any], same: bool) -> Reply:
    verdicts = [{"pair": p["pair"], "reason": "stub verdict",
                 "same": same and {p["a"]["title"], p["b"]["title"]} == PAIR}
                for p in _pairs(body)]
    reply = tool_reply({"verdicts": verdicts}, input_tokens=500, output_tokens=50)
    reply.body["content"][0]["name"] = JUDGE
    return reply


def responder(same: bool) -> Callable[[dict[str, Any]], Reply]:
    """The extraction answers, with the team's "Billing Svc", and a judge saying ``same``."""

    def answer(body: dict[str, Any]) -> Reply:
        if _is_judge(body):
            return judge_reply(body, same)
        draft = good_draft(body)
        for concept in draft["concepts"]:
            if concept["name"] == "billing service":
                concept["name"] = "Billing Svc"
        for relation in draft["relations"]:
            if relation["source"] == "Maria Lopez":
                relation["target"] = "Billing Svc"
        return tool_reply(draft)

    return answer


def _judge_calls(stub: MessagesStub) -> list[dict[str, Any]]:
    return [r.body for r in stub.messages() if _is_judge(r.body)]


def _systems(tenant: Path) -> dict[str, Any]:
    return {title: doc for title, doc in by_title(tenant).items()
            if doc.frontmatter["type"] == "System"}


def _usage(data: dict[str, Any]) -> dict[str, Any]:
    """The usage block of a ``run-loop --json`` answer (this run's, whatever its id)."""
    return dict(data["tenants"][0]["usage"])


def _enable_in_manifest(tenant: Path) -> None:
    import yaml

    manifest = tenant / "dossier.tenant.yaml"
    data = yaml.safe_load(manifest.read_text())
    data["schema_version"] = 2
    data["plugins"] = {"claude": {"adjudicate": True}}
    manifest.write_text(yaml.safe_dump(data, sort_keys=False))


def test_off_by_default_sends_no_adjudication(claude_env: dict[str, Any]) -> None:
    tenant, stub = claude_env["tenant"], claude_env["stub"]
    stub.responder = responder(same=True)
    code, data, output = run_loop(claude_env)
    assert code == 0, output
    assert not _judge_calls(stub) and len(stub.messages()) == 2
    assert set(_systems(tenant)) == PAIR  # the rules alone keep them apart
    assert data["tenants"][0]["usage"]["adjudication"] is None
    assert record_of(tenant)["usage"]["adjudication"] is None


def test_a_confirmed_pair_becomes_one_concept(claude_env: dict[str, Any]) -> None:
    tenant, stub = claude_env["tenant"], claude_env["stub"]
    _enable_in_manifest(tenant)  # plugins.claude.adjudicate in the tenant's manifest
    stub.responder = responder(same=True)
    before = commit_count(tenant)
    code, _, output = run_loop(claude_env)
    assert code == 0, output
    assert commit_count(tenant) == before + 1

    # one request judged the one close pair, with a forced tool from the pydantic schema
    [judge] = _judge_calls(stub)
    assert judge["tool_choice"] == {"type": "tool", "name": JUDGE}
    assert "PairVerdict" in judge["tools"][0]["input_schema"]["$defs"]
    assert judge["system"][-1]["cache_control"] == {"type": "ephemeral"}
    [pair] = _pairs(judge)
    assert {pair["a"]["title"], pair["b"]["title"]} == PAIR

    systems = _systems(tenant)
    assert list(systems) == ["Billing Service"]
    billing = systems["Billing Service"]
    assert billing.concept_id == "systems/billing-service"
    assert {"Billing Svc", "Billing"} <= set(billing.frontmatter["aliases"])
    assert len(billing.frontmatter["sources"]) == 2  # both documents cite it
    assert "(../systems/billing-service.md)" in by_title(tenant)["Maria Lopez"].body

    usage = record_of(tenant)["usage"]
    assert usage["requests"] == 3 and usage["tokens"] == 2 * 1200 + 550  # metered as well
    assert usage["adjudication"] == {"candidates": 1, "cached": 0, "asked": 1,
                                     "confirmed": 1, "skipped_pairs": []}


def test_a_no_keeps_two_concepts(claude_env: dict[str, Any],
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    tenant, stub = claude_env["tenant"], claude_env["stub"]
    monkeypatch.setenv("DOSSIER_CLAUDE_ADJUDICATE", "1")
    stub.responder = responder(same=False)
    code, _, output = run_loop(claude_env)
    assert code == 0, output
    assert len(_judge_calls(stub)) == 1
    assert set(_systems(tenant)) == PAIR
    assert record_of(tenant)["usage"]["adjudication"]["confirmed"] == 0


def test_decisions_are_cached_so_a_rerun_does_not_ask_again(
    claude_env: dict[str, Any], monkeypatch: pytest.MonkeyPatch,
) -> None:
    tenant, stub = claude_env["tenant"], claude_env["stub"]
    monkeypatch.setenv("DOSSIER_CLAUDE_ADJUDICATE", "1")
    stub.responder = responder(same=True)
    assert run_loop(claude_env)[0] == 0
    assert len(_judge_calls(stub)) == 1

    # a new, unrelated source: the loop re-assembles everything, the pair is the same
    (claude_env["corpus"] / "notes.md").write_text("# Notes\n\nNothing decided yet.\n")
    code, data, output = run_loop(claude_env)
    assert code == 0, output
    assert len(_judge_calls(stub)) == 1  # no second adjudication request
    assert len(stub.messages()) == 4  # two sources, one judgement, then only notes.md
    assert list(_systems(tenant)) == ["Billing Service"]
    adjudication = _usage(data)["adjudication"]
    assert adjudication["cached"] == 1 and adjudication["asked"] == 0, adjudication
    assert adjudication["confirmed"] == 1


def test_the_budget_counts_and_stops_adjudication(claude_env: dict[str, Any],
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    tenant, stub = claude_env["tenant"], claude_env["stub"]
    monkeypatch.setenv("DOSSIER_CLAUDE_ADJUDICATE", "1")
    monkeypatch.setenv("DOSSIER_CLAUDE_BUDGET_TOKENS", "2400")  # the two extractions
    stub.responder = responder(same=True)
    before = commit_count(tenant)
    code, _, output = run_loop(claude_env)
    assert code == 1, output
    assert commit_count(tenant) == before
    assert not _judge_calls(stub)
    record = failed_record(tenant)
    assert "token budget of 2400" in record["message"]
    assert record["usage"]["stopped_at"].startswith("adjudication of pairs 1-1")

    # the extractions are cached: a bigger budget pays for the judgement only
    monkeypatch.setenv("DOSSIER_CLAUDE_BUDGET_TOKENS", "100000")
    code, data, output = run_loop(claude_env)
    assert code == 0, output
    assert len(stub.messages()) == 3 and len(_judge_calls(stub)) == 1
    assert _usage(data)["tokens"] == 550
    assert list(_systems(tenant)) == ["Billing Service"]


def test_an_invalid_verdict_is_corrected_once_then_the_pair_stays_apart(
    claude_env: dict[str, Any], monkeypatch: pytest.MonkeyPatch,
) -> None:
    tenant, stub = claude_env["tenant"], claude_env["stub"]
    monkeypatch.setenv("DOSSIER_CLAUDE_ADJUDICATE", "1")
    extract = responder(same=True)

    def bad_judge(body: dict[str, Any]) -> Reply:
        if not _is_judge(body):
            return extract(body)
        reply = judge_reply(body, same=True)
        reply.body["content"][0]["input"]["verdicts"][0]["pair"] = 7  # no such pair
        return reply

    stub.responder = bad_judge
    shown = cli("run-loop", "acme", "--root", str(claude_env["root"]), "--extractor", "claude")
    assert shown.exit_code == 0, shown.output
    assert "undecided pair" in shown.output and "Billing Svc" in shown.output
    _, second = _judge_calls(stub)
    result = second["messages"][2]["content"][0]
    assert result["type"] == "tool_result" and result["is_error"] is True
    assert set(_systems(tenant)) == PAIR
    adjudication = record_of(tenant)["usage"]["adjudication"]
    [skipped] = adjudication["skipped_pairs"]
    assert "Billing Svc" in skipped["pair"] and "invalid answer twice" in skipped["reason"]
    assert adjudication["confirmed"] == 0

    # an undecided pair is not cached: the next run that re-assembles asks again
    stub.responder = responder(same=True)
    (claude_env["corpus"] / "notes.md").write_text("# Notes\n\nNothing decided yet.\n")
    assert run_loop(claude_env)[0] == 0
    assert len(_judge_calls(stub)) == 3
    assert list(_systems(tenant)) == ["Billing Service"]


def test_switching_adjudication_on_re_assembles_without_re_extracting(
    claude_env: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """No source changed, but adjudication was switched on (here for one run, through the
    environment): the next run-loop is not "up to date" — it assembles again with the
    judge, from the cached extractions, and commits the merged concept."""
    tenant, stub = claude_env["tenant"], claude_env["stub"]
    stub.responder = responder(same=True)
    assert run_loop(claude_env)[0] == 0
    code, data, _ = run_loop(claude_env)
    assert code == 0 and data["tenants"][0]["status"] == "up-to-date"
    extractions = len(stub.messages())

    monkeypatch.setenv("DOSSIER_CLAUDE_ADJUDICATE", "true")
    code, data, output = run_loop(claude_env)
    assert code == 0, output
    assert data["tenants"][0]["status"] == "committed"
    assert len(_judge_calls(stub)) == 1
    assert len(stub.messages()) == extractions + 1  # the judge only: nothing re-extracted
    assert list(_systems(tenant)) == ["Billing Service"]
    # and now that is the state the loop remembers: the next run is up to date again
    code, data, _ = run_loop(claude_env)
    assert code == 0 and data["tenants"][0]["status"] == "up-to-date"
    # switching it off again re-assembles too (the pair comes apart)
    monkeypatch.delenv("DOSSIER_CLAUDE_ADJUDICATE")
    code, data, _ = run_loop(claude_env)
    assert code == 0 and data["tenants"][0]["status"] == "committed"
    assert set(_systems(tenant)) == PAIR
