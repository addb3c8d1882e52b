"""The shape the model must answer in, generated from pydantic, and its validation.

``ChunkDraft`` is both the tool's ``input_schema`` (``model_json_schema()``) and the check
of what came back: a draft naming an unknown type or citing lines outside its chunk is
invalid, and the extractor retries once with the error before skipping the chunk.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from dossier.extract.claude.chunks import Chunk
from dossier.extract.deterministic import cues

#: The tool the model is forced to call (``tool_choice``) with its findings.
TOOL_NAME = "record_concepts"
#: OKF concept types Dossier writes, in the deterministic extractor's tie-break order.
CONCEPT_TYPES: tuple[str, ...] = tuple(cues.TYPE_ORDER)


class LineRange(BaseModel):
    """Lines ``start``..``end`` (inclusive) of the source, as numbered in the chunk."""

    model_config = ConfigDict(extra="forbid")

    start: int = Field(ge=1)
    end: int = Field(ge=1)


class ConceptDraft(BaseModel):
    """One concept the chunk states, with the lines that support it."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=160,
                      description="The concept's name as the source writes it.")
    type: str = Field(json_schema_extra={"enum": list(CONCEPT_TYPES)},
                      description="One of the listed concept types.")
    identifier: str | None = Field(
        default=None, max_length=40,
        description="An identifier the source gives it (e.g. DEC-003), else null.")
    aliases: list[str] = Field(default_factory=list, max_length=12,
                               description="Other names the source uses for it.")
    description: str = Field(min_length=1, max_length=400,
                             description="One sentence saying what it is.")
    summary: str = Field(min_length=1, max_length=4000,
                         description="What the source says about it, in a few sentences; "
                                     "only claims the cited lines support.")
    lines: list[LineRange] = Field(min_length=1, max_length=12,
                                   description="The line ranges supporting the summary.")

    @field_validator("type")
    @classmethod
    def _known_type(cls, value: str) -> str:
        if value not in CONCEPT_TYPES:
            raise ValueError(f"unknown type {value!r}; use one of {', '.join(CONCEPT_TYPES)}")
        return value

    @field_validator("name")
    @classmethod
    def _one_line(cls, value: str) -> str:
        value = " ".join(value.split())
        if not value:
            raise ValueError("name is blank")
        return value


class RelationDraft(BaseModel):
    """``source`` relates to ``target`` (both concept names) as ``kind`` says."""

    model_config = ConfigDict(extra="forbid")

    source: str = Field(min_length=1, max_length=160)
    target: str = Field(min_length=1, max_length=160)
    kind: str = Field(min_length=1, max_length=60,
                      description="A short verb phrase, e.g. 'depends on', 'owned by'.")
    lines: list[LineRange] = Field(min_length=1, max_length=6)


class ChunkDraft(BaseModel):
    """Everything one chunk yields."""

    model_config = ConfigDict(extra="forbid")

    concepts: list[ConceptDraft] = Field(default_factory=list, max_length=60)
    relations: list[RelationDraft] = Field(default_factory=list, max_length=120)


class DraftInvalid(ValueError):
    """The model's answer does not fit the schema or the chunk; the text says why."""


def tool_definition() -> dict[str, Any]:
    """The forced tool: its input schema is the pydantic model's JSON schema."""
    return {
        "name": TOOL_NAME,
        "description": "Record the concepts and relations this chunk of the source states.",
        "input_schema": ChunkDraft.model_json_schema(),
    }


def validate_draft(raw: object, chunk: Chunk) -> ChunkDraft:
    """``raw`` (the tool input) as a ChunkDraft whose every range lies inside ``chunk``."""
    try:
        draft = ChunkDraft.model_validate(raw)
    except ValidationError as exc:
        found = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or 'input'}: {err['msg']}"
            for err in exc.errors()[:8]
        )
        raise DraftInvalid(f"the answer does not match the schema: {found}") from None
    problems: list[str] = []
    ranges = [(f"concepts.{i}", c.lines) for i, c in enumerate(draft.concepts)]
    ranges += [(f"relations.{i}", r.lines) for i, r in enumerate(draft.relations)]
    for where, spans in ranges:
        for span in spans:
            if span.start > span.end:
                problems.append(f"{where}: lines {span.start}-{span.end} run backwards")
            elif span.start < chunk.start or span.end > chunk.end:
                problems.append(
                    f"{where}: lines {span.start}-{span.end} are outside this chunk "
                    f"({chunk.start}-{chunk.end})"
                )
    if problems:
        raise DraftInvalid("line ranges outside the chunk: " + "; ".join(problems[:8]))
    return draft
