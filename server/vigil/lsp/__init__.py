"""The Vigil language server (pygls 2): ``vigil serve`` runs ``vigil.lsp.main.run``."""
