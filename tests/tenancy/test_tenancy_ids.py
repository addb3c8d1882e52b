"""The client-id gate: hostile ids are refused everywhere with a message saying what is allowed."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from dossier.cli import app
from dossier.tenancy import InvalidClientIdError, Registry, TenantContext, validate_client_id
from dossier.tenancy.ids import ALLOWED

HOSTILE_IDS = [
    "",
    ".",
    "..",
    "../beta",
    "..\\beta",
    "acme/../beta",
    "/etc",
    "acme/",
    "a\\b",
    "acme\x00",
    "\x00",
    " acme",
    "acme ",
    "ac me",
    "acme\t",
    "acme\n",
    "Acme",
    "ACME",
    "aCme",
    "\u0430cme",  # Cyrillic small a
    "\uff41cme",  # fullwidth a
    "acm\u0435",  # Cyrillic small ie, looks like e
    "ａｃｍｅ",
    "acme\u200b",  # zero-width space
    "caf\u00e9",
    "-acme",
    "_acme",
    ".acme",
    ".tmp-acme-123",
    ".archive",
    "a" * 64,
    "x" * 1000,
    "acme.corp",
    "acme:corp",
    "acme*",
    "acme?",
    "~acme",
    "acme%2f..",
    "con",
    "nul",
    "lpt1",
]


@pytest.mark.parametrize("bad", HOSTILE_IDS, ids=repr)
def test_hostile_id_is_refused_with_what_is_allowed(bad: str) -> None:
    with pytest.raises(InvalidClientIdError) as info:
        validate_client_id(bad)
    message = str(info.value)
    assert repr(bad) in message
    assert ALLOWED in message or "reserved" in message


@pytest.mark.parametrize("bad", HOSTILE_IDS, ids=repr)
def test_registry_and_context_pass_ids_through_the_gate(bad: str, tmp_path: Path) -> None:
    registry = Registry(tmp_path / "t")
    with pytest.raises(InvalidClientIdError):
        registry.get(bad)
    with pytest.raises(InvalidClientIdError):
        registry.provision(bad)
    with pytest.raises(InvalidClientIdError):
        TenantContext.at(tmp_path, bad)
    assert not (tmp_path / "t").exists()


def test_non_string_id_is_refused() -> None:
    with pytest.raises(InvalidClientIdError, match="not a string"):
        validate_client_id(42)


@pytest.mark.parametrize("good", ["a", "0", "acme", "acme-2", "acme_eu", "9lives", "a" * 63])
def test_valid_ids_pass_unchanged(good: str) -> None:
    assert validate_client_id(good) == good


def test_messages_name_the_specific_problem() -> None:
    cases = {
        "Acme": "uppercase",
        "\u0430cme": "U+0430 CYRILLIC SMALL LETTER A",
        "../x": "path separator",
        "a..b": "'..'",
        "a" * 64: "64 characters",
        "": "empty",
        "a\x00": "NUL",
        "-a": "starts with '-'",
    }
    for bad, fragment in cases.items():
        with pytest.raises(InvalidClientIdError, match=None) as info:
            validate_client_id(bad)
        assert fragment in str(info.value), (bad, str(info.value))


def test_case_variants_never_name_two_tenants(tmp_path: Path) -> None:
    registry = Registry(tmp_path / "t")
    registry.provision("acme")
    with pytest.raises(InvalidClientIdError):
        registry.provision("ACME")
    assert [p.name for p in (tmp_path / "t").iterdir()] == ["acme"]


@pytest.mark.parametrize("bad", ["../evil", "Acme", "\u0430cme", "a b"])
def test_cli_reports_bad_id_cleanly_with_exit_2(bad: str, tmp_path: Path) -> None:
    for args in (["provision", bad], ["tenants", "show", bad], ["deprovision", bad, "--yes"]):
        result = CliRunner().invoke(app, [*args, "--root", str(tmp_path / "t")])
        assert result.exit_code == 2, (args, result.output)
        assert "invalid client id" in result.output
        assert "lowercase a–z" in result.output
        assert "Traceback" not in result.output
    assert not (tmp_path / "t").exists()


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="az09-_.A /\\\x00\u0430\uff41", max_size=70) | st.text(max_size=80))
def test_any_accepted_id_is_a_plain_lowercase_ascii_name(candidate: str) -> None:
    """Property: whatever passes the gate is one safe, case-unique path component."""
    try:
        accepted = validate_client_id(candidate)
    except InvalidClientIdError as exc:
        assert ALLOWED in str(exc) or "reserved" in str(exc)
        return
    assert accepted == candidate
    assert accepted.isascii() and accepted == accepted.lower()
    assert 1 <= len(accepted) <= 63 and accepted[0].isalnum()
    assert Path("/root", accepted).parent == Path("/root")
    assert Path(accepted).name == accepted
