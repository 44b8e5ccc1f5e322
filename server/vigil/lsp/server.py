"""``VigilServer``: all server state, and the small set of operations the handlers call.

No module globals: tests and ``vigil serve`` each build their own server with
``create_server()``. Handlers in ``vigil.lsp.features`` stay thin and delegate here.

Threading: everything that mutates documents runs on the event-loop thread, in message order
(synchronous handlers). Incremental analysis is cheap enough to run there. A *full* analysis of
a large file runs on a dedicated single-worker pool on a snapshot (bytes + ``tree.copy()``),
never on pygls' own pool (its stdio reader lives there), and its result is dropped if the
document moved on meanwhile: stale results are never published.
"""

from __future__ import annotations

import asyncio
import logging
import os
from concurrent.futures import Future, ThreadPoolExecutor
from functools import partial
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.exceptions import JsonRpcException, JsonRpcInvalidRequest
from pygls.lsp.server import LanguageServer
from pygls.protocol import LanguageServerProtocol, lsp_method

from vigil import __version__
from vigil.config import Config, ConfigError, load_config
from vigil.documents.positions import PositionCodec
from vigil.documents.store import ChangeSet, DocumentState, DocumentStore, uri_to_path
from vigil.engine.incremental import AnalysisState, IncrementalAnalyzer
from vigil.engine.languages import parse
from vigil.engine.runner import Analyzer
from vigil.lsp import convert
from vigil.lsp.settings import Settings, parse_settings, problems_message
from vigil.lsp.transport import DISCARDED_METHOD, watch_parent
from vigil.rules.loader import RuleSet, load_rules

log = logging.getLogger(__name__)

#: Files above this size get their full analyses off the event loop (measured: a full
#: analysis of 100 kB takes ~10-20 ms on the reference machine; above that it would delay
#: reading the next message noticeably).
BACKGROUND_FULL_ANALYSIS_BYTES = 100_000
#: Seconds one analysis (whole file or edited region) may take; past it the rest is skipped
#: and logged. Generated, sink-dense files near max-file-size took minutes without it.
FILE_TIME_BUDGET = 10.0
#: After this pause in typing on a tree with syntax errors, re-parse from scratch (error
#: recovery depends on edit history; see ``DocumentStore.reparse_fresh``).
SETTLE_SECONDS = 0.3

_LOG_LEVELS = {"error": logging.ERROR, "warning": logging.WARNING, "info": logging.INFO, "debug": logging.DEBUG}
_MESSAGE_TYPES = {
    logging.ERROR: types.MessageType.Error,
    logging.WARNING: types.MessageType.Warning,
    logging.INFO: types.MessageType.Info,
    logging.DEBUG: types.MessageType.Log,
}


class VigilProtocol(LanguageServerProtocol):
    """Replaces pygls' built-in document sync: it keeps its own ``str`` copy of every document,
    updated in O(file) per keystroke and split with ``str.splitlines`` (form feeds corrupt
    edits). ``VigilServer.store`` is the only copy; pygls' workspace keeps folders only.

    Also answers malformed requests: pygls raises while deserialising a request whose params do
    not fit its type, or a message that is not JSON-RPC 2.0, and never answers it, so the client
    would wait forever (tests/robustness/test_protocol.py)."""

    def structure_message(self, data: dict[str, Any]) -> Any:
        try:
            return super().structure_message(data)
        except JsonRpcException as exc:
            msg_id = data.get("id")
            if "method" in data and _valid_id(msg_id):
                log.warning("request %r (%s) has invalid params; answered with an error",
                            msg_id, str(data.get("method"))[:100])
                self._send_response(msg_id, None, exc.to_response_error())
            raise

    def handle_message(self, message: Any) -> None:
        if getattr(message, "jsonrpc", None) != self.VERSION:
            log.warning("ignored a message that is not JSON-RPC 2.0: %.200r", message)
            msg_id = message.get("id") if isinstance(message, dict) else getattr(message, "id", None)
            if _valid_id(msg_id) and (not isinstance(message, dict) or "method" in message):
                self._send_response(msg_id, None, JsonRpcInvalidRequest(
                    "not a JSON-RPC 2.0 request").to_response_error())
            return
        if getattr(message, "method", None) == DISCARDED_METHOD:  # see BoundedReader
            msg_id = getattr(message, "id", None)
            if _valid_id(msg_id):
                self._send_response(msg_id, None, JsonRpcInvalidRequest(
                    "message too large; discarded").to_response_error())
            return
        super().handle_message(message)

    def _execute_handler(self, msg_id: Any, handler: Any, callback: Any = None, args: Any = None,
                         kwargs: Any = None) -> None:
        """pygls 2.1 files the future of every generator, async or threaded handler under
        ``_request_futures[msg_id]`` but removes it only when answering a request. Notifications
        (and the steps of generator handlers) get a random id nobody pops: every ``didChange``
        left a Future behind, ~2.5 MiB per minute at 20 edits/s (bench/soak.py, 10 minutes:
        RSS 55 -> 82 MiB). Drop those entries once their future is done — but not when it was
        cancelled: ``shutdown`` cancels futures while iterating over that very dict."""
        super()._execute_handler(msg_id, handler, callback=callback, args=args, kwargs=kwargs)
        is_request = isinstance(callback, partial) and callback.func == self._send_handler_result
        future = None if is_request else self._request_futures.get(msg_id)
        if future is not None:
            future.add_done_callback(
                lambda done: None if done.cancelled() else self._request_futures.pop(msg_id, None))

    @lsp_method(types.TEXT_DOCUMENT_DID_OPEN)
    def lsp_text_document__did_open(self, params: types.DidOpenTextDocumentParams) -> Any:
        if (handler := self.fm.features.get(types.TEXT_DOCUMENT_DID_OPEN)) is not None:
            yield handler, (params,), None

    @lsp_method(types.TEXT_DOCUMENT_DID_CHANGE)
    def lsp_text_document__did_change(self, params: types.DidChangeTextDocumentParams) -> Any:
        if (handler := self.fm.features.get(types.TEXT_DOCUMENT_DID_CHANGE)) is not None:
            yield handler, (params,), None

    @lsp_method(types.TEXT_DOCUMENT_DID_CLOSE)
    def lsp_text_document__did_close(self, params: types.DidCloseTextDocumentParams) -> Any:
        if (handler := self.fm.features.get(types.TEXT_DOCUMENT_DID_CLOSE)) is not None:
            yield handler, (params,), None


def _valid_id(msg_id: Any) -> bool:
    return isinstance(msg_id, (int, str)) and not isinstance(msg_id, bool)


class VigilServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__("vigil", __version__, protocol_cls=VigilProtocol,
                         text_document_sync_kind=types.TextDocumentSyncKind.Incremental)
        self.store = DocumentStore()
        self.settings = Settings()
        self.config = Config()
        self.root: Path | None = None
        self.ruleset: RuleSet | None = None
        self._rules_key: tuple[Any, ...] | None = None
        self.engine: IncrementalAnalyzer | None = None
        self._background = ThreadPoolExecutor(max_workers=1, thread_name_prefix="vigil-analysis")
        self._pending: dict[str, Future[tuple[Any, AnalysisState]]] = {}
        self._settle_timers: dict[str, asyncio.TimerHandle] = {}
        self._publish_scheduled: set[str] = set()
        self._reported_failures: set[str] = set()
        self._too_large: set[str] = set()
        self._init_settings: Any = None
        self.pull_diagnostics = False
        self._last_problem: str | None = None
        #: ``VIGIL_INCREMENTAL=0`` re-analyses the whole file on every change (the tree is still
        #: re-parsed incrementally): the baseline of bench/keystroke.py's incremental ratio.
        self.incremental_enabled = os.environ.get("VIGIL_INCREMENTAL", "1") != "0"

    # -- client capabilities -------------------------------------------------------------------
    @property
    def codec(self) -> PositionCodec:
        return PositionCodec(self.workspace.position_encoding)

    def client_supports(self, dotted: str) -> bool:
        node: Any = self.client_capabilities
        for part in dotted.split("."):
            node = getattr(node, part, None)
            if node is None:
                return False
        return bool(node)

    # -- logging -------------------------------------------------------------------------------
    def log(self, level: int, message: str) -> None:
        """To the log file/stderr always; to the client's log (never a popup) above ``logLevel``."""
        log.log(level, "%s", message)
        if level >= _LOG_LEVELS.get(self.settings.logLevel, logging.WARNING):
            try:
                self.window_log_message(types.LogMessageParams(type=_MESSAGE_TYPES[level], message=message))
            except Exception:  # no client attached (unit tests) or the pipe is gone
                log.debug("could not send window/logMessage", exc_info=True)

    def report_server_error(self, error: Exception, source: Any) -> None:
        """pygls would pop up a message for every failing notification (every keystroke, for a
        bug in a rule); log it to the client's output instead."""
        self.log(logging.ERROR, f"internal error: {type(error).__name__}: {error}")

    def show_problem(self, message: str) -> None:
        """One popup for a problem the user must fix (invalid settings), logged as well. The
        same settings arrive through several channels (didChangeConfiguration, then the
        configuration pull): the same problem is shown once."""
        self.log(logging.WARNING, message)
        if message == self._last_problem:
            return
        self._last_problem = message
        try:
            self.window_show_message(types.ShowMessageParams(type=types.MessageType.Warning, message=message))
        except Exception:
            log.debug("could not send window/showMessage", exc_info=True)

    # -- settings and rules --------------------------------------------------------------------
    def initialize_from(self, params: types.InitializeParams) -> None:
        folders = params.workspace_folders or []
        root_uri = folders[0].uri if folders else params.root_uri
        root = uri_to_path(root_uri) if root_uri else (params.root_path or None)
        self.root = Path(root) if root else None
        self._init_settings = params.initialization_options
        if params.process_id is not None:
            watch_parent(params.process_id)  # exit when the editor dies without closing stdin
        self.pull_diagnostics = self.client_supports("text_document.diagnostic")
        settings, problems = parse_settings(params.initialization_options)
        self.settings = settings
        self.reload(problems)

    def apply_settings(self, raw: Any, *, base_defaults: bool = True) -> bool:
        """Overlay new settings (from the client) on the initialization options; True if changed."""
        base, problems = parse_settings(self._init_settings) if base_defaults else (self.settings, [])
        settings, more = parse_settings(raw, base)
        changed = settings != self.settings
        self.settings = settings
        if changed or problems or more:
            self.reload(problems + more)
        return changed

    def reload(self, problems: list[str] | None = None) -> None:
        """Re-read ``[tool.vigil]``, merge the editor settings over it, reload rules if needed."""
        problems = list(problems or [])
        try:
            config = load_config(self.root) if self.root is not None else Config()
        except ConfigError as exc:
            problems.append(str(exc))
            config = Config()
        try:
            config = config.merged(self.settings.config_overrides())
        except ConfigError as exc:
            problems.append(str(exc))
        self.config = config
        self.store.max_bytes = config.max_file_size
        trusted = tuple(Path(d).expanduser() for d in self.settings.trustedRuleDirs)
        relative = [str(d) for d in trusted if not d.is_absolute()]
        if relative:  # it would resolve against the server's working directory: the workspace
            problems.append(f"'trustedRuleDirs' must hold absolute paths; ignored: {', '.join(relative)}")
            trusted = tuple(d for d in trusted if d.is_absolute())
        key = (config.rule_dirs, trusted)
        if self.ruleset is None or key != self._rules_key:
            self.ruleset = load_rules(extra_directories=list(config.rule_dirs), trusted_directories=trusted)
            self._rules_key = key
            for error in self.ruleset.errors:
                self.log(logging.WARNING, f"rule not loaded: {error}")
        self.engine = IncrementalAnalyzer(Analyzer(self.ruleset, config.policy(),
                                                   time_budget=FILE_TIME_BUDGET))
        if problems:
            self.show_problem(problems_message(problems))
        else:
            self._last_problem = None

    # -- analysis ------------------------------------------------------------------------------
    def analyse(self, doc: DocumentState, change: ChangeSet | None) -> None:
        """Bring ``doc``'s findings up to date and schedule a publish."""
        engine = self.engine
        if self.store.too_large(doc) and doc.uri not in self._too_large:
            self._too_large.add(doc.uri)
            self.log(logging.WARNING, f"{doc.uri}: {len(doc.source):,} bytes, over the max-file-size "
                     f"limit of {self.store.max_bytes:,} bytes; not analysed")
        elif not self.store.too_large(doc):
            self._too_large.discard(doc.uri)
            if doc.tree is None:  # back under the limit (or the limit was raised)
                self.store.reparse_fresh(doc)
        if engine is None or doc.tree is None or not self.settings.enable:
            doc.analysis = None
            self.schedule_publish(doc.uri)
            return
        incremental = (
            self.incremental_enabled
            and change is not None and not change.whole and doc.analysis is not None and not doc.dirty
            and not self.analysis_pending(doc.uri)
            and not engine.needs_full(doc.analysis, doc.source, doc.tree, change.edits, change.changed,
                                      keep_facts_while_broken=True)
        )
        if change is not None and change.may_differ_from_fresh_parse():
            self._schedule_settle(doc)
        if incremental:
            assert change is not None and doc.analysis is not None
            doc.analysis = engine.incremental(doc.analysis, doc.source, doc.tree, change.edits, change.changed,
                                              edited_lines_only=doc.tree.root_node.has_error)
            self._report_failures(doc)
            self.schedule_publish(doc.uri)
        elif len(doc.source) >= BACKGROUND_FULL_ANALYSIS_BYTES:
            doc.analysis = None
            doc.dirty = False  # the job analyses this very text
            self._analyse_in_background(doc)
        else:
            doc.analysis = engine.full(doc.source, doc.tree, doc.path)
            doc.dirty = False
            self._report_failures(doc)
            self.schedule_publish(doc.uri)

    def _schedule_settle(self, doc: DocumentState) -> None:
        timer = self._settle_timers.pop(doc.uri, None)
        if timer is not None:
            timer.cancel()
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        self._settle_timers[doc.uri] = loop.call_later(SETTLE_SECONDS, self._settle, doc.uri, doc.version)

    def _settle(self, uri: str, version: int) -> None:
        """Typing paused on a tree with errors: re-parse from scratch and analyse the file."""
        self._settle_timers.pop(uri, None)
        doc = self.store.get(uri)
        if doc is None or doc.tree is None:
            return
        if doc.version != version or doc.uri in self._pending:
            # Still typing, or an earlier job still runs: settle once both are over.
            self._schedule_settle(doc)
            return
        if len(doc.source) >= BACKGROUND_FULL_ANALYSIS_BYTES:
            # The current analysis stays: keystrokes go on being analysed (and published)
            # incrementally while the fresh parse and full analysis run; if typing resumes,
            # the job's result is stale and dropped, and the next pause settles again. (It
            # used to clear the analysis, so the next keystroke waited for the job and then
            # re-analysed the whole file: 4 s p99 at 50k lines in bench/keystroke.py.)
            self._analyse_in_background(doc, fresh=True)
            return
        self.store.reparse_fresh(doc)
        doc.dirty = True
        self.analyse(doc, None)

    def _analyse_in_background(self, doc: DocumentState, fresh: bool = False) -> None:
        if doc.uri in self._pending:
            return  # the running job's result will be stale; its completion restarts us
        assert self.engine is not None and doc.tree is not None
        engine, version, source, tree = self.engine, doc.version, doc.source, doc.tree.copy()
        language, path = doc.language or "python", doc.path

        def job() -> tuple[Any, AnalysisState]:
            fresh_tree = parse(source, language) if fresh else tree
            return fresh_tree, engine.full(source, fresh_tree, path)

        future = self._background.submit(job)
        self._pending[doc.uri] = future
        loop = asyncio.get_running_loop()

        def done(fut: Future[tuple[Any, AnalysisState]]) -> None:
            loop.call_soon_threadsafe(self._background_done, doc.uri, version, engine, fut)

        future.add_done_callback(done)

    def _background_done(self, uri: str, version: int, engine: IncrementalAnalyzer,
                         future: Future[tuple[Any, AnalysisState]]) -> None:
        self._pending.pop(uri, None)
        doc = self.store.get(uri)
        if doc is None:
            return
        try:
            tree, state = future.result()
        except Exception as exc:  # noqa: BLE001 - a boundary: log and carry on
            self.log(logging.ERROR, f"analysis of {uri} failed: {exc}")
            return
        if doc.version != version or engine is not self.engine:
            # Stale: never publish it. Analyse the current text, unless an up-to-date
            # incremental analysis already exists (a settle job overtaken by typing).
            if doc.analysis is None or engine is not self.engine:
                self.analyse(doc, None)
            return
        doc.tree, doc.analysis, doc.dirty = tree, state, False
        self._report_failures(doc)
        self.schedule_publish(uri)

    def analysis_pending(self, uri: str) -> bool:
        """A background full analysis will deliver this document's only current findings
        (a settle job running beside a current analysis does not count)."""
        if uri not in self._pending:
            return False
        doc = self.store.get(uri)
        return doc is None or doc.analysis is None

    def _report_failures(self, doc: DocumentState) -> None:
        """A broken rule is logged once per distinct error, never popped up per keystroke."""
        if doc.analysis is None:
            return
        for failure in doc.analysis.failures:
            if failure not in self._reported_failures:
                self._reported_failures.add(failure)
                self.log(logging.ERROR, f"rule failed on {doc.uri}: {failure}")

    def reanalyse_all(self) -> None:
        for doc in self.store:
            doc.dirty = True
            self.analyse(doc, None)
        scanner = getattr(self, "workspace_scanner", None)  # closed files (features/workspace_scan)
        if scanner is not None:
            scanner.start()
        if self.pull_diagnostics and self.client_supports("workspace.diagnostics.refresh_support"):
            self.workspace_diagnostic_refresh(None)

    # -- publishing ----------------------------------------------------------------------------
    def diagnostics(self, doc: DocumentState) -> list[types.Diagnostic]:
        if self.ruleset is None or not self.settings.enable:
            return []
        return convert.to_diagnostics(doc, self.codec, self.ruleset)

    def schedule_publish(self, uri: str) -> None:
        """Coalesce publishes of one loop turn (a burst of changes publishes once)."""
        if self.pull_diagnostics or uri in self._publish_scheduled:
            return
        self._publish_scheduled.add(uri)
        try:
            asyncio.get_running_loop().call_soon(self._publish, uri)
        except RuntimeError:  # no loop (in-process use): publish now
            self._publish(uri)

    def _publish(self, uri: str) -> None:
        self._publish_scheduled.discard(uri)
        doc = self.store.get(uri)
        if doc is None or self.analysis_pending(uri) or (doc.dirty and self.settings.run == "onSave"
                                                   and doc.analysis is None):
            return
        if doc.analysis is not None and doc.analysis.source is not doc.source:
            return  # the analysis is behind the text (run = onSave): keep what the client has
        self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(
            uri=uri, version=doc.version, diagnostics=self.diagnostics(doc)))

    def clear(self, uri: str) -> None:
        if not self.pull_diagnostics:
            self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))


def create_server() -> VigilServer:
    from vigil.lsp.features import register

    server = VigilServer()
    register(server)
    return server
