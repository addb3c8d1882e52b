"""Dossier runtime layer."""
