"""The manifest: deterministic on disk, validated on load, clear about what is wrong."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from dossier.tenancy import ManifestError, Registry, load_manifest, save_manifest
from dossier.tenancy.manifest import (
    DEFAULT_MAX_SOURCE_BYTES,
    parse_manifest,
    render_manifest,
)

FIELD_ORDER = [
    "schema_version",
    "client_id",
    "display_name",
    "created_at",
    "orchestrator",
    "extractor",
    "sources",
    "commit_identity",
    "entity_patterns",
    "max_source_bytes",
    "max_expanded_bytes",
    "max_decode_seconds",
]


def test_provisioned_manifest_has_the_documented_fields_in_fixed_order(
    registry: Registry, tmp_path: Path
) -> None:
    src = tmp_path / "notes"
    src.mkdir()
    ctx = registry.provision("acme", name="Acme Corp", sources=[src])
    text = ctx.manifest_path.read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    assert list(data) == FIELD_ORDER
    assert data["schema_version"] == 1
    assert data["client_id"] == "acme"
    assert data["display_name"] == "Acme Corp"
    assert data["created_at"].endswith("Z")
    assert data["orchestrator"] == "default"
    assert data["extractor"] == "deterministic"
    assert data["sources"] == [{"path": str(src.resolve()), "added_at": data["created_at"]}]
    assert data["commit_identity"] == {"name": "Dossier", "email": "dossier@acme.invalid"}
    assert data["entity_patterns"] == []
    assert data["max_source_bytes"] == DEFAULT_MAX_SOURCE_BYTES == 5 * 1024 * 1024


def test_save_is_deterministic_and_round_trips(registry: Registry) -> None:
    ctx = registry.provision("acme")
    before = ctx.manifest_path.read_bytes()
    manifest = load_manifest(ctx)
    save_manifest(ctx, manifest)
    assert ctx.manifest_path.read_bytes() == before
    changed = manifest.model_copy(update={"entity_patterns": [r"\bACME-\d+\b"]})
    save_manifest(ctx, changed)
    assert load_manifest(ctx) == changed
    assert render_manifest(load_manifest(ctx)) == ctx.manifest_path.read_text(encoding="utf-8")


def test_save_refuses_another_tenants_manifest(registry: Registry) -> None:
    acme = registry.provision("acme")
    beta = registry.provision("beta")
    with pytest.raises(ManifestError, match="refusing"):
        save_manifest(acme, load_manifest(beta))


def _valid() -> str:
    return (
        "schema_version: 1\nclient_id: acme\ndisplay_name: Acme\n"
        "created_at: '2026-01-02T03:04:05Z'\n"
        "commit_identity:\n  name: Dossier\n  email: dossier@acme.invalid\n"
    )


def test_unquoted_timestamp_is_kept_as_iso_text() -> None:
    text = _valid().replace("'2026-01-02T03:04:05Z'", "2026-01-02T03:04:05Z")
    assert parse_manifest(text, Path("m.yaml")).created_at == "2026-01-02T03:04:05Z"


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("schema_version: [1\n", "not valid YAML"),
        ("- just\n- a list\n", "not a mapping"),
        ("", "not a mapping"),
        ("client_id: acme\n", "no integer schema_version"),
        ("schema_version: 'one'\n", "no integer schema_version"),
        ("schema_version: 2\nclient_id: acme\n", "schema_version 2; this Dossier reads up to 1"),
        ("schema_version: 0\n", "unknown schema_version 0"),
        ("schema_version: 1\n", "client_id: Field required"),
        (_valid() + "unknown_key: 1\n", "unknown_key: Extra inputs are not permitted"),
        (_valid().replace("client_id: acme", "client_id: ../x"), "invalid client id"),
        (_valid() + "max_source_bytes: -1\n", "max_source_bytes"),
        (_valid() + "entity_patterns: ['(unclosed']\n", "not a regex"),
        (_valid() + "sources:\n- path: relative/dir\n  added_at: '2026-01-01T00:00:00Z'\n",
         "must be absolute"),
        (_valid().replace("'2026-01-02T03:04:05Z'", "yesterday"), "not an ISO 8601"),
        (_valid().replace("display_name: Acme", "display_name: ''"), "display_name"),
        ("!!python/object/apply:os.system ['true']\n", "not valid YAML"),
    ],
)
def test_bad_manifest_is_a_clear_error_naming_the_file(text: str, fragment: str) -> None:
    with pytest.raises(ManifestError) as info:
        parse_manifest(text, Path("/t/acme/dossier.tenant.yaml"))
    assert "/t/acme/dossier.tenant.yaml" in str(info.value)
    assert fragment in str(info.value)


def test_corrupt_manifest_on_disk(registry: Registry) -> None:
    ctx = registry.provision("acme")
    ctx.manifest_path.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(ManifestError, match=r"dossier\.tenant\.yaml"):
        load_manifest(ctx)
    ctx.manifest_path.unlink()
    with pytest.raises(ManifestError, match="missing"):
        load_manifest(ctx)
