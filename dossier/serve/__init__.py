"""Dossier serve layer."""
