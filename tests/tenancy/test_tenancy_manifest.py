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
        ("schema_version: 3\nclient_id: acme\n", "schema_version 3; this Dossier reads up to 2"),
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


def _with_plugins(body: str, version: int = 2) -> str:
    return _valid().replace("schema_version: 1", f"schema_version: {version}") + body


def test_plugin_settings_have_a_home_and_bump_the_written_schema(registry: Registry) -> None:
    ctx = registry.provision("acme")
    manifest = load_manifest(ctx)
    with_plugins = manifest.model_copy(
        update={"plugins": {"claude": {"model": "some-model", "max_tokens": 4096}}}
    )
    save_manifest(ctx, with_plugins)
    data = yaml.safe_load(ctx.manifest_path.read_text(encoding="utf-8"))
    assert data["schema_version"] == 2  # an older Dossier says "upgrade", not "invalid"
    assert data["plugins"] == {"claude": {"model": "some-model", "max_tokens": 4096}}
    assert load_manifest(ctx).plugins == with_plugins.plugins
    save_manifest(ctx, load_manifest(ctx).model_copy(update={"plugins": {}}))
    data = yaml.safe_load(ctx.manifest_path.read_text(encoding="utf-8"))
    assert data["schema_version"] == 1 and "plugins" not in data


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ("plugins:\n  claude:\n    api_key: abc123\n",
         "plugins.claude.api_key looks like a secret"),
        ("plugins:\n  claude:\n    auth:\n      password: hunter2\n",
         "plugins.claude.auth.password looks like a secret"),
        ("plugins:\n  claude:\n    model: sk-ant-api03-abcdef\n",
         "plugins.claude.model holds what looks like an API key"),
    ],
)
def test_secrets_in_plugin_settings_are_refused_without_echoing_them(
    body: str, fragment: str
) -> None:
    with pytest.raises(ManifestError) as caught:
        parse_manifest(_with_plugins(body), Path("m.yaml"))
    message = str(caught.value)
    assert fragment in message and "environment" in message
    for secret in ("abc123", "hunter2", "sk-ant-api03-abcdef"):
        assert secret not in message


def test_plugins_need_schema_2() -> None:
    with pytest.raises(ManifestError, match="plugins needs schema_version 2"):
        parse_manifest(_with_plugins("plugins:\n  x:\n    a: 1\n", version=1), Path("m.yaml"))
