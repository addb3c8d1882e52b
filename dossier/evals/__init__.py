"""Dossier evals layer."""
