"""FML707 duplicate-tool-name."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from fastmcp_preflight.api import FileFacts, Invalid, Location, ProjectFinding, ProjectRule, Valid

_WHAT = {"tool": "tool name", "resource": "resource URI", "prompt": "prompt name"}


def _dotted_path(path: str) -> str:
    """`src/kb/app.py` -> `src.kb.app`; `kb/__init__.py` -> `kb`."""
    stem = path.replace("\\", "/").removesuffix(".py").removesuffix("/__init__")
    return ".".join(part for part in stem.split("/") if part and part != ".")


def _shared_prefix(a: str, b: str) -> int:
    count = 0
    for x, y in zip(a.split("/"), b.split("/"), strict=False):
        if x != y:
            break
        count += 1
    return count


class _Modules:
    """Which file of the project a module name means, as seen from an importing file."""

    def __init__(self, files: Sequence[FileFacts]) -> None:
        self.by_module: dict[str, list[str]] = {}
        for f in files:
            if f.module:
                self.by_module.setdefault(f.module, []).append(f.path)
        self.paths = sorted(f.path for f in files)

    def file_of(self, module: str, importer: FileFacts) -> str:
        if module in (importer.module, importer.path):
            return importer.path
        candidates = self.by_module.get(module) or [
            path for path in self.paths
            if (dotted := _dotted_path(path)) == module or dotted.endswith("." + module)]
        if not candidates:
            return f"module {module}"  # not in the project's files: known by name only
        # Two files with one module name (scripts in separate folders): the nearer one.
        return min(sorted(candidates), key=lambda path: -_shared_prefix(path, importer.path))


class DuplicateToolName(ProjectRule):
    """Two tools (resources, prompts) with one name (URI) on one server."""

    code = "FML707"
    name = "duplicate-tool-name"
    severity = "error"
    checklist = "(tool quality)"
    summary = "two tools, resources or prompts share a name on the same server"
    what = (
        "A project rule: finds two tools with the same name, two resources (or resource "
        "templates) with the same URI, or two prompts with the same name, registered on the "
        "same server object. The name is the `name=` string of the registration, else the "
        "function name; registrations whose name, URI or server is computed are not "
        "compared. The same server object: a name bound at module level in module `M` is "
        "`M:name`, and a module that imports it (`from M import name`, `from .M import name`, "
        "`import M` then `M.name`) registers on that same object; a server local to a "
        "function (a factory, a `register(mcp)` parameter) is only itself, and `self.mcp` "
        "is one object per class. When two files have the same module name (scripts in "
        "separate folders), an import means the one nearer the importing file. Versioned "
        "components (`@mcp.tool(version=\"2.0\")`, FastMCP 3) are one per name and version: "
        "two different versions of a name do not collide, the same version twice does, and "
        "so does a versioned and an unversioned one (FastMCP refuses to mix them); a computed "
        "`version=` is not compared. Registrations in different branches of one `if` "
        "(`if FEATURE: ... else: ...`) never both run and are not compared; a server name "
        "that is bound more than once in its scope is not followed. The same "
        "function registered twice under one name is not reported. Reported at the later "
        "registration's function name (later by path, then line); the message gives the "
        "path and line of the first one."
    )
    why = (
        "A server keeps one tool per name. The second registration replaces the first "
        "(FastMCP logs a warning, or raises with `on_duplicate_tools=\"error\"`): one of the "
        "two functions silently never runs, and which one depends on import order. It "
        "usually means a copy-pasted tool, or two tool modules that grew the same helper."
    )
    instead = (
        "Give each tool, resource and prompt a unique name (`name=\"search_issues\"`, "
        "`name=\"search_docs\"`), or remove the stale copy."
    )
    hint = "rename one of them (`name=...`) or remove the duplicate"

    VALID = (
        Valid("from fastmcp import FastMCP\n\nmcp = FastMCP('x')\n\n@mcp.tool\n"
              "def search(q: str) -> str:\n    return q\n\n@mcp.tool(name='search_docs')\n"
              "def search_docs(q: str) -> str:\n    return q\n\n"
              "@mcp.prompt(name='search')\ndef search_prompt(q: str) -> str:\n    return q\n\n"
              "@mcp.resource('data://search')\ndef search_data() -> str:\n    return ''\n"),
        # Two servers, and two factories that each build their own.
        Valid("from fastmcp import FastMCP\n\none = FastMCP('a')\ntwo = FastMCP('b')\n\n"
              "@one.tool\ndef ping() -> str:\n    return 'a'\n\n@two.tool(name='ping')\n"
              "def ping_b() -> str:\n    return 'b'\n\n\ndef build() -> FastMCP:\n"
              "    server = FastMCP('c')\n\n    @server.tool\n    def ping() -> str:\n"
              "        return 'c'\n    return server\n"),
        # Alternatives in the branches of one `if`; a name rebound to a new server.
        Valid("import os\n\nfrom fastmcp import FastMCP\n\nmcp = FastMCP('x')\n\n"
              "if os.environ.get('FAST'):\n    @mcp.tool\n    def search(q: str) -> str:\n"
              "        return q\nelif os.environ.get('SLOW'):\n    @mcp.tool(name='search')\n"
              "    def slow_search(q: str) -> str:\n        return q\nelse:\n"
              "    def plain(q: str) -> str:\n        return q\n\n"
              "    mcp.tool(plain, name='search')\n\n\n"
              "def test_two_servers() -> None:\n    mcp = FastMCP('a')\n\n    @mcp.tool\n"
              "    def ping() -> str:\n        return 'a'\n\n    mcp = FastMCP('b')\n\n"
              "    @mcp.tool\n    def ping() -> str:\n        return 'b'\n"),
        # Versions of one tool.
        Valid("from fastmcp import FastMCP\n\nmcp = FastMCP('x')\n\n@mcp.tool(version='1.0')\n"
              "def charge(amount: int) -> str:\n    return 'v1'\n\n"
              "@mcp.tool(name='charge', version=2)\ndef charge_v2(amount: int) -> str:\n"
              "    return 'v2'\n"),
        # One function registered twice under one name; a computed name.
        Valid("from fastmcp import FastMCP\n\nmcp = FastMCP('x')\n\n"
              "def ping() -> str:\n    return 'a'\n\nmcp.tool(ping)\nmcp.tool(ping)\n\n"
              "@mcp.tool(name=PREFIX + 'ping')\ndef other() -> str:\n    return 'b'\n"),
    )
    INVALID = (
        Invalid("from fastmcp import FastMCP\n\nmcp = FastMCP('x')\n\n@mcp.tool\n"
                "def search(q: str) -> str:\n    return q\n\n@mcp.tool(name='search')\n"
                "def search_v2(q: str) -> str:\n    return q\n", at=((10, 5),)),
        Invalid("from mcp.server.fastmcp import FastMCP\n\nserver = FastMCP('x')\n\n"
                "@server.resource('notes://{key}')\ndef note(key: str) -> str:\n"
                "    return key\n\n@server.resource('notes://{key}')\n"
                "def note_again(key: str) -> str:\n    return key\n\n"
                "@server.prompt()\ndef plan() -> str:\n    return ''\n\n"
                "@server.prompt(name='plan')\ndef plan2() -> str:\n    return ''\n",
                at=((10, 5), (18, 5))),
        Invalid("from fastmcp import FastMCP\n\n\ndef register(mcp: FastMCP) -> None:\n"
                "    @mcp.tool\n    def ping() -> str:\n        return 'a'\n\n"
                "    def pong() -> str:\n        return 'b'\n\n"
                "    mcp.tool(pong, name='ping')\n", at=((9, 9),)),
        # The same version twice, and an unversioned tool next to a versioned one.
        Invalid("from fastmcp import FastMCP\n\nmcp = FastMCP('x')\n\n@mcp.tool(version='1.0')\n"
                "def charge(amount: int) -> str:\n    return 'a'\n\n"
                "@mcp.tool(name='charge', version='1.0')\ndef charge_again(amount: int) -> str:\n"
                "    return 'b'\n\n@mcp.tool(name='charge')\n"
                "def charge_plain(amount: int) -> str:\n    return 'c'\n", at=((10, 5), (14, 5))),
        # Nested `if`s: the same branch of the outer one, or after it, still collide.
        Invalid("from fastmcp import FastMCP\n\nmcp = FastMCP('x')\n\nif DEBUG:\n"
                "    @mcp.tool\n    def dump() -> str:\n        return 'a'\n\n"
                "    if VERBOSE:\n        @mcp.tool(name='dump')\n"
                "        def dump_all() -> str:\n            return 'b'\n\n"
                "@mcp.tool(name='dump')\ndef dump_later() -> str:\n    return 'c'\n",
                at=((12, 13), (16, 5))),
    )

    def check(self, files: Sequence[FileFacts]) -> Iterable[ProjectFinding]:
        modules = _Modules(files)
        #: (kind, name, server's file, server) -> position -> (version, branches, location)
        groups: dict[tuple[str, str, str, str], dict[
            tuple[str, int, int], tuple[str, tuple[tuple[int, bool], ...], Location]]] = {}
        for f in files:
            for registration in f.registrations:
                owner, _, server = registration.server.rpartition(":")
                key = (registration.kind, registration.name, modules.file_of(owner, f), server)
                at = (f.path, registration.location.line, registration.location.column)
                groups.setdefault(key, {})[at] = (registration.version, registration.branches,
                                                  registration.location)
        for (kind, name, _, _), sites in groups.items():
            ordered = sorted(sites.items())
            for index, (at, (version, branches, location)) in enumerate(ordered):
                earlier = next((where for where, (other, other_branches, _) in ordered[:index]
                                if _collide(other, version) and not (
                                    where[0] == at[0] and _exclusive(other_branches, branches))),
                               None)
                if earlier is None:
                    continue
                yield ProjectFinding(
                    at[0], location,
                    f"{_WHAT.get(kind, kind)} `{name}`{_versions(version)} is already "
                    f"registered on this server at {earlier[0]}:{earlier[1]}: one of the two "
                    "replaces the other at start-up")


def _collide(first: str, second: str) -> bool:
    """Two versions of one name collide unless both are given and differ (FastMCP keeps
    each version, and refuses to mix versioned and unversioned components of a name)."""
    return not (first and second and first != second)


def _exclusive(first: tuple[tuple[int, bool], ...],
               second: tuple[tuple[int, bool], ...]) -> bool:
    """In different branches of one `if` (of one file): only one of the two runs."""
    taken = dict(first)
    return any(index in taken and taken[index] != orelse for index, orelse in second)


def _versions(version: str) -> str:
    return f" (version {version})" if version else ""
