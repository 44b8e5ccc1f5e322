"""The analysis engine: bytes and trees in, findings in byte offsets out. No LSP types here."""
