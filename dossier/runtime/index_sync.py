"""Regenerate the bundle's ``index.md`` files without replacing anyone else's.

An index the loop wrote (its bytes are the ones the ledger recorded), one that is
missing, one that already holds exactly what the loop would write (so a tenant
from before the ledger kept indexes hands them over), and the bare root index
provisioning writes are Dossier's: regenerated
whole, so renamed and removed concepts drop out.  Any other index — an imported
bundle's, or one a person edited — was written by someone else: the loop only adds
entries for what it does not list yet (:func:`dossier.okf.index.merge_index`) and
never records it as its own, so it stays the author's on every later run.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from dossier.okf import Bundle, generate_indexes
from dossier.okf.index import ROOT_FRONTMATTER, Entry
from dossier.runtime.ledger import Ledger, blob_id, is_index_key

_BARE_ROOTS = frozenset({ROOT_FRONTMATTER.encode("utf-8"), b""})


def write_indexes(bundle: Bundle, entries: Mapping[str, Entry], ledger: Ledger) -> list[Path]:
    """Regenerate or merge every index.md; record the ones the loop now owns."""
    theirs: set[str] = set()
    ours: dict[str, str] = {}

    def foreign(rel: str, data: bytes, rendered: bytes) -> bool:
        known = ledger.entries.get(rel, set())
        if data in _BARE_ROOTS or data == rendered or blob_id(data) in known:
            ours[rel] = blob_id(rendered)
            return False
        theirs.add(rel)
        return True

    written = generate_indexes(bundle, entries=entries, foreign=foreign)
    for path in written:
        rel = path.relative_to(bundle.root).as_posix()
        if rel not in theirs and rel not in ours:  # a new index: rendered by the loop
            ours[rel] = blob_id(path.read_bytes())
    # Indexes of folders that no longer hold concepts are no longer the loop's concern.
    ledger.save_indexes({rel: blob for rel, blob in ours.items() if is_index_key(rel)})
    return written
