"""Open documents as the server sees them: UTF-8 bytes, LSP line index, tree, findings."""
