"""What the loop needs to know about each concept file, cached by the file's stat.

Every iteration must know, for every concept already in the bundle, its content
fingerprint (to leave unchanged concepts alone), who owns it (to never clobber a
person's work) and its index entry.  Reading and parsing ~1,500 files for that
costs seconds; a stat costs microseconds.  So the facts are kept in the tenant's
gitignored ``.dossier/concept-facts.json`` keyed by concept id, each with the
file's ``(size, mtime_ns, ctime_ns, inode)``.  A file a person edits (or git
checks out, or an atomic write replaces) changes that key — ``ctime`` cannot be
set back by any tool — so it is read again; protection never rests on a stale
entry.  A missing, corrupt or foreign-version cache is rebuilt, never fatal.

Each entry also holds the file's git blob id, which the loop compares with the
blob it last wrote (:mod:`dossier.runtime.ledger`) to tell a person's edit from
its own output without hashing every file on every iteration.
"""

from __future__ import annotations

import contextlib
import json
import os
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from dossier.extract import content_fingerprint
from dossier.fsutil import atomic_write_text
from dossier.okf import ConceptDocument, OKFDocumentError
from dossier.okf.document import decode, parse_concept, read_capped
from dossier.okf.index import Entry, entry_for
from dossier.okf.index import entries_of as index_entries
from dossier.runtime.ledger import blob_id

#: Bump when what is stored (or how a fingerprint is computed) changes.
SCHEMA = 3
#: ``generated.by`` prefix of every Dossier extractor (``dossier-deterministic/0.1.0``).
DOSSIER_PRODUCER_PREFIX = "dossier-"

StatKey = tuple[int, int, int, int]


@dataclass(frozen=True)
class ConceptFacts:
    """One concept file as the loop sees it (``error`` set: the file does not parse)."""

    fingerprint: str = ""
    generated_by: str = ""
    human_owned: bool = False
    error: str | None = None
    #: (type, title, description) for index.md, or None when the file has no usable type.
    entry: tuple[str, str, str] | None = None
    #: git blob id of the file's bytes ("" when the file could not be read).
    blob: str = ""

    @property
    def machine_owned(self) -> bool:
        """True when Dossier wrote this concept and no person has claimed it since."""
        return (
            self.error is None
            and self.generated_by.startswith(DOSSIER_PRODUCER_PREFIX)
            and not self.human_owned
        )

    def index_entry(self, concept_id: str) -> Entry | None:
        if self.entry is None:
            return None
        type_, title, description = self.entry
        return Entry(concept_id=concept_id, type=type_, title=title, description=description)


def facts_of(doc: ConceptDocument) -> ConceptFacts:
    """Facts of a parsed document (OKFDocumentError when its typed view is unusable)."""
    generated = doc.frontmatter.get("generated")
    by = str(generated.get("by") or "") if isinstance(generated, dict) else ""
    entry = entry_for(doc.concept_id, doc.frontmatter)
    return ConceptFacts(
        fingerprint=content_fingerprint(doc),
        generated_by=by,
        human_owned=doc.concept.is_human_owned,
        entry=None if entry is None else (entry.type, entry.title, entry.description),
    )


def _stat_key(path: Path) -> StatKey | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)


class FactsCache:
    """Stat-keyed facts for one bundle's concept files, loaded from and saved to ``path``."""

    def __init__(self, path: Path | None, label: str) -> None:
        self.path = path
        #: The extractor label: its fingerprint definition may change with its version.
        self.label = label
        self._entries: dict[str, tuple[StatKey, ConceptFacts]] = {}
        self.reads = 0
        self._load()

    def _load(self) -> None:
        if self.path is None:
            return
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            if data.get("schema") != SCHEMA or data.get("label") != self.label:
                return
            entries: dict[str, tuple[StatKey, ConceptFacts]] = {}
            for concept_id, row in data["concepts"].items():
                stat, fp, by, human, error, entry, blob = row
                entries[str(concept_id)] = (
                    (int(stat[0]), int(stat[1]), int(stat[2]), int(stat[3])),
                    ConceptFacts(
                        fingerprint=str(fp),
                        generated_by=str(by),
                        human_owned=bool(human),
                        error=None if error is None else str(error),
                        entry=None if entry is None else (
                            str(entry[0]), str(entry[1]), str(entry[2])),
                        blob=str(blob),
                    ),
                )
        except (OSError, ValueError, KeyError, TypeError, IndexError, AttributeError):
            return  # replaceable: start empty
        self._entries = entries

    def get(self, concept_id: str, path: Path) -> ConceptFacts:
        """The facts of the file at ``path`` now: cached when its stat is unchanged."""
        key = _stat_key(path)
        cached = self._entries.get(concept_id)
        if key is not None and cached is not None and cached[0] == key:
            return cached[1]
        self.reads += 1
        where = str(path)
        blob = ""
        try:
            data = read_capped(path, where)
            blob = blob_id(data)
            facts = replace(
                facts_of(parse_concept(decode(data, where), concept_id, path=where)), blob=blob
            )
        except OKFDocumentError as exc:
            # Unusable for the loop, but index.md lists whatever has a type.
            listed = index_entries([(concept_id, path)])
            entry = (listed[0].type, listed[0].title, listed[0].description) if listed else None
            facts = ConceptFacts(error=str(exc), entry=entry, blob=blob)
        # Stat again after reading: a write racing the read must not be cached as seen.
        after = _stat_key(path)
        if key is not None and after == key:
            self._entries[concept_id] = (key, facts)
        else:
            self._entries.pop(concept_id, None)
        return facts

    def entries(self, concepts: dict[str, Path]) -> dict[str, Entry]:
        """index.md entries for ``concepts`` (id → path), reading only changed files."""
        out: dict[str, Entry] = {}
        for concept_id, path in concepts.items():
            entry = self.get(concept_id, path).index_entry(concept_id)
            if entry is not None:
                out[concept_id] = entry
        return out

    def remember(self, concept_id: str, path: Path, doc: ConceptDocument, blob: str) -> None:
        """Record the facts of ``doc``, which this process just wrote at ``path`` (``blob``).

        Saves reading back every file a first iteration writes.  The facts of a
        document equal those of its rendered and re-parsed file (the round-trip
        rule the fingerprint comparison already relies on).
        """
        key = _stat_key(path)
        try:
            facts = replace(facts_of(doc), blob=blob)
        except OKFDocumentError:
            key = None
        if key is None:
            self._entries.pop(concept_id, None)
        else:
            self._entries[concept_id] = (key, facts)

    def forget(self, concept_id: str) -> None:
        self._entries.pop(concept_id, None)

    def save(self, keep: set[str]) -> None:
        """Write the cache atomically, holding only the concepts in ``keep``."""
        if self.path is None:
            return
        rows: dict[str, Any] = {}
        for concept_id in sorted(keep):
            cached = self._entries.get(concept_id)
            if cached is None:
                continue
            stat, facts = cached
            rows[concept_id] = [
                list(stat), facts.fingerprint, facts.generated_by, facts.human_owned,
                facts.error, None if facts.entry is None else list(facts.entry), facts.blob,
            ]
        payload = {"schema": SCHEMA, "label": self.label, "concepts": rows}
        text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
        with contextlib.suppress(OSError):  # a cache that cannot be written is rebuilt
            atomic_write_text(self.path, text, durable=False)
