"""The index's own metadata cannot point a tenant's search at another tenant's index.

``meta.json`` names the current generation file (and the vector store); a name carrying
a path (hand-edited, or written by another program) once made acme's search open
bravo's index and return bravo's concepts.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from dossier.serve.index import SearchIndex
from dossier.serve.index_meta import META_NAME, META_SCHEMA_VERSION, IndexMeta, load_meta
from dossier.serve.search import search_index
from tests.runtime.helpers import tree_digest


def test_a_meta_file_naming_another_tenants_index_is_not_followed(
    fresh_tenant, put_concept, commit_iteration  # type: ignore[no-untyped-def]
) -> None:
    acme, bravo = fresh_tenant("acme"), fresh_tenant("bravo")
    put_concept(bravo, "notes/secret", "# Secret\n\nzanzibar payroll figures\n", title="Secret")
    commit_iteration(bravo, "run-2", "secret")
    theirs, ours = SearchIndex(bravo), SearchIndex(acme)
    theirs.rebuild()
    ours.rebuild()
    bravo_meta = load_meta(theirs.dir)
    assert bravo_meta is not None
    meta_path = ours.dir / META_NAME
    data = json.loads(meta_path.read_text(encoding="utf-8"))
    data["table"] = os.path.relpath(theirs.dir / bravo_meta.table, ours.dir)
    meta_path.write_text(json.dumps(data), encoding="utf-8")
    before = tree_digest(theirs.dir)

    hits = search_index(SearchIndex(acme), "zanzibar", limit=5).hits

    assert [h.id for h in hits] == []
    assert tree_digest(theirs.dir) == before  # bravo's index was neither read into nor written


def test_only_names_dossier_makes_are_accepted() -> None:
    def meta(table: str, vectors: str | None = None) -> str:
        return json.dumps({
            "schema_version": META_SCHEMA_VERSION,
            "table": table, "head": None, "files": {},
            "vectors": None if vectors is None else
            {"embedder": "minilm", "dim": 384, "table": vectors, "hashes": {}},
        })

    assert IndexMeta.from_json(meta("index_0123456789ab")) is not None
    assert IndexMeta.from_json(meta("index_0123456789ab", "vectors_minilm_0123abcd")) is not None
    for table in ("../../bravo/.dossier/index/index_0123456789ab", "/tmp/x", "index_x/../y"):
        assert IndexMeta.from_json(meta(table)) is None, table
    assert IndexMeta.from_json(meta("index_0123456789ab", "../vectors_minilm_0123abcd")) is None


@pytest.mark.parametrize("link", ["symlink", "hardlink"])
def test_a_generation_file_linked_to_another_tenants_is_not_read(
    fresh_tenant, put_concept, commit_iteration, link: str  # type: ignore[no-untyped-def]
) -> None:
    """The names in meta.json are checked, but SQLite follows a link in the file itself:
    acme's generation file made a link to bravo's once served bravo's concepts as acme's.
    The linked file is refused and acme's index rebuilt from acme's bundle; bravo's index
    is left byte for byte."""
    acme, bravo = fresh_tenant("acme"), fresh_tenant("bravo")
    put_concept(bravo, "notes/secret", "# Secret\n\nzanzibar payroll figures\n", title="Secret")
    commit_iteration(bravo, "run-2", "secret")
    theirs, ours = SearchIndex(bravo), SearchIndex(acme)
    theirs.rebuild()
    ours.rebuild()
    acme_meta, bravo_meta = load_meta(ours.dir), load_meta(theirs.dir)
    assert acme_meta is not None and bravo_meta is not None
    mine = ours.dir / f"{acme_meta.table}.sqlite"
    target = theirs.dir / f"{bravo_meta.table}.sqlite"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{mine}{suffix}").unlink(missing_ok=True)
    if link == "symlink":
        mine.symlink_to(target)
    else:
        os.link(target, mine)
    before = tree_digest(theirs.dir)

    hits = search_index(SearchIndex(acme), "zanzibar", limit=5).hits

    assert [h.id for h in hits] == []
    assert "tables/orders" in [h.id for h in search_index(SearchIndex(acme), "orders").hits]
    assert not mine.exists() or (not mine.is_symlink() and mine.stat().st_nlink == 1)
    assert target.stat().st_nlink == 1
    assert tree_digest(theirs.dir) == before
