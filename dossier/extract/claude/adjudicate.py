"""Optional model adjudication of close entity candidates (``adjudicate`` setting).

Resolution is deterministic first (``merge.py``); what the rules leave apart but
``candidates.py`` finds close is put to the model, a batch of pairs per request, with a
forced tool (``judge_pairs``) whose schema is the pydantic ``Verdicts`` model: for each
pair, the same entity or not, and a short reason.  The pairs it confirms are handed back
to the merge, which joins them with its own union rules.

Every decision is cached in the extractor's cache folder, keyed by both sides' names and
types, the prompt version and the model (``Candidate.cache_key``), so an unchanged corpus
never pays twice.  Requests go through the extractor's ``Caller``: the same meter, budget
and retries.  An answer that fails the schema is sent back once with the error; a second
failure leaves that batch's pairs apart, each with its reason in the run record.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from dossier.extract.claude.caller import Caller, correction, load_prompt, tool_input
from dossier.extract.claude.candidates import Candidate, Side, find_candidates
from dossier.extract.claude.drafts import DraftInvalid
from dossier.fsutil import atomic_write_text

#: The adjudication prompt (``prompts/<version>.md``); part of every decision's cache key.
ADJUDICATE_PROMPT = "adjudicate-v1"
#: The tool the model is forced to call with its verdicts.
JUDGE_TOOL = "judge_pairs"
#: The decisions file inside the extractor's cache folder.
CACHE_FILE = "claude-adjudications.json"
_CACHE_SCHEMA = 1

log = logging.getLogger(__name__)


class PairVerdict(BaseModel):
    """The model's answer for one numbered pair."""

    model_config = ConfigDict(extra="forbid")

    pair: int = Field(ge=1, description="The pair's number as given.")
    same: bool = Field(description="True only when both sides name one and the same entity.")
    reason: str = Field(min_length=1, max_length=300, description="One short sentence.")


class Verdicts(BaseModel):
    """Every pair of the request, answered once."""

    model_config = ConfigDict(extra="forbid")

    verdicts: list[PairVerdict] = Field(max_length=200)


def judge_tool() -> dict[str, Any]:
    """The forced tool; its input schema is generated from ``Verdicts``."""
    return {
        "name": JUDGE_TOOL,
        "description": "Record, for every numbered pair, whether both sides are one entity.",
        "input_schema": Verdicts.model_json_schema(),
    }


def validate_verdicts(raw: object, count: int) -> dict[int, PairVerdict]:
    """``raw`` as verdicts for pairs 1..``count``, each exactly once, or DraftInvalid."""
    try:
        verdicts = Verdicts.model_validate(raw).verdicts
    except ValidationError as exc:
        found = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or 'input'}: {err['msg']}"
            for err in exc.errors()[:8]
        )
        raise DraftInvalid(f"the answer does not match the schema: {found}") from None
    numbers = [v.pair for v in verdicts]
    missing = sorted(set(range(1, count + 1)) - set(numbers))
    extra = sorted({n for n in numbers if n > count or numbers.count(n) > 1})
    if missing or extra:
        raise DraftInvalid(
            "every pair must be answered exactly once: "
            + "; ".join(part for part in (
                f"missing {', '.join(map(str, missing))}" if missing else "",
                f"unknown or repeated {', '.join(map(str, extra))}" if extra else "",
            ) if part)
        )
    return {v.pair: v for v in verdicts}


def request_params(model: str, max_tokens: int, batch: list[Candidate]) -> dict[str, Any]:
    """One request judging ``batch`` (pairs numbered from 1)."""
    pairs = [{"pair": n, "a": _side(c.a), "b": _side(c.b), "close_because": c.why}
             for n, c in enumerate(batch, 1)]
    user = ("Judge these pairs of concepts:\n\n"
            + json.dumps(pairs, indent=1, ensure_ascii=False))
    return {
        "model": model,
        "max_tokens": max_tokens,
        "system": [{"type": "text", "text": load_prompt(ADJUDICATE_PROMPT),
                    "cache_control": {"type": "ephemeral"}}],
        "tools": [judge_tool()],
        "tool_choice": {"type": "tool", "name": JUDGE_TOOL},
        "messages": [{"role": "user", "content": user}],
    }


def _side(side: Side) -> dict[str, Any]:
    return {"type": side.type, "title": side.title, "names": list(side.names),
            "description": side.description}


@dataclass(frozen=True)
class Decision:
    """Whether a pair is one entity, and the model's reason."""

    same: bool
    reason: str


@dataclass
class AdjudicationReport:
    """What one run's adjudication did, for the run record."""

    candidates: int = 0
    cached: int = 0
    asked: int = 0
    confirmed: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"candidates": self.candidates, "cached": self.cached, "asked": self.asked,
                "confirmed": self.confirmed,
                "skipped_pairs": [{"pair": pair, "reason": reason}
                                  for pair, reason in self.skipped]}


class DecisionCache:
    """Decisions by ``Candidate.cache_key``, in one JSON file; a bad file is a miss.

    It is a replaceable cache: written atomically without fsync, and a symlink planted
    in its place is neither read nor followed (the write replaces the link itself).
    """

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.entries: dict[str, dict[str, Any]] = {}
        if path is None or path.is_symlink() or not path.is_file():
            return
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if data.get("schema") == _CACHE_SCHEMA and isinstance(data.get("decisions"), dict):
                self.entries = data["decisions"]
        except (OSError, ValueError, AttributeError):
            log.info("adjudication cache %s unreadable; starting afresh", path)

    def get(self, key: str) -> Decision | None:
        entry = self.entries.get(key)
        if not isinstance(entry, dict) or not isinstance(entry.get("same"), bool):
            return None
        return Decision(entry["same"], str(entry.get("reason", "")))

    def put(self, key: str, candidate: Candidate, decision: Decision) -> None:
        self.entries[key] = {"pair": candidate.label(), "same": decision.same,
                             "reason": decision.reason}

    def save(self) -> None:
        if self.path is None:
            return
        text = json.dumps({"schema": _CACHE_SCHEMA, "decisions": self.entries},
                          sort_keys=True, indent=0, ensure_ascii=False)
        try:
            atomic_write_text(self.path, text + "\n", durable=False)
        except OSError:
            log.info("adjudication cache %s not written; decisions are asked again", self.path)


class Adjudicator:
    """The merge's ``adjudicate`` hook: close candidates in, confirmed key pairs out."""

    def __init__(self, caller: Caller, cache_dir: str | None) -> None:
        self.caller = caller
        self.settings = caller.settings
        self.cache = DecisionCache(Path(cache_dir) / CACHE_FILE if cache_dir else None)
        self.report = AdjudicationReport()

    def __call__(self, sides: list[Side]) -> list[tuple[str, str]]:
        candidates = find_candidates(sides, self.settings.adjudicate_max_pairs)
        self.report = AdjudicationReport(candidates=len(candidates))
        model = self.settings.model
        decisions: dict[int, Decision] = {}
        todo: list[tuple[int, Candidate]] = []
        for index, candidate in enumerate(candidates):
            hit = self.cache.get(candidate.cache_key(ADJUDICATE_PROMPT, model))
            if hit is not None:
                decisions[index] = hit
                self.report.cached += 1
            else:
                todo.append((index, candidate))
        size = self.settings.adjudicate_batch_pairs
        for start in range(0, len(todo), size):
            batch = todo[start:start + size]
            where = f"adjudication of pairs {start + 1}-{start + len(batch)} of {len(todo)}"
            answered = self._ask([c for _, c in batch], where)
            self.report.asked += len(batch)
            for (index, candidate), decision in zip(batch, answered, strict=True):
                if isinstance(decision, str):
                    self.report.skipped.append((candidate.label(), decision))
                    continue
                decisions[index] = decision
                self.cache.put(candidate.cache_key(ADJUDICATE_PROMPT, model), candidate,
                               decision)
            self.cache.save()  # a budget stop later keeps what was paid for
        joins = [(c.a.key, c.b.key) for i, c in enumerate(candidates)
                 if i in decisions and decisions[i].same]
        self.report.confirmed = len(joins)
        return joins

    def _ask(self, batch: list[Candidate], where: str) -> list[Decision | str]:
        """One request for ``batch``: its decisions, or each pair's skip reason."""
        params = request_params(self.settings.model, self.settings.max_tokens, batch)
        message = self.caller.send(params, where)
        tool_id: str | None = None
        try:
            raw, tool_id = tool_input(message, JUDGE_TOOL)
            verdicts = validate_verdicts(raw, len(batch))
        except DraftInvalid as first:
            retry = correction(params, message, tool_id, str(first), JUDGE_TOOL)
            second = self.caller.send(retry, where + " (correction)")
            try:
                raw, _ = tool_input(second, JUDGE_TOOL)
                verdicts = validate_verdicts(raw, len(batch))
            except DraftInvalid as again:
                reason = f"invalid answer twice: {again}"
                return [reason for _ in batch]
        return [Decision(verdicts[n].same, verdicts[n].reason.strip())
                for n in range(1, len(batch) + 1)]
