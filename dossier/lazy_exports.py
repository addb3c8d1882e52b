"""A package's public names, each imported from its module on first use (PEP 562).

``dossier.okf`` and ``dossier.tenancy`` re-export many names; importing every module
behind them costs a ``dossier search`` process time it never uses (the manifest's
pydantic models, YAML, validation).  Each package lists where its names live and asks
for its ``__getattr__`` here.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping
from typing import Any


def lazy_getattr(package: str, homes: Mapping[str, str]) -> Callable[[str], Any]:
    """The module ``__getattr__`` of ``package``: a name in ``homes`` is imported from its
    module when first asked for and kept on the package, so it is asked for once."""

    def __getattr__(name: str) -> Any:
        home = homes.get(name)
        if home is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(home), name)
        setattr(sys.modules[package], name, value)
        return value

    return __getattr__
