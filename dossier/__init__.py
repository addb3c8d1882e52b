"""Dossier: per-tenant, git-backed knowledge toolkit producing OKF v0.2 bundles.

Kept import-light on purpose: ``dossier --help`` must start fast, so nothing heavy
(anthropic, mcp, torch) is imported at package import time.
"""

__version__ = "0.1.0"
