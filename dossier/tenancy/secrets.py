"""Refuse secrets in files Dossier commits: keys and values that look like credentials.

The tenant manifest is committed to the tenant's history and shown by ``dossier
show``; an API key written there would be in git forever.  Plugin settings are free
form (each plugin validates its own), so this check looks at every key and string
value, nested, for the shapes credentials have: a key named like one (``api_key``,
``secret``, ``password``, ``token``, ``credentials``...) or a value with a known key
prefix (``sk-ant-``, ``sk-``).  ``max_tokens``-style counts are not credentials and
pass.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

_SECRET_KEY = re.compile(
    r"(^|[_-])(api[_-]?key|apikey|secret|secret[_-]?key|password|passwd|passphrase|"
    r"token|access[_-]?token|auth[_-]?token|bearer|credentials?|private[_-]?key)$",
    re.IGNORECASE,
)
_SECRET_VALUE = re.compile(r"^(sk-ant-|sk-[A-Za-z0-9]{16,})")

#: Where a credential belongs instead.
WHERE_KEYS_GO = "put credentials in the environment (e.g. ANTHROPIC_API_KEY), never in the manifest"


def secret_problem(value: Any, where: str) -> str | None:
    """Why ``value`` (found at ``where``) looks like it holds a secret, or None."""
    if isinstance(value, Mapping):
        for key, item in value.items():
            path = f"{where}.{key}"
            if isinstance(key, str) and _SECRET_KEY.search(key):
                return f"{path} looks like a secret; {WHERE_KEYS_GO}"
            problem = secret_problem(item, path)
            if problem is not None:
                return problem
    elif isinstance(value, str):
        if _SECRET_VALUE.match(value.strip()):
            return f"{where} holds what looks like an API key; {WHERE_KEYS_GO}"
    elif isinstance(value, Sequence):
        for index, item in enumerate(value):
            problem = secret_problem(item, f"{where}[{index}]")
            if problem is not None:
                return problem
    return None
