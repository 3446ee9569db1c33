"""`fastmcp-lint --lsp`: the findings of open files as diagnostics, their fixes as code actions.

Each open file is linted as `fastmcp-lint - --stdin-filename FILE` would lint it (the same
`ProjectLinter`: its config, per-file ignores and project rules over the files on disk),
after a pause in typing (the debounce), in one worker thread so the event loop keeps
answering while the engine works and runs never overlap (the engine is not thread-safe).
A result is published only if the document has not changed since it was read.
Settings are read again when a `pyproject.toml` changes; the other files' facts are kept
per project and dropped when the client reports a file changed, created or deleted.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path

from fastmcp_preflight import __version__
from fastmcp_preflight.api import Diagnostic
from fastmcp_preflight.errors import UserError
from fastmcp_preflight.lsp.edits import UTF16, Document, Point, TextChange
from fastmcp_preflight.running.buffers import Buffer, ProjectLinter
from fastmcp_preflight.running.config import load_config
from fastmcp_preflight.running.pipeline import RunOptions

#: Seconds without a change before a changed document is linted.
DEBOUNCE = 0.3
FIX_ALL = "source.fixAll.fastmcp-lint"
SOURCE = "fastmcp-lint"
#: Files whose change means new settings.
CONFIG_NAMES = ("pyproject.toml",)

_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Linted:
    """The findings of one version of a document."""

    version: int | None
    text: str
    path: Path
    diagnostics: tuple[Diagnostic, ...]


class Linters:
    """The workspace's projects: one `ProjectLinter` per configuration, found from each
    file's folder, kept until the settings change."""

    def __init__(self) -> None:
        self._by_folder: dict[str, ProjectLinter] = {}
        self._by_config: dict[tuple[str, str], ProjectLinter] = {}

    def for_path(self, path: Path) -> ProjectLinter:
        """Raises UserError for a broken configuration."""
        folder = os.path.dirname(os.path.abspath(path))
        linter = self._by_folder.get(folder)
        if linter is None:
            config = load_config([path])
            key = (str(config.path), str(config.root))
            linter = self._by_config.get(key)
            if linter is None:
                linter = self._by_config[key] = ProjectLinter(RunOptions(paths=(path,)))
            self._by_folder[folder] = linter
        return linter

    def reload(self) -> None:
        self._by_folder.clear()
        self._by_config.clear()

    def forget(self, path: Path | None) -> None:
        for linter in self._by_config.values():
            linter.forget(path)


class Server:
    """The language server's state and handlers."""

    def __init__(self, debounce: float = DEBOUNCE) -> None:
        self.debounce = debounce
        self.ls = LanguageServer(SOURCE, __version__,
                                 text_document_sync_kind=types.TextDocumentSyncKind.Incremental)
        self.linters = Linters()
        self.worker = ThreadPoolExecutor(1, thread_name_prefix="fastmcp-lint")
        self.pending: dict[str, asyncio.Task[None]] = {}
        self.linted: dict[str, Linted] = {}
        #: Configuration errors already shown: once each, not on every keystroke.
        self.shown: set[str] = set()
        self._register()

    # -- the protocol -------------------------------------------------------------------

    def _register(self) -> None:
        ls = self.ls

        @ls.feature(types.INITIALIZE)
        def initialize(params: types.InitializeParams) -> None:
            # Paths are shown (and per-file ignores matched) relative to the workspace, as
            # a command line run from its root would.
            folders = params.workspace_folders or []
            root = folders[0].uri if folders else params.root_uri
            path = to_fs_path(root) if root else None
            if path and os.path.isdir(path):
                os.chdir(path)
            options = params.initialization_options
            if isinstance(options, dict) and isinstance(options.get("debounce"), (int, float)):
                self.debounce = max(float(options["debounce"]), 0.0)

        @ls.feature(types.INITIALIZED)
        async def initialized(params: types.InitializedParams) -> None:
            await self._watch_files()

        @ls.feature(types.TEXT_DOCUMENT_DID_OPEN)
        async def did_open(params: types.DidOpenTextDocumentParams) -> None:
            self.schedule(params.text_document.uri, 0.0)

        @ls.feature(types.TEXT_DOCUMENT_DID_CHANGE)
        async def did_change(params: types.DidChangeTextDocumentParams) -> None:
            self.schedule(params.text_document.uri, self.debounce)

        @ls.feature(types.TEXT_DOCUMENT_DID_SAVE)
        async def did_save(params: types.DidSaveTextDocumentParams) -> None:
            # The saved file is a fact of its project's other files: lint them all again.
            self.worker.submit(self.linters.forget, _path_of(params.text_document.uri))
            self.linted.clear()
            self.schedule_all(0.0)

        @ls.feature(types.TEXT_DOCUMENT_DID_CLOSE)
        async def did_close(params: types.DidCloseTextDocumentParams) -> None:
            uri = params.text_document.uri
            task = self.pending.pop(uri, None)
            if task is not None:
                task.cancel()
            self.linted.pop(uri, None)
            ls.text_document_publish_diagnostics(
                types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))

        @ls.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
        async def did_change_watched_files(params: types.DidChangeWatchedFilesParams) -> None:
            self.files_changed(params.changes)

        @ls.feature(types.TEXT_DOCUMENT_CODE_ACTION, types.CodeActionOptions(
            code_action_kinds=[types.CodeActionKind.QuickFix, FIX_ALL]))
        async def code_action(params: types.CodeActionParams) -> list[types.CodeAction]:
            return await self.code_actions(params)

    async def _watch_files(self) -> None:
        """Ask the client to report changes to settings and source files, when it can."""
        watched = getattr(getattr(self.ls.client_capabilities.workspace, "did_change_watched_files",
                                  None), "dynamic_registration", None)
        if not watched:
            return
        watchers = [types.FileSystemWatcher(glob_pattern=pattern)
                    for pattern in ("**/pyproject.toml", "**/*.py")]
        try:
            await self.ls.client_register_capability_async(types.RegistrationParams(
                registrations=[types.Registration(
                    id="fastmcp-lint-watched-files",
                    method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES,
                    register_options=types.DidChangeWatchedFilesRegistrationOptions(
                        watchers=watchers))]))
        except Exception as error:  # a client that refuses: settings are read on restart
            _log.info("the client did not register file watchers: %s", error)

    # -- linting ------------------------------------------------------------------------

    def schedule(self, uri: str, delay: float) -> None:
        """Lint the document after `delay` seconds, replacing a lint already waiting."""
        task = self.pending.pop(uri, None)
        if task is not None:
            task.cancel()
        self.pending[uri] = asyncio.get_running_loop().create_task(self._lint_later(uri, delay))

    def schedule_all(self, delay: float) -> None:
        for uri in list(self.ls.workspace.text_documents):
            self.schedule(uri, delay)

    def files_changed(self, changes: Sequence[types.FileEvent]) -> None:
        """Forget what changed; in the worker, which is the only thread using the linters,
        and before the lints scheduled next."""
        self.worker.submit(self._forget, changes)
        self.linted.clear()
        self.shown.clear()
        self.schedule_all(0.0)

    def _forget(self, changes: Sequence[types.FileEvent]) -> None:
        reload = False
        for change in changes:
            path = _path_of(change.uri)
            if path is None:
                continue
            if path.name in CONFIG_NAMES:
                reload = True
            elif change.type == types.FileChangeType.Changed:
                self.linters.forget(path)
            elif path.suffix == ".py" or change.type == types.FileChangeType.Deleted:
                self.linters.forget(None)  # the list of the project's files changed
        if reload:
            self.linters.reload()

    async def _lint_later(self, uri: str, delay: float) -> None:
        if delay:
            await asyncio.sleep(delay)
        linted = await self.lint(uri)
        if linted is None:
            return
        if self.pending.get(uri) is asyncio.current_task():
            del self.pending[uri]
        document = Document(linted.text, self.encoding)
        self.ls.text_document_publish_diagnostics(types.PublishDiagnosticsParams(
            uri=uri, version=linted.version,
            diagnostics=[_diagnostic(document, d) for d in linted.diagnostics]))

    async def lint(self, uri: str) -> Linted | None:
        """Lint the document as it is now (in the worker); None if it changed meanwhile,
        was closed, or is not a file."""
        if uri not in self.ls.workspace.text_documents:
            return None
        document = self.ls.workspace.get_text_document(uri)
        path = _path_of(uri)
        if path is None:
            return None
        version, text = document.version, document.source
        known = self.linted.get(uri)
        if known is not None and known.version == version and known.text == text:
            return known
        loop = asyncio.get_running_loop()
        try:
            diagnostics = await loop.run_in_executor(self.worker, self._lint_now, path, text)
        except UserError as error:
            if str(error) not in self.shown:
                self.shown.add(str(error))
                self.ls.window_show_message(types.ShowMessageParams(
                    type=types.MessageType.Error, message=f"fastmcp-lint: {error}"))
            diagnostics = ()
        if uri not in self.ls.workspace.text_documents:
            return None
        current = self.ls.workspace.get_text_document(uri)
        if current.version != version or current.source != text:
            return None
        linted = self.linted[uri] = Linted(version, text, path, diagnostics)
        return linted

    def _lint_now(self, path: Path, text: str) -> tuple[Diagnostic, ...]:
        """In the worker thread."""
        buffer = Buffer(path, text)
        run = self.linters.for_path(path).lint(buffer)
        display = buffer.display
        return tuple(d for d in run.result.diagnostics if d.path == display)

    def _fixed_now(self, path: Path, text: str) -> str:
        """In the worker thread: the text with every safe fix applied."""
        _, outcome = self.linters.for_path(path).fix(Buffer(path, text), ("safe",))
        return outcome.after

    @property
    def encoding(self) -> str:
        chosen: Any = self.ls.workspace.position_encoding
        return str(getattr(chosen, "value", chosen) or UTF16)

    # -- code actions -------------------------------------------------------------------

    async def code_actions(self, params: types.CodeActionParams) -> list[types.CodeAction]:
        uri = params.text_document.uri
        try:
            linted = await self.lint(uri)
        except UserError:
            return []
        if linted is None:
            return []
        document = Document(linted.text, self.encoding)
        only = params.context.only
        actions: list[types.CodeAction] = []
        if _wants(only, types.CodeActionKind.QuickFix):
            start = Point(params.range.start.line, params.range.start.character)
            end = Point(params.range.end.line, params.range.end.character)
            for d in linted.diagnostics:
                at, to = document.span(d)
                if _key(at) <= _key(end) and _key(start) <= _key(to):
                    actions.extend(self._quick_fixes(uri, document, d))
        fixable = any(d.fix is not None and d.fix.applicability == "safe"
                      for d in linted.diagnostics)
        if fixable and _wants(only, FIX_ALL):
            loop = asyncio.get_running_loop()
            fixed = await loop.run_in_executor(self.worker, self._fixed_now, linted.path,
                                               linted.text)
            change = document.replace_all(fixed)
            if change is not None:
                actions.append(types.CodeAction(
                    title="fastmcp-lint: fix all auto-fixable problems", kind=FIX_ALL,
                    edit=_workspace_edit(uri, [change])))
        return actions

    def _quick_fixes(self, uri: str, document: Document,
                     d: Diagnostic) -> list[types.CodeAction]:
        actions: list[types.CodeAction] = []
        shown = [_diagnostic(document, d)]
        if d.fix is not None:
            title = d.fix.description or f"Fix {d.code}"
            unsafe = d.fix.applicability != "safe"
            actions.append(types.CodeAction(
                title=f"{d.code}: {title}{' (unsafe)' if unsafe else ''}",
                kind=types.CodeActionKind.QuickFix, diagnostics=shown,
                is_preferred=not unsafe,
                edit=_workspace_edit(uri, document.fix_changes(d.fix.edits))))
        if d.code != "FML000":
            change = document.disable(d)
            if change is not None:
                actions.append(types.CodeAction(
                    title=f"Disable {d.code} for this line",
                    kind=types.CodeActionKind.QuickFix, diagnostics=shown,
                    edit=_workspace_edit(uri, [change])))
        return actions


def _key(point: Point) -> tuple[int, int]:
    return point.line, point.character


def _wants(only: Sequence[str] | None, kind: str) -> bool:
    """Whether a request limited to the kinds `only` asks for actions of `kind`."""
    return only is None or any(kind == k or kind.startswith(f"{k}.") for k in only)


def _path_of(uri: str) -> Path | None:
    path = to_fs_path(uri) if uri.startswith("file:") else None
    return Path(path) if path else None


def _position(point: Point) -> types.Position:
    return types.Position(line=point.line, character=point.character)


def _diagnostic(document: Document, d: Diagnostic) -> types.Diagnostic:
    start, end = document.span(d)
    severity = (types.DiagnosticSeverity.Error if d.severity == "error"
                else types.DiagnosticSeverity.Warning)
    return types.Diagnostic(
        range=types.Range(start=_position(start), end=_position(end)), message=d.message,
        severity=severity, code=d.code, source=SOURCE)


def _workspace_edit(uri: str, changes: Sequence[TextChange]) -> types.WorkspaceEdit:
    return types.WorkspaceEdit(changes={uri: [
        types.TextEdit(range=types.Range(start=_position(c.start), end=_position(c.end)),
                       new_text=c.text) for c in changes]})


def serve() -> int:
    """Serve on stdin/stdout until the client says exit."""
    Server().ls.start_io()
    return 0
