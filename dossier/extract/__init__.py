"""Dossier extract layer."""
