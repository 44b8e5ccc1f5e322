"""Vigil: a security language server and CI scanner for Python and cloud-native files."""

__version__ = "0.1.0"
