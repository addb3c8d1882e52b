"""The vector table of the semantic extra: embeddings kept in step by content hash.

Each concept is embedded from its title, description and the start of its body;
the content hash it was made from is recorded in ``meta.json``, so only concepts
whose file changed are embedded again, and vectors survive a rebuild of the
concept table.
"""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path
from typing import Any

from dossier.serve.embed import Embedder, embedding_text
from dossier.serve.index_meta import IndexMeta, VectorState
from dossier.serve.lance import chunks, in_clause, vector_schema


def sync_vectors(
    db: Any, concepts: Any, meta: IndexMeta, index_dir: Path, embedder: Embedder, reset: bool
) -> tuple[Any, int, bool]:
    """(vector table, concepts embedded now, whether ``meta`` changed).

    ``reset`` discards the current vector table and embeds everything again.
    """
    import pyarrow as pa

    state = meta.vectors
    created = False
    wanted = (embedder.name, embedder.dim)
    if reset or state is None or (state.embedder, state.dim) != wanted:
        name = f"vectors_{embedder.name}_{uuid.uuid4().hex[:8]}"
        db.create_table(name, schema=vector_schema(embedder.dim), mode="overwrite")
        old_table = state.table if state is not None else None
        state = VectorState(embedder=embedder.name, dim=embedder.dim, table=name)
        meta.vectors = state
        created = True
        if old_table:
            shutil.rmtree(index_dir / f"{old_table}.lance", ignore_errors=True)
    vtable = db.open_table(state.table)
    current = {cid: s.digest for cid, s in meta.files.items() if s.error is None}
    stale = sorted(cid for cid, dig in current.items() if state.hashes.get(cid) != dig)
    gone = sorted(set(state.hashes) - set(current))
    for batch in chunks(gone, 500):
        vtable.delete(in_clause(batch))
        for cid in batch:
            state.hashes.pop(cid, None)
    columns = ["id", "type", "tags", "title", "description", "text", "body_offset", "content_hash"]
    for batch in chunks(stale, 256):
        rows = concepts.search().where(in_clause(batch)).select(columns).limit(len(batch))
        rows = rows.to_list()
        if not rows:
            continue
        texts = [
            embedding_text(r["title"], r["description"], r["text"][r["body_offset"] :])
            for r in rows
        ]
        vectors = embedder.embed(texts)
        data = pa.Table.from_pylist(
            [
                {
                    "id": r["id"],
                    "content_hash": r["content_hash"],
                    "type": r["type"],
                    "tags": r["tags"],
                    "vector": v,
                }
                for r, v in zip(rows, vectors, strict=True)
            ],
            schema=vector_schema(embedder.dim),
        )
        merge = vtable.merge_insert("id").when_matched_update_all().when_not_matched_insert_all()
        merge.execute(data)
        for r in rows:
            state.hashes[r["id"]] = r["content_hash"]
    return vtable, len(stale), bool(stale or gone or created)
