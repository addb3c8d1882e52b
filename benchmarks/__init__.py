"""Dossier benchmarks, run by ``nox -s bench`` (or ``python -m benchmarks``)."""
