"""Whether a sync tool function runs on the event loop, by the project's target versions.

Since FastMCP 3.0.0 (PR #2865) and the MCP SDK 2.0.0 a sync `def` tool runs in a worker
thread; before, it ran inline on the event loop, so a blocking call in it stalled every other
request just as in an `async def`. `@mcp.tool(run_in_thread=False)` (FastMCP 3.3+) opts back
in to running inline. The file rules (FML101/102) use this through
`FileContext.inline_sync_tool`; the project rules (FML105/106) through the file's facts
(`inline_tools`), which the project index reads.
"""

from __future__ import annotations

import libcst as cst
from packaging.version import Version

from fastmcp_preflight.model.file_model import FileModel, keyword
from fastmcp_preflight.project.versions import ProjectTargets

#: The first release of each package that runs sync tools in a worker thread.
THREADED_SINCE = {"fastmcp": Version("3.0.0"), "mcp": Version("2.0.0")}
_SDK_SERVERS = ("mcp.server.fastmcp", "mcp.server.mcpserver", "mcp.server.FastMCP",
                "mcp.server.MCPServer")


def inline_reason(model: FileModel, function: cst.CSTNode,
                  targets: ProjectTargets) -> str | None:
    """Why the sync tool `function` runs on the event loop, or None when it does not (or
    is no tool, or the project targets no version of its server's package)."""
    # Only the file's own registrations: a function another module may register would
    # need that module's answer, and a finding has one condition.
    registration = model.tool_of(function)
    if registration is None:
        return None
    site = registration.site
    if isinstance(site, cst.Decorator):
        site = site.decorator
    if isinstance(site, cst.Call):
        opt_out = keyword(site, "run_in_thread")
        if opt_out is not None and isinstance(opt_out.value, cst.Name) and (
                opt_out.value.value == "False"):
            return "it is registered with `run_in_thread=False`, so it runs on the event loop"
    package = _server_package(model)
    target = targets.version(package)
    if target is None or target >= THREADED_SINCE[package]:
        return None
    return (f"{package} {target} (the project's target) runs sync tools on the event loop; "
            f"only {package} {THREADED_SINCE[package].major}.0 and later run them in a "
            "worker thread")


def inline_tools(model: FileModel, module: str, targets: ProjectTargets
                 ) -> list[tuple[str, str]]:
    """(the index's qualified name, why) of each sync tool, resource or prompt function this
    file registers that runs on the event loop (see `inline_reason`), for the file's facts."""
    found: dict[str, str] = {}
    for registration in model.registrations:
        function = registration.function
        if (registration.kind == "route" or not isinstance(function, cst.FunctionDef)
                or function.asynchronous is not None):
            continue
        name = model.qualified_name(function)
        reason = None if name is None else inline_reason(model, function, targets)
        if name is not None and reason is not None:
            found.setdefault(f"{module}.{name}", reason)
    return sorted(found.items())


def _server_package(model: FileModel) -> str:
    """`mcp` when the file's servers come from the SDK, else `fastmcp`."""
    for scope in model.scopes.values():
        for bindings in scope.bindings.values():
            for binding in bindings:
                if binding.qualified is not None and binding.qualified.startswith(_SDK_SERVERS):
                    return "mcp"
    return "fastmcp"
