"""Dossier ingest layer."""
