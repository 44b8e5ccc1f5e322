"""One module per LSP method family; each exposes ``register(server)``. Handlers stay thin:
they translate LSP params and delegate to ``VigilServer`` and the pure helper modules."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from vigil.lsp.server import VigilServer


def register(server: VigilServer) -> None:
    from vigil.lsp.features import (
        code_actions,
        commands,
        configuration,
        diagnostics,
        hover,
        text_sync,
        workspace_scan,
    )

    for module in (configuration, text_sync, diagnostics, code_actions, hover, commands, workspace_scan):
        module.register(server)
