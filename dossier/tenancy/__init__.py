"""Dossier tenancy layer."""
