"""initialize / initialized / didChangeConfiguration / didChangeWatchedFiles.

Settings layers, lowest first: defaults, ``[tool.vigil]`` of the workspace's pyproject.toml,
``initializationOptions``, ``workspace/configuration`` (section ``vigil``). Any change
re-analyses the open documents; no restart needed.
"""

from __future__ import annotations

import logging

from lsprotocol import types

from vigil.lsp.features.workspace_scan import scanner_of, watch_python_files
from vigil.lsp.server import VigilServer

SECTION = "vigil"


async def pull_configuration(ls: VigilServer) -> bool:
    """Ask the client for section ``vigil``; True when the settings changed."""
    if not ls.client_supports("workspace.configuration"):
        return False
    scope = ls.root.as_uri() if ls.root is not None else None
    try:
        result = await ls.workspace_configuration_async(types.ConfigurationParams(
            items=[types.ConfigurationItem(section=SECTION, scope_uri=scope)]))
    except Exception as exc:  # noqa: BLE001 - a boundary: log and carry on
        ls.log(logging.WARNING, f"workspace/configuration failed: {exc}")
        return False
    raw = result[0] if result else None
    return ls.apply_settings(raw) if raw else False


def register(server: VigilServer) -> None:
    @server.feature(types.INITIALIZE)
    def initialize(ls: VigilServer, params: types.InitializeParams) -> None:
        ls.initialize_from(params)

    @server.feature(types.INITIALIZED)
    async def initialized(ls: VigilServer, params: types.InitializedParams) -> None:
        if ls.client_supports("workspace.did_change_watched_files.dynamic_registration"):
            try:
                await ls.client_register_capability_async(types.RegistrationParams(registrations=[
                    types.Registration(
                        id="vigil-pyproject",
                        method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES,
                        register_options=types.DidChangeWatchedFilesRegistrationOptions(
                            watchers=[types.FileSystemWatcher(glob_pattern="**/pyproject.toml")]),
                    )]))
            except Exception as exc:  # noqa: BLE001 - a boundary: log and carry on
                ls.log(logging.INFO, f"could not watch pyproject.toml: {exc}")
        if await pull_configuration(ls):
            ls.reanalyse_all()
        await watch_python_files(ls)
        if (scanner := scanner_of(ls)) is not None:
            scanner.start()

    @server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
    async def did_change_configuration(ls: VigilServer, params: types.DidChangeConfigurationParams) -> None:
        changed = False
        settings = params.settings
        if isinstance(settings, dict) and isinstance(settings.get(SECTION), dict):
            changed = ls.apply_settings(settings[SECTION])
        changed = await pull_configuration(ls) or changed
        if changed:
            ls.reanalyse_all()

    @server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    def did_change_watched_files(ls: VigilServer, params: types.DidChangeWatchedFilesParams) -> None:
        if any(change.uri.endswith("pyproject.toml") for change in params.changes):
            ls.reload()
            ls.reanalyse_all()  # restarts the workspace scan too
        elif (scanner := scanner_of(ls)) is not None:
            for change in params.changes:
                scanner.file_changed(change.uri, deleted=change.type == types.FileChangeType.Deleted)
