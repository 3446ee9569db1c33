"""The one table of FastMCP / MCP SDK changes (project/drift.py) that FML801/802/803 use.

Every entry that is reported has fixture cases (fixtures/rules/FML80x_*) for its old form (a
line marked `# old: <id>`), its new form (`# new: <id>`) and unrelated code that uses the same
names (`# unrelated: <id>`); the fixture tests check what each of those lines reports.
"""

from __future__ import annotations

import re
from pathlib import Path

from packaging.version import Version

from fastmcp_preflight.api import Diagnostic
from fastmcp_preflight.project.drift import CHANGES, by_id
from fastmcp_preflight.running.engine import lint_source
from fastmcp_preflight.running.results import Settings

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "rules"
MARKER = re.compile(r"#\s*(old|new|unrelated):\s*(?P<ids>[a-z0-9_\- ]+)")


def _markers() -> dict[str, set[str]]:
    found: dict[str, set[str]] = {"old": set(), "new": set(), "unrelated": set()}
    for path in FIXTURES.glob("FML80*/**/*.py"):
        for line in path.read_text(encoding="utf-8").splitlines():
            for match in MARKER.finditer(line):
                found[match.group(1)].update(match.group("ids").split())
    return found


def test_every_reported_entry_has_old_new_and_unrelated_fixture_cases() -> None:
    markers = _markers()
    known = set(by_id())
    for kind, ids in markers.items():
        assert ids <= known, f"`# {kind}:` markers name unknown entries: {sorted(ids - known)}"
    for change in CHANGES:
        if not change.reported:
            continue
        missing = [kind for kind, ids in markers.items() if change.id not in ids]
        assert not missing, f"{change.id} has no fixture case for: {', '.join(missing)}"


def test_entries_are_well_formed() -> None:
    assert len(by_id()) == len(CHANGES), "entry ids must be unique"
    for change in CHANGES:
        assert change.source, f"{change.id}: say where DRIFT.md checked it"
        assert change.new, change.id
        for version in (change.deprecated, change.removed):
            if version is not None:
                Version(version)
        if change.deprecated and change.removed:
            assert Version(change.deprecated) < Version(change.removed), change.id
        if change.fix == "move-import":
            assert change.kind == "import" and change.moved_to, change.id


def _lint(code: str, **options: str) -> list[Diagnostic]:
    from fastmcp_preflight.rules.fml801_removed_api import RemovedApi
    from fastmcp_preflight.rules.fml802_deprecated_api import DeprecatedApi

    return lint_source(code, [RemovedApi, DeprecatedApi], "server.py",
                       Settings(options=dict(options)))


def test_rows_without_versions_are_not_reported() -> None:
    # Transport names and the called `@mcp.tool()` decorator: docs-only or style-only rows.
    code = ("from fastmcp import FastMCP\n\nmcp = FastMCP('x')\n\n@mcp.tool()\n"
            "def ping() -> str:\n    return 'pong'\n\nmcp.run(transport='streamable-http')\n"
            "mcp.run(transport='sse')\n")
    assert _lint(code, **{"target-fastmcp": "4.1.6"}) == []


def test_the_status_follows_the_target() -> None:
    code = "from fastmcp import FastMCP\n\nmcp = FastMCP('x')\nmcp.import_server(FastMCP('y'))\n"
    assert [d.code for d in _lint(code, **{"target-fastmcp": "2.14"})] == []
    assert [d.code for d in _lint(code, **{"target-fastmcp": "3.0"})] == ["FML802"]
    assert [d.code for d in _lint(code, **{"target-fastmcp": "4.0"})] == ["FML801"]
    assert [d.code for d in _lint(code)] == []  # no target: silent


def test_messages_name_the_replacement_and_the_version() -> None:
    found = _lint("from mcp.server.fastmcp import FastMCP\n", **{"target-mcp": "2.3"})
    assert len(found) == 1
    assert "removed in mcp 2.0.0" in found[0].message
    assert "mcp.server.mcpserver" in found[0].message


def test_messages_give_instructions_as_they_are() -> None:
    # "use pass `host=` to ..." / "use nothing: ..." read badly: an instruction is kept as is.
    code = ("from mcp.server.mcpserver import MCPServer\n\nmcp = MCPServer('x', host='h')\n"
            "mcp.run()\n")
    messages = [d.message for d in _lint(code, **{"target-mcp": "2.3"})]
    assert messages and all("; pass `host=` to `run(...)`" in m for m in messages), messages
    code = ("from fastmcp import FastMCP\n\nmcp = FastMCP('x')\n"
            "mcp.mount(FastMCP('y'), tool_separator='/')\n")
    messages = [d.message for d in _lint(code, **{"target-fastmcp": "4.1.6"})]
    assert messages and all("; there is no replacement (names are always" in m
                            for m in messages), messages


def test_fixing_the_old_forms_leaves_valid_code_and_only_flag_only_findings() -> None:
    from fastmcp_preflight.rules.fml801_removed_api import RemovedApi

    from fastmcp_preflight.running.engine import fix_source

    settings = Settings(options={"target-fastmcp": "4.1.6", "target-mcp": "2.3.0"})
    for name in ("FML801_fastmcp4/server_v2.py", "FML801_sdk2/server_v1.py"):
        code = (FIXTURES / name).read_text(encoding="utf-8")
        fixed = fix_source(code, [RemovedApi], name.rsplit("/", 1)[1], settings=settings)
        assert fixed != code
        compile(fixed, name, "exec")
        left = lint_source(fixed, [RemovedApi], name.rsplit("/", 1)[1], settings)
        fixable = {c.id for c in CHANGES if c.fix}
        assert all(d.fix is None for d in left), [d.message for d in left if d.fix]
        assert left, "flag-only changes stay reported"
        assert fixable  # the table has mechanical fixes at all


def test_host_and_port_move_only_to_their_own_servers_http_run() -> None:
    from fastmcp_preflight.rules.fml801_removed_api import RemovedApi

    from fastmcp_preflight.running.engine import fix_source

    code = ("from fastmcp import FastMCP\n\nmcp = FastMCP(\n    'weather',  # the name\n"
            "    host='0.0.0.0',\n    port=8000,\n)\nother = FastMCP('a', host='h')\n\n"
            "if __name__ == '__main__':\n    mcp.run(\n        transport='http',\n    )\n")
    fixed = fix_source(code, [RemovedApi], settings=Settings(options={"target-fastmcp": "4.1"}))
    assert fixed == ("from fastmcp import FastMCP\n\nmcp = FastMCP(\n    'weather',  # the name\n"
                     ")\nother = FastMCP('a', host='h')\n\nif __name__ == '__main__':\n"
                     "    mcp.run(\n        transport='http', host='0.0.0.0', port=8000,\n    )\n")


def test_component_and_prompt_rows_never_apply_to_sdk_servers() -> None:
    # The SDK's decorators always returned the function, and its prompts accept dicts.
    code = ("from mcp.server.fastmcp import FastMCP\n\nmcp = FastMCP('x')\n\n@mcp.tool()\n"
            "def ping() -> str:\n    return 'pong'\n\n@mcp.prompt()\ndef ask() -> dict:\n"
            "    return {'role': 'user', 'content': 'hi'}\n\nprint(ping.name)\nping.enable()\n")
    assert _lint(code, **{"target-fastmcp": "4.1.6"}) == []


def test_task_true_is_silent_when_the_file_imports_the_tasks_extension() -> None:
    code = ("from fastmcp import FastMCP\n{}\nmcp = FastMCP('x')\n\n@mcp.tool(task=True)\n"
            "async def work() -> str:\n    return 'done'\n")
    found = _lint(code.format(""), **{"target-fastmcp": "4.1.6"})
    assert [(d.code, d.line) for d in found] == [("FML801", 5)]
    assert "TasksExtension" in found[0].message
    assert _lint(code.format("from fastmcp.utilities.tasks import TasksExtension"),
                 **{"target-fastmcp": "4.1.6"}) == []
    assert _lint(code.format(""), **{"target-fastmcp": "3.2"}) == []


def test_httpx_handlers_only_around_fastmcp_calls() -> None:
    code = ("import httpx\nfrom fastmcp import Client\n\nasync def run(url: str) -> None:\n"
            "    try:\n        {}\n    except (ValueError, httpx.ConnectError):\n        pass\n")
    inside = "async with Client(url) as c:\n            await c.ping()"
    found = _lint(code.format(inside), **{"target-fastmcp": "4.1.6"})
    assert [(d.code, d.line, d.column) for d in found] == [("FML801", 8, 25)]  # the httpx one
    assert _lint(code.format("await httpx.AsyncClient().get(url)"),
                 **{"target-fastmcp": "4.1.6"}) == []


def test_camel_case_fields_follow_the_package_the_file_uses() -> None:
    read = "\n\ndef error(result: object) -> object:\n    return result.isError\n"
    fastmcp = "from fastmcp import Client" + read
    sdk = "from mcp import ClientSession" + read
    both = {"target-fastmcp": "4.1.6", "target-mcp": "2.3"}
    assert [d.code for d in _lint(fastmcp, **both)] == ["FML802"]  # fastmcp 4's shim warns
    # A module of a fastmcp project that imports only `mcp.types` runs under the shim too.
    assert [d.code for d in _lint(sdk, **both)] == ["FML802"]
    assert [d.code for d in _lint(sdk, **{"target-mcp": "2.3"})] == ["FML801"]
    assert _lint(sdk, **{"target-mcp": "1.29"}) == []
    assert _lint("import json" + read, **both) == []


def test_httpx_factories_are_followed_without_recursing_forever() -> None:
    code = ("import httpx\nfrom fastmcp.client.transports import StreamableHttpTransport\n\n"
            "def factory(**kw):\n    return factory if kw else httpx.AsyncClient(**kw)\n\n"
            "def loop():\n    return loop\n\n"
            "a = StreamableHttpTransport('http://x', httpx_client_factory=factory)\n"
            "b = StreamableHttpTransport('http://x', httpx_client_factory=loop)\n")
    found = _lint(code, **{"target-fastmcp": "4.1.6"})
    assert [(d.code, d.line) for d in found] == [("FML801", 10)]


def test_httpx_handlers_around_own_httpx_requests_are_right() -> None:
    # fastmcp objects built in the `try` do not make it a fastmcp call; an httpx request
    # there makes the handler right; a parameter annotated with the client is a client.
    code = ("import httpx\nfrom fastmcp import Client\nfrom fastmcp.tools import ToolResult\n\n"
            "async def run(url: str, client: Client) -> object:\n    try:\n        {}\n"
            "    except httpx.HTTPError:\n        return None\n")
    four = {"target-fastmcp": "4.1.6"}
    built = "return ToolResult(content=(await httpx.AsyncClient().get(url)).text)"
    assert _lint(code.format(built), **four) == []
    both = "await httpx.get(url)\n        return await client.call_tool('x', {})"
    assert _lint(code.format(both), **four) == []
    only = "return await client.call_tool('x', {})"
    assert [(d.code, d.line) for d in _lint(code.format(only), **four)] == [("FML801", 8)]
