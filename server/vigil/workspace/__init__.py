"""Workspace-wide analysis for the language server: which files, and each file's findings."""
