"""The tenant manifest ``dossier.tenant.yaml``: a versioned, validated settings file.

Written deterministically (fixed field order, a fixed header, block style) so that
re-saving an unchanged manifest is a no-op in git.  Read with safe YAML, checked
for a ``schema_version`` this Dossier knows, then validated by pydantic; anything
else (not YAML, not a mapping, an unknown or newer schema, a bad field) is a
:class:`ManifestError` naming the file.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Final, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from dossier.fsutil import atomic_write_text
from dossier.tenancy.context import MANIFEST_NAME, TenantContext
from dossier.tenancy.errors import InvalidClientIdError, ManifestError
from dossier.tenancy.ids import validate_client_id
from dossier.tenancy.secrets import secret_problem

#: The newest schema this Dossier reads.  Schema 2 adds ``plugins:``; a manifest is
#: written as schema 1 while it has no plugin settings, so an older Dossier keeps
#: reading it, and as 2 once it has, so an older Dossier says "upgrade" instead of
#: misreading it.
CURRENT_SCHEMA_VERSION: Final = 2
PLUGINS_SCHEMA_VERSION: Final = 2
DEFAULT_MAX_SOURCE_BYTES = 5 * 1024 * 1024
#: Bounds on decoding one file (what a DOCX/PDF may inflate to, how long it may take);
#: the ingest layer reads them from here (docs/ingest.md, "Bounds on decoding").
DEFAULT_MAX_EXPANDED_BYTES = 64 * 1024 * 1024
DEFAULT_MAX_DECODE_SECONDS = 60.0
HEADER = "# Dossier tenant manifest (docs/tenancy.md). Written by dossier; keep it valid YAML.\n"

_SafeLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def utc_now() -> str:
    """Current UTC time as ISO 8601 with a ``Z`` suffix, second precision."""
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def default_email(client_id: str) -> str:
    """A non-routable address (RFC 2606 ``.invalid``) that still names the tenant in git log."""
    return f"dossier@{client_id}.invalid"


def _iso_text(value: object) -> object:
    """Accept an unquoted YAML timestamp (loaded as datetime) and keep it as ISO text."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    return value


def _check_iso(value: str) -> str:
    try:
        datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{value!r} is not an ISO 8601 timestamp") from None
    return value


class SourceLocation(BaseModel):
    """A registered source: an absolute, resolved path and when it was added."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    path: str
    added_at: str

    @field_validator("path")
    @classmethod
    def _absolute(cls, value: str) -> str:
        if not Path(value).is_absolute():
            raise ValueError(f"source path {value!r} must be absolute")
        return value

    @field_validator("added_at", mode="before")
    @classmethod
    def _added_at_text(cls, value: object) -> object:
        return _iso_text(value)

    @field_validator("added_at")
    @classmethod
    def _added_at_iso(cls, value: str) -> str:
        return _check_iso(value)


#: Longest identity name and email accepted (git itself has no limit; a sane one does).
MAX_IDENTITY_NAME = 100
MAX_IDENTITY_EMAIL = 254
_EMAIL = re.compile(r"[^@\s<>]+@[^@\s<>]+")


def _has_control(value: str) -> bool:
    """True for any control or format character (newline, ESC, NUL, bidi overrides)."""
    return any(unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp") for c in value)


class CommitIdentity(BaseModel):
    """Who the loop's commits are by; written into the tenant repo's own git config.

    Valid: a name of 1–100 printable characters with no ``<`` or ``>`` and no
    leading or trailing space, and an email ``local@domain`` of at most 254
    characters with no whitespace, ``<`` or ``>``.  Control and format characters
    (newlines, ESC, bidi overrides) are refused in both, so an identity can neither
    forge extra lines in a commit header nor disguise itself in a terminal.
    ``restore`` goes further and always resets it to :func:`dossier_identity`.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = "Dossier"
    email: str

    @field_validator("name")
    @classmethod
    def _sane_name(cls, value: str) -> str:
        if (not value.strip() or value != value.strip() or len(value) > MAX_IDENTITY_NAME
                or _has_control(value) or any(c in value for c in "<>")):
            raise ValueError(
                f"must be 1-{MAX_IDENTITY_NAME} printable characters without '<', '>' or "
                "surrounding spaces"
            )
        return value

    @field_validator("email")
    @classmethod
    def _sane_email(cls, value: str) -> str:
        if (len(value) > MAX_IDENTITY_EMAIL or _has_control(value)
                or not _EMAIL.fullmatch(value)):
            raise ValueError(
                f"must be an address local@domain of at most {MAX_IDENTITY_EMAIL} characters "
                "without spaces, '<' or '>'"
            )
        return value


def dossier_identity(client_id: str) -> CommitIdentity:
    """Dossier's own commit identity for a tenant: ``Dossier <dossier@<id>.invalid>``."""
    return CommitIdentity(name="Dossier", email=default_email(client_id))


class EvalSettings(BaseModel):
    """The ``evals:`` section: bars an iteration's eval figures must meet (docs/evals.md).

    ``min`` maps a metric name of ``dossier eval --json`` to its minimum (for a
    lower-is-better figure such as ``stub_share``: its maximum); ``max_drop`` to how
    much worse than the last committed figure it may get; ``gate`` turns the check
    on for every ``run-loop`` (``--gate`` does it for one run).
    """

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    gate: bool = False
    min: dict[str, float] = Field(default_factory=dict)
    max_drop: dict[str, float] = Field(default_factory=dict)

    @field_validator("max_drop")
    @classmethod
    def _non_negative(cls, value: dict[str, float]) -> dict[str, float]:
        for name, drop in value.items():
            if drop < 0:
                raise ValueError(f"max_drop of {name!r} must not be negative")
        return value


class Manifest(BaseModel):
    """Schema 1 of ``dossier.tenant.yaml``; field order here is the order on disk."""

    model_config = ConfigDict(extra="forbid")

    schema_version: Literal[1, 2] = 1
    client_id: str
    display_name: str
    created_at: str
    orchestrator: str = "default"
    extractor: str = "deterministic"
    sources: list[SourceLocation] = Field(default_factory=list)
    commit_identity: CommitIdentity
    entity_patterns: list[str] = Field(default_factory=list)
    max_source_bytes: int = Field(default=DEFAULT_MAX_SOURCE_BYTES, gt=0)
    max_expanded_bytes: int = Field(default=DEFAULT_MAX_EXPANDED_BYTES, gt=0)
    max_decode_seconds: float = Field(default=DEFAULT_MAX_DECODE_SECONDS, gt=0)
    evals: EvalSettings | None = None
    #: Settings per plugin (orchestrator, extractor, embedder) by its registered name;
    #: each plugin validates its own mapping with its ``settings_model`` when loaded.
    plugins: dict[str, dict[str, Any]] = Field(default_factory=dict)

    @field_validator("plugins")
    @classmethod
    def _no_secrets(cls, value: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
        for name, settings in value.items():
            problem = secret_problem(settings, f"plugins.{name}")
            if problem is not None:
                raise ValueError(problem)
        return value

    @model_validator(mode="after")
    def _plugins_need_schema_2(self) -> Manifest:
        if self.plugins and self.schema_version < PLUGINS_SCHEMA_VERSION:
            raise ValueError(
                f"plugins needs schema_version {PLUGINS_SCHEMA_VERSION} (this manifest says "
                f"{self.schema_version})"
            )
        return self

    @field_validator("client_id")
    @classmethod
    def _valid_id(cls, value: str) -> str:
        try:
            return validate_client_id(value)
        except InvalidClientIdError as exc:
            raise ValueError(str(exc)) from None

    @field_validator("display_name")
    @classmethod
    def _display_name(cls, value: str) -> str:
        if not value.strip() or any(c in value for c in "\n\r\x00"):
            raise ValueError("must be a non-empty single line")
        return value

    @field_validator("created_at", mode="before")
    @classmethod
    def _created_at_text(cls, value: object) -> object:
        return _iso_text(value)

    @field_validator("created_at")
    @classmethod
    def _created_at_iso(cls, value: str) -> str:
        return _check_iso(value)

    @field_validator("entity_patterns")
    @classmethod
    def _patterns_compile(cls, value: list[str]) -> list[str]:
        for pattern in value:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"entity pattern {pattern!r} is not a regex: {exc}") from None
        return value

    def source_paths(self) -> list[str]:
        return [s.path for s in self.sources]


def render_manifest(manifest: Manifest) -> str:
    """The manifest as YAML text: fixed field order, block style, stable across runs."""
    data = manifest.model_dump(mode="json")
    if data.get("evals") is None:
        data.pop("evals", None)  # optional section: absent unless set
    if not data.get("plugins"):
        data.pop("plugins", None)
    data["schema_version"] = PLUGINS_SCHEMA_VERSION if manifest.plugins else 1
    body = yaml.safe_dump(
        data,
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=False,
        width=4096,
    )
    return HEADER + body


def _describe_validation(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors():
        where = ".".join(str(p) for p in err["loc"]) or "(top level)"
        parts.append(f"{where}: {err['msg']}")
    return "; ".join(parts)


def parse_manifest(text: str, origin: Path) -> Manifest:
    """Parse and validate manifest text; ``origin`` names the file in error messages."""
    try:
        data = yaml.load(text, Loader=_SafeLoader)  # a safe loader (C or Python)
    except yaml.YAMLError as exc:
        raise ManifestError(f"manifest {origin} is not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise ManifestError(f"manifest {origin} is not a mapping of fields")
    version = data.get("schema_version")
    if not isinstance(version, int) or isinstance(version, bool):
        raise ManifestError(f"manifest {origin} has no integer schema_version")
    if version > CURRENT_SCHEMA_VERSION:
        raise ManifestError(
            f"manifest {origin} has schema_version {version}; this Dossier reads up to "
            f"{CURRENT_SCHEMA_VERSION} — upgrade Dossier"
        )
    if version < 1:
        raise ManifestError(f"manifest {origin} has unknown schema_version {version}")
    # Schema 2 only adds the optional ``plugins`` section, so a schema-1 mapping is a
    # valid schema-2 one without it: no rewrite step is needed (docs/tenancy.md).
    try:
        return Manifest.model_validate(data)
    except ValidationError as exc:
        raise ManifestError(f"manifest {origin} is invalid: {_describe_validation(exc)}") from None


def read_manifest_file(path: Path, expected_id: str | None = None) -> Manifest:
    """Read a manifest file; with ``expected_id``, its client_id must match."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ManifestError(f"{path} is missing: not a Dossier tenant") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ManifestError(f"manifest {path} cannot be read: {exc}") from None
    manifest = parse_manifest(text, path)
    if expected_id is not None and manifest.client_id != expected_id:
        raise ManifestError(
            f"manifest {path} names client {manifest.client_id!r}, but it lives in the "
            f"directory of tenant {expected_id!r}"
        )
    return manifest


def load_manifest(ctx: TenantContext) -> Manifest:
    """The validated manifest of ``ctx`` (path confined: a symlinked manifest is refused)."""
    return read_manifest_file(ctx.confine(MANIFEST_NAME), ctx.client_id)


def save_manifest(ctx: TenantContext, manifest: Manifest) -> None:
    """Write the manifest atomically; it must belong to ``ctx``.  Does not commit."""
    if manifest.client_id != ctx.client_id:
        raise ManifestError(
            f"refusing to write the manifest of {manifest.client_id!r} into tenant "
            f"{ctx.client_id!r}"
        )
    atomic_write_text(ctx.confine(MANIFEST_NAME), render_manifest(manifest))
