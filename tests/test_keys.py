"""One key loader for both Claude paths: the same sources, the same refusals."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from dossier.errors import UsageError
from dossier.extract.claude.keys import resolve_key
from dossier.keys import KEY_ENV, KEY_FILE_ENV, MAX_KEY_FILE_BYTES, MissingKeyError
from dossier.runtime.agent.keys import load_key

KEY = "sk-ant-api03-TEST-0000000000000000000000000000"


def _extractor(env: dict[str, str]) -> str:
    return resolve_key(env)


def _agent(env: dict[str, str]) -> str:
    return load_key(env).reveal()


LOADERS: list[Callable[[dict[str, str]], str]] = [_extractor, _agent]


@pytest.mark.parametrize("load", LOADERS)
def test_the_variable_then_the_file(load: Callable[[dict[str, str]], str],
                                    tmp_path: Path) -> None:
    key_file = tmp_path / "key"
    key_file.write_text(KEY + "\n")
    assert load({KEY_ENV: KEY}) == KEY
    assert load({KEY_FILE_ENV: str(key_file)}) == KEY


@pytest.mark.parametrize("load", LOADERS)
@pytest.mark.parametrize("content", ["", KEY + "\n" + KEY + "\n", "x" * (MAX_KEY_FILE_BYTES + 1)])
def test_a_file_that_is_not_one_key_is_refused_by_both(
    load: Callable[[dict[str, str]], str], content: str, tmp_path: Path
) -> None:
    key_file = tmp_path / "key"
    key_file.write_text(content)
    with pytest.raises(MissingKeyError) as caught:
        load({KEY_FILE_ENV: str(key_file)})
    assert isinstance(caught.value, UsageError)  # exit 2, before any work
    assert KEY not in str(caught.value)


@pytest.mark.parametrize("load", LOADERS)
def test_no_key_names_both_variables(load: Callable[[dict[str, str]], str]) -> None:
    with pytest.raises(MissingKeyError) as caught:
        load({})
    assert KEY_ENV in str(caught.value) and KEY_FILE_ENV in str(caught.value)
