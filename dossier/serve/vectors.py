"""The vector table of the semantic extra: embeddings kept in step by content hash.

Every passage is embedded (passage 0 is the title and description; body passages
carry the concept's title and heading path before their text), so a question that
matches one section of a long concept finds it.  The content hash each concept's
vectors were made from is recorded in ``meta.json``: only concepts whose file
changed are embedded again (all their passages), and vectors survive a rebuild of
the tables.
"""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path
from typing import Any

from dossier.serve.embed import Embedder, passage_embedding_text
from dossier.serve.index_meta import IndexMeta, VectorState
from dossier.serve.lance import chunks, in_clause, vector_schema


def sync_vectors(
    db: Any, passages: Any, meta: IndexMeta, index_dir: Path, embedder: Embedder, reset: bool
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
    columns = ["pid", "id", "ordinal", "type", "tags", "text", "text_offset"]
    for batch in chunks(stale, 64):
        rows = passages.search().where(in_clause(batch)).select(columns).limit(None).to_list()
        vtable.delete(in_clause(batch))
        if rows:
            vectors = embedder.embed(
                [passage_embedding_text(r["text"], r["text_offset"], r["ordinal"]) for r in rows]
            )
            data = pa.Table.from_pylist(
                [
                    {
                        "pid": r["pid"],
                        "id": r["id"],
                        "content_hash": current[r["id"]],
                        "type": r["type"],
                        "tags": r["tags"],
                        "vector": v,
                    }
                    for r, v in zip(rows, vectors, strict=True)
                ],
                schema=vector_schema(embedder.dim),
            )
            vtable.add(data)
        for cid in batch:
            state.hashes[cid] = current[cid]
    return vtable, len(stale), bool(stale or gone or created)
