"""The language server, driven by a real LSP client over stdio (`fastmcp-lint --lsp` run as
a subprocess by pytest-lsp's client): diagnostics, positions in the negotiated encoding,
quick fixes, fix-all, `# noqa`, reloading settings and project facts.

Edits the server sends are applied here by a helper that counts UTF-16/UTF-8 units on its
own, so a position the server converts wrongly shows up as wrongly applied text.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("pygls")
pytest_lsp = pytest.importorskip("pytest_lsp")

from lsprotocol import types  # noqa: E402

from fastmcp_preflight.api import Diagnostic  # noqa: E402
from fastmcp_preflight.lsp.edits import Document, units  # noqa: E402

# A finding after an emoji (two UTF-16 units, four UTF-8 bytes) and two CJK characters (one
# unit each, three bytes each) on the same line.
SERVER = '''\
import time
from fastmcp import FastMCP

mcp = FastMCP("demo")


@mcp.tool
async def slow() -> str:
    """Wait one second, then return the word ok to the caller."""
    label = "😀漢字"; time.sleep(1)
    return label
'''
FINDING_LINE = 9  # 0-based
FINDING_CHARACTERS = len('    label = "😀漢字"; ')  # code points: 20

HEALTH = '''\
from starlette.responses import PlainTextResponse

from pkg.server import mcp


@mcp.custom_route("/health", methods=["GET"])
async def health(request):
    return PlainTextResponse("ok")
'''

TIMEOUT = 60.0


def apply(text: str, edits: Sequence[types.TextEdit], encoding: str = "utf-16") -> str:
    """Apply LSP edits the way a client does, counting columns in `encoding`'s units."""
    lines = text.splitlines(keepends=True) or [""]
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))

    def offset(position: types.Position) -> int:
        if position.line >= len(lines):
            return len(text)
        line = lines[position.line].rstrip("\r\n")
        if encoding == "utf-8":
            data = line.encode("utf-8")[:position.character]
            return starts[position.line] + len(data.decode("utf-8"))
        data = line.encode("utf-16-le")[:2 * position.character]
        return starts[position.line] + len(data.decode("utf-16-le"))

    spans = sorted(((offset(e.range.start), offset(e.range.end), e.new_text) for e in edits),
                   reverse=True)
    for start, end, new in spans:
        text = text[:start] + new + text[end:]
    return text


class Session:
    """A client talking to `fastmcp-lint --lsp`, and the project it edits."""

    def __init__(self, client: Any, root: Path) -> None:
        self.client = client
        self.root = root
        self.versions: dict[str, int] = {}

    def uri(self, relative: str) -> str:
        return (self.root / relative).as_uri()

    def open(self, relative: str, text: str) -> str:
        uri = self.uri(relative)
        self.versions[uri] = 1
        self.client.text_document_did_open(types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(uri=uri, language_id="python", version=1,
                                                 text=text)))
        return uri

    def change(self, uri: str, text: str) -> None:
        self.versions[uri] += 1
        self.client.text_document_did_change(types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri,
                                                                version=self.versions[uri]),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)]))

    async def diagnostics(self, uri: str,
                          until: Callable[[list[types.Diagnostic]], bool] = lambda _: True,
                          ) -> list[types.Diagnostic]:
        """The document's diagnostics, once published ones satisfy `until`."""
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            found = self.client.diagnostics.get(uri)
            if found is not None and until(found):
                return list(found)
            await asyncio.sleep(0.05)
        raise AssertionError(f"no diagnostics as expected for {uri}: "
                             f"{self.client.diagnostics.get(uri)}")

    async def actions(self, uri: str, at: types.Range,
                      only: list[str] | None = None) -> list[types.CodeAction]:
        result = await self.client.text_document_code_action_async(types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri), range=at,
            context=types.CodeActionContext(diagnostics=[], only=only)))
        return [a for a in result or [] if isinstance(a, types.CodeAction)]


def run_session(root: Path, scenario: Callable[[Session], Awaitable[None]],
                encodings: list[str] | None = None, debounce: float = 0.2) -> Any:
    """Start the server in `root`, initialize it, run `scenario`, shut it down; return the
    initialize result."""

    async def main() -> Any:
        client = pytest_lsp.make_test_lsp_client()
        await client.start_io(sys.executable, "-m", "fastmcp_preflight", "--lsp", cwd=root)
        try:
            general = (types.GeneralClientCapabilities(position_encodings=encodings)
                       if encodings is not None else None)
            capabilities = types.ClientCapabilities(
                general=general,
                workspace=types.WorkspaceClientCapabilities(
                    did_change_watched_files=types.DidChangeWatchedFilesClientCapabilities(
                        dynamic_registration=True)))
            result = await client.initialize_session(types.InitializeParams(
                capabilities=capabilities, root_uri=root.as_uri(),
                initialization_options={"debounce": debounce}))
            await scenario(Session(client, root))
            await client.shutdown_session()
            return result
        finally:
            server = getattr(client, "_server", None)  # a failed scenario leaves it running
            if server is not None and server.returncode is None:
                server.kill()
            await client.stop()

    return asyncio.run(main())


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "demo"\n', encoding="utf-8")
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("", encoding="utf-8")
    (package / "server.py").write_text(SERVER, encoding="utf-8")
    return tmp_path


def codes(diagnostics: Sequence[types.Diagnostic]) -> set[str]:
    return {str(d.code) for d in diagnostics}


def finding(diagnostics: Sequence[types.Diagnostic], code: str) -> types.Diagnostic:
    return next(d for d in diagnostics if d.code == code)


@pytest.mark.slow
def test_diagnostics_quick_fix_and_noqa_in_utf16(project: Path) -> None:
    text = SERVER

    async def scenario(session: Session) -> None:
        nonlocal text
        uri = session.open("pkg/server.py", text)
        found = await session.diagnostics(uri, lambda ds: "FML101" in codes(ds))
        blocking = finding(found, "FML101")
        assert blocking.source == "fastmcp-lint"
        assert blocking.severity == types.DiagnosticSeverity.Error
        # UTF-16: the emoji is two units, each CJK character one.
        assert blocking.range.start == types.Position(line=FINDING_LINE,
                                                      character=FINDING_CHARACTERS + 1)
        assert blocking.range.end == types.Position(
            line=FINDING_LINE, character=FINDING_CHARACTERS + 1 + len("time.sleep(1)"))
        assert "FML401" in codes(found)  # a project rule, from the files on disk

        actions = await session.actions(uri, blocking.range)
        titles = [a.title for a in actions]
        fix = next(a for a in actions if a.title.startswith("FML101:"))
        assert fix.kind == types.CodeActionKind.QuickFix and fix.is_preferred
        assert fix.edit is not None and fix.edit.changes is not None
        edits = fix.edit.changes[uri]
        fixed = apply(text, edits)
        assert '    label = "😀漢字"; await asyncio.sleep(1)\n' in fixed
        # The fix drops the `import time` it leaves unused.
        assert fixed.startswith("import asyncio\nfrom fastmcp import FastMCP\n")
        # Minimal: the call's edit replaces only what differs, not the line.
        call = next(e for e in edits if e.range.start.line == FINDING_LINE)
        assert call.new_text == "await asyncio"
        assert call.range.end.character == FINDING_CHARACTERS + 1 + len("time")
        assert "Disable FML101 for this line" in titles

        disable = next(a for a in actions if a.title == "Disable FML101 for this line")
        assert disable.edit is not None and disable.edit.changes is not None
        text = apply(text, disable.edit.changes[uri])
        assert '    label = "😀漢字"; time.sleep(1)  # noqa: FML101\n' in text
        session.change(uri, text)
        found = await session.diagnostics(uri, lambda ds: "FML101" not in codes(ds))
        assert "FML401" in codes(found)

        # A second code joins the same comment.
        health = finding(found, "FML401")
        extend = next(a for a in await session.actions(uri, health.range)
                      if a.title == "Disable FML401 for this line")
        assert extend.edit is not None and extend.edit.changes is not None
        assert apply(text, extend.edit.changes[uri]).splitlines()[3] == (
            'mcp = FastMCP("demo")  # noqa: FML401')

    result = run_session(project, scenario)
    assert result.capabilities.position_encoding in (None, types.PositionEncodingKind.Utf16)


@pytest.mark.slow
def test_positions_follow_a_negotiated_utf8_encoding(project: Path) -> None:
    async def scenario(session: Session) -> None:
        uri = session.open("pkg/server.py", SERVER)
        found = await session.diagnostics(uri, lambda ds: "FML101" in codes(ds))
        blocking = finding(found, "FML101")
        prefix = '    label = "😀漢字"; '
        assert blocking.range.start.character == len(prefix.encode("utf-8"))
        fix = next(a for a in await session.actions(uri, blocking.range)
                   if a.title.startswith("FML101:"))
        assert fix.edit is not None and fix.edit.changes is not None
        fixed = apply(SERVER, fix.edit.changes[uri], encoding="utf-8")
        assert f"{prefix}await asyncio.sleep(1)\n" in fixed

    result = run_session(project, scenario, encodings=["utf-8", "utf-16"])
    assert result.capabilities.position_encoding == types.PositionEncodingKind.Utf8


@pytest.mark.slow
def test_fix_all_settings_reload_and_project_facts(project: Path) -> None:
    async def scenario(session: Session) -> None:
        uri = session.open("pkg/server.py", SERVER)
        found = await session.diagnostics(uri, lambda ds: "FML101" in codes(ds))

        everything = types.Range(start=types.Position(line=0, character=0),
                                 end=types.Position(line=0, character=0))
        actions = await session.actions(uri, everything, only=[types.CodeActionKind.SourceFixAll])
        assert [a.kind for a in actions] == ["source.fixAll.fastmcp-lint"]
        assert actions[0].edit is not None and actions[0].edit.changes is not None
        fixed = apply(SERVER, actions[0].edit.changes[uri])
        cli = subprocess.run([sys.executable, "-m", "fastmcp_preflight", "-", "--fix",
                              "--stdin-filename", "pkg/server.py"], cwd=session.root,
                             input=SERVER, capture_output=True, text=True, encoding="utf-8",
                             timeout=120)
        assert fixed == cli.stdout
        assert len(actions[0].edit.changes[uri]) == 1

        # A health route appears in a new file: FML401 (a project rule) goes away.
        (session.root / "pkg" / "health.py").write_text(HEALTH, encoding="utf-8")
        session.client.workspace_did_change_watched_files(types.DidChangeWatchedFilesParams(
            changes=[types.FileEvent(uri=session.uri("pkg/health.py"),
                                     type=types.FileChangeType.Created)]))
        found = await session.diagnostics(uri, lambda ds: "FML401" not in codes(ds))
        assert "FML101" in codes(found)

        # The settings change: FML101 is ignored from now on.
        (session.root / "pyproject.toml").write_text(
            '[project]\nname = "demo"\n\n[tool.fastmcp-lint]\nignore = ["FML101"]\n',
            encoding="utf-8")
        session.client.workspace_did_change_watched_files(types.DidChangeWatchedFilesParams(
            changes=[types.FileEvent(uri=session.uri("pyproject.toml"),
                                     type=types.FileChangeType.Changed)]))
        await session.diagnostics(uri, lambda ds: "FML101" not in codes(ds))

    run_session(project, scenario)


@pytest.mark.slow
def test_typing_is_debounced_and_the_latest_text_wins(project: Path) -> None:
    async def scenario(session: Session) -> None:
        uri = session.open("pkg/server.py", SERVER)
        await session.diagnostics(uri, lambda ds: "FML101" in codes(ds))
        # Many quick changes: only the last text's findings are published.
        for count in range(5):
            session.change(uri, SERVER.replace("time.sleep(1)", f"time.sleep({count})"))
        session.change(uri, SERVER.replace("time.sleep(1)", "pass"))
        found = await session.diagnostics(uri, lambda ds: "FML101" not in codes(ds))
        assert "FML401" in codes(found)
        # Closing the document clears its diagnostics.
        session.client.text_document_did_close(types.DidCloseTextDocumentParams(
            text_document=types.TextDocumentIdentifier(uri=uri)))
        await session.diagnostics(uri, lambda ds: len(ds) == 0)

    run_session(project, scenario, debounce=0.5)


@pytest.mark.slow
def test_a_broken_config_is_shown_once_and_a_fixed_one_is_read(project: Path) -> None:
    (project / "pyproject.toml").write_text(
        '[project]\nname = "demo"\n\n[tool.fastmcp-lint]\nselect = 3\n', encoding="utf-8")

    async def scenario(session: Session) -> None:
        uri = session.open("pkg/server.py", SERVER)
        await session.diagnostics(uri, lambda ds: len(ds) == 0)
        session.change(uri, SERVER + "\n")
        session.change(uri, SERVER + "\n\n")
        await asyncio.sleep(1.5)
        errors = [m for m in session.client.messages if m.type == types.MessageType.Error]
        assert len(errors) == 1 and "select" in errors[0].message
        (project / "pyproject.toml").write_text('[project]\nname = "demo"\n', encoding="utf-8")
        session.client.workspace_did_change_watched_files(types.DidChangeWatchedFilesParams(
            changes=[types.FileEvent(uri=session.uri("pyproject.toml"),
                                     type=types.FileChangeType.Changed)]))
        await session.diagnostics(uri, lambda ds: "FML101" in codes(ds))

    run_session(project, scenario)


# -- the conversions, on their own ---------------------------------------------------------


def _diagnostic(line: int, column: int, end_column: int, code: str = "FML101") -> Diagnostic:
    return Diagnostic(code, "blocking-sleep-in-async", "error", "m", "x.py", line, column,
                      line, end_column)


def test_units_per_encoding() -> None:
    assert [units("a😀漢", e) for e in ("utf-16", "utf-8", "utf-32")] == [4, 8, 3]


def test_positions_convert_and_round_trip() -> None:
    document = Document('x = "😀"\r\ny = "漢"; z\n', "utf-16")
    start, end = document.span(_diagnostic(1, 6, 7))  # the emoji: two UTF-16 units
    assert (start.line, start.character, end.character) == (0, 5, 7)
    assert document.offset(start) == 5 and document.offset(end) == 6
    start, end = document.span(_diagnostic(2, 10, 11))  # z, after a CJK character
    assert (start.line, start.character, end.character) == (1, 9, 10)
    assert document.offset(start) == document.text.index("z")
    assert Document(document.text, "utf-8").span(_diagnostic(2, 10, 11))[0].character == 11


def test_disable_adds_a_noqa_or_extends_one() -> None:
    document = Document("a = 1\nb = 2  # noqa: FML401 why\n")
    added = document.disable(_diagnostic(1, 1, 2))
    assert added is not None and added.text == "  # noqa: FML101"
    assert (added.start.line, added.start.character) == (0, 5)
    extended = document.disable(_diagnostic(2, 1, 2))
    assert extended is not None and extended.text == ", FML101"
    assert extended.start.character == len("b = 2  # noqa: FML401")
    assert Document("a = 1  # noqa\n").disable(_diagnostic(1, 1, 2)) is None


def test_disable_is_not_offered_inside_a_multiline_string() -> None:
    document = Document('x = f("""\n{y}\n""")\n')
    assert document.disable(_diagnostic(2, 2, 3)) is None
