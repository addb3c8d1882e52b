"""Dossier okf layer."""
