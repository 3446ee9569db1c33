"""FML710 breaking-tool-change."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from fastmcp_preflight.api import (
    FileFacts,
    Invalid,
    ProjectFinding,
    ProjectRule,
    Valid,
    breaking_changes,
)

_SERVER = "from fastmcp import FastMCP\n\nmcp = FastMCP('x')\n\n"
_SEARCH = ('@mcp.tool\ndef search(query: str, limit: int = 10) -> list[str]:\n'
           '    """Search the catalog."""\n    return [query]\n')


def _snapshot(**tools: dict[str, tuple[str, bool, str | None]]) -> dict[str, object]:
    return {"version": 1, "servers": {"server:mcp": {"prompts": {}, "resources": {}, "tools": {
        name: {"description": "Search the catalog.", "parameters": {
            p: {"type": t, "required": r, "default": d} for p, (t, r, d) in params.items()}}
        for name, params in tools.items()}}}}


_BASE = (("tool-baseline", _snapshot(search={"query": ("str", True, None),
                                             "limit": ("int", False, "10")})),)


class BreakingToolChange(ProjectRule):
    """A tool interface that changed incompatibly since the committed tool snapshot."""

    code = "FML710"
    name = "breaking-tool-change"
    severity = "error"
    checklist = "(tool quality)"
    summary = "tool interface changed incompatibly since the tool snapshot"
    what = (
        "A project rule, only with `--tool-baseline FILE` (a snapshot written by "
        "`--write-tool-baseline FILE`: every server's tools, resources and prompts with their "
        "descriptions and parameters, types, required-ness and defaults, as the model sees "
        "them). Reports a tool, resource or prompt of the snapshot that is gone, a parameter "
        "that was removed or renamed, a parameter that became required (or a new required "
        "one), and a parameter whose type narrowed (`int | None` to `int`, `str` to a "
        "`Literal`, a type added to an untyped parameter). Adding tools, optional parameters "
        "or wider types is compatible and not reported. Reported at the function name of the "
        "tool (for a removed tool, at the construction of its server); the message says what "
        "changed since the snapshot."
    )
    why = (
        "Clients pin tool names and arguments in code and prompts, and models learn them in "
        "long conversations: a renamed parameter or a removed tool turns every such call into "
        "a validation error. Nothing else in a pull request shows that the interface changed."
    )
    instead = (
        "Keep the old interface working (an optional parameter, an alias tool) or version it; "
        "when the break is intended, write the snapshot again with `--write-tool-baseline` "
        "in the same pull request, so the change is reviewed in its diff."
    )
    hint = "keep the old interface, or update the snapshot in the same change"

    VALID = (
        Valid(_SERVER + _SEARCH, settings=_BASE),
        # Compatible: a new optional parameter, a wider type, a new tool.
        Valid(_SERVER + '@mcp.tool\ndef search(query: str, limit: int | float = 10, '
              'page: int = 1) -> list[str]:\n    """Search the catalog."""\n    return []\n\n'
              '@mcp.tool\ndef ping() -> str:\n    """Ping."""\n    return "pong"\n',
              settings=_BASE),
        # Without a snapshot there is nothing to compare.
        Valid(_SERVER),
    )
    INVALID = (
        Invalid(_SERVER + '@mcp.tool\ndef search(text: str, limit: int = 10) -> list[str]:\n'
                '    """Search the catalog."""\n    return [text]\n', at=((6, 5),),
                settings=_BASE, message="parameter `query` was removed or renamed"),
        Invalid(_SERVER + '@mcp.tool\ndef search(query: str, limit: int, unit: str) -> list:\n'
                '    """Search the catalog."""\n    return [query]\n', at=((6, 5), (6, 5)),
                settings=_BASE, message="required"),
        Invalid(_SERVER + '@mcp.tool\ndef search(query: str, limit: bool = True) -> list:\n'
                '    """Search the catalog."""\n    return [query]\n', at=((6, 5),),
                settings=_BASE, message="narrowed from `int` to `bool`"),
        Invalid(_SERVER + '@mcp.tool\ndef ping() -> str:\n    """Ping."""\n    return "x"\n',
                at=((3, 7),), settings=_BASE, message="tool `search` of server `server:mcp` "
                "is gone"),
    )

    def check(self, files: Sequence[FileFacts]) -> Iterable[ProjectFinding]:
        baseline = getattr(files, "options", {}).get("tool-baseline")
        if not isinstance(baseline, dict):
            return
        for change in breaking_changes(baseline, files):
            yield ProjectFinding(change.path, change.location, change.message)
