"""Artifacts: recording uploaded blobs and reading their records."""
