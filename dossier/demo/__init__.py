"""The demo client's raw material (Acme Logistics), shipped as package data.

``dossier quickstart`` learns from it, so it must be inside the package: a wheel
installed outside the source tree has no ``fixtures/`` folder.  ``fixtures/acme/corpus``
in the source tree is a link to this folder, for tests and the extraction gold set.
"""

from __future__ import annotations

from pathlib import Path


def demo_corpus() -> Path:
    """The folder of the Acme demo corpus, wherever the package is installed."""
    return Path(__file__).resolve().parent / "corpus"
