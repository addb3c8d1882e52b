"""A cache of linked bodies, so a re-run after a few changed sources does not re-link all.

Linking a body depends on the body, the concept's own id and the names that could start
at one of the body's words.  An entry remembers the body's *starter words*; the file
remembers, per starter word, a hash of every name beginning with it.  In the next run an
entry is reused when none of its starter words' hashes changed and no word that newly
starts a name occurs in the body (a substring test, so a doubt is a miss, never a wrong
link).  Output is byte-identical with or without the cache.

The cache is a single JSON file in a directory the caller names (the runtime passes the
tenant's gitignored ``.dossier/`` cache); anything unreadable is treated as empty.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
from pathlib import Path
from typing import Any

from dossier.extract.deterministic.linker import Matcher
from dossier.fsutil import atomic_write_text

#: 2: code is what ``codeblocks`` says (indented blocks, long fences), not fences alone
CACHE_SCHEMA = 2
CACHE_FILE = "links.json"


class LinkCache:
    """Linked bodies of the previous assembly, reused when nothing they depend on changed."""

    def __init__(self, directory: Path | None, matcher: Matcher) -> None:
        self.path = directory / CACHE_FILE if directory is not None else None
        self.matcher = matcher
        self.entries: dict[str, list[Any]] = {}
        self.used: dict[str, list[Any]] = {}
        self.changed = False
        old: dict[str, str] = {}
        if self.path is not None:
            with contextlib.suppress(OSError, ValueError, TypeError, KeyError, AttributeError):
                raw = json.loads(self.path.read_text(encoding="utf-8"))
                if raw.get("schema") == CACHE_SCHEMA:
                    self.entries = dict(raw["entries"])
                    old = dict(raw["signatures"])
        self._old = old
        new = matcher.signatures
        # starter words whose names changed (or vanished): bodies containing them re-link
        self._stale = frozenset(w for w, sig in old.items() if new.get(w) != sig)
        added = sorted(set(new) - set(old), key=lambda w: (-len(w), w))
        # many new names (a first run, a big change): re-link everything
        self._all_miss = not self.entries or len(added) > 500
        self._added = (
            re.compile("|".join(map(re.escape, added)))
            if added and not self._all_miss else None
        )

    @staticmethod
    def key(concept_id: str, body: str) -> str:
        return hashlib.sha256(f"{concept_id}\x00{body}".encode()).hexdigest()

    def lookup(self, key: str, body: str) -> tuple[str, list[str]] | None:
        entry = None if self._all_miss else self.entries.get(key)
        if entry is None:
            return None
        linked, targets, starters = entry
        if not self._stale.isdisjoint(starters):
            return None
        if self._added is not None and self._added.search(body.lower()):
            return None  # a word that now starts a name occurs here (or looks like it)
        self.used[key] = entry
        return str(linked), list(targets)

    def store(self, key: str, linked: str, targets: list[str], starters: list[str]) -> None:
        self.used[key] = [linked, targets, starters]
        self.changed = True

    def save(self) -> None:
        """Write the entries used in this run (only when something differs)."""
        if self.path is None:
            return
        if not self.changed and set(self.used) == set(self.entries) and (
            self._old == self.matcher.signatures
        ):
            return
        data = {
            "schema": CACHE_SCHEMA,
            "signatures": self.matcher.signatures,
            "entries": self.used,
        }
        with contextlib.suppress(OSError):
            atomic_write_text(
                self.path, json.dumps(data, sort_keys=True, separators=(",", ":"),
                                      ensure_ascii=False)
            )
