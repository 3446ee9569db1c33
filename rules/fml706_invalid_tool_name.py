"""FML706 invalid-tool-name."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import libcst as cst

from fastmcp_preflight.api import Invalid, Rule, Valid
from fastmcp_preflight.model.file_model import string_value

_OUTSIDE = re.compile(r"[^A-Za-z0-9_.\-]")


@dataclass(frozen=True)
class ToolNameOptions:
    """`[tool.fastmcp-lint.rules.FML706]`."""

    max_length: int = field(default=64, metadata={
        "help": "a longer tool name is reported (lower it for clients that prefix tool names "
                "with the server's name)"})


def _problem(name: str, max_length: int) -> str | None:
    """Why a tool name breaks clients, or None if it is fine."""
    problems = []
    if len(name) > max_length:
        problems.append(f"is {len(name)} characters long (clients cut names at {max_length})")
    bad = sorted(set(_OUTSIDE.findall(name)))
    if bad:
        shown = ", ".join(repr(c) for c in bad)
        problems.append(f"contains {shown}, outside the MCP tool-name alphabet "
                        "`A-Z a-z 0-9 _ - .`")
    return " and ".join(problems) or None


class InvalidToolName(Rule):
    """A tool name that MCP clients reject, rewrite or cut."""

    code = "FML706"
    name = "invalid-tool-name"
    severity = "warning"
    checklist = "(tool quality)"
    summary = "tool name is too long or has characters outside the MCP alphabet"
    what = (
        "Finds tools whose name is longer than 64 characters (the `max-length` option) or "
        "contains a character "
        "outside `A-Z a-z 0-9 _ - .` (the MCP specification's tool-name alphabet): spaces, "
        "`/`, `:`, non-ASCII letters. The name is the `name=` string of the registration "
        "(also the positional `@mcp.tool(\"name\")` form), else the function name; a "
        "computed `name=` is not checked. Only tools: resources are addressed by URI and "
        "prompt names are not held to the tool alphabet. Reported at the `name=` string, "
        "else at the function name; a function registered under several bad names is "
        "reported once for each."
    )
    why = (
        "MCP clients validate tool names against the specification's alphabet and length "
        "limit: some refuse the whole server's tool list, some drop or rename the tool, and "
        "many cut names at 64 characters, so two long names can become the same one. The "
        "model then cannot call the tool by the name the server knows."
    )
    instead = (
        "Use a short name of letters, digits, `_`, `-` and `.` (`search_notes`, "
        "`github.create-issue`), and put the human-readable wording in the description."
    )
    hint = "rename it with only `A-Z a-z 0-9 _ - .`, at most 64 characters"
    OPTIONS = ToolNameOptions
    #: Any module's function may be a tool that another module registers.
    needles = ("def ",)

    VALID = (
        Valid("from fastmcp import FastMCP\n\nmcp = FastMCP('x')\n\n"
              "@mcp.tool(name='github.create-issue_v2')\ndef create(title: str) -> str:\n"
              "    return title\n"),
        # Exactly 64 characters; a computed name is not checked.
        Valid("from fastmcp import FastMCP\n\nmcp = FastMCP('x')\n\n"
              f"@mcp.tool(name='{'a' * 64}')\ndef create(title: str) -> str:\n"
              "    return title\n\n@mcp.tool(name=PREFIX + ' search')\n"
              "def search(q: str) -> str:\n    return q\n"),
        # Resources and prompts are not tools; a local decorator named `tool` is not FastMCP's.
        Valid("from fastmcp import FastMCP\n\nmcp = FastMCP('x')\n\n"
              "@mcp.resource('notes://{key}', name='Note by key')\ndef note(key: str) -> str:\n"
              "    return key\n\n@mcp.prompt(name='Code review')\ndef review(code: str) -> str:\n"
              "    return code\n\ndef tool(name):\n    return lambda fn: fn\n\n"
              "@tool(name='not a tool')\ndef other() -> None:\n    pass\n"),
    )
    INVALID = (
        Invalid("from fastmcp import FastMCP\n\nmcp = FastMCP('x')\n\n"
                "@mcp.tool(name='search notes')\ndef search(q: str) -> str:\n    return q\n",
                at=((5, 16),)),
        Invalid("from mcp.server.fastmcp import FastMCP\n\nserver = FastMCP('x')\n\n"
                "@server.tool('files/read')\ndef read(path: str) -> str:\n    return path\n",
                at=((5, 14),)),
        Invalid("from fastmcp import FastMCP\n\nmcp = FastMCP('x')\n\n@mcp.tool\n"
                f"def {'fetch_' * 11}now(q: str) -> str:\n    return q\n\n"
                "def café(q: str) -> str:\n    return q\n\nmcp.tool(café)\n",
                at=((6, 5), (9, 5))),
        # A lower limit, for clients that prefix tool names with the server's name.
        Invalid("from fastmcp import FastMCP\n\nmcp = FastMCP('x')\n\n"
                "@mcp.tool(name='github.create-issue_v2')\ndef create(title: str) -> str:\n"
                "    return title\n", at=((5, 16),), options={"max-length": 20},
                message="is 22 characters long (clients cut names at 20)"),
    )

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        model = self.context.model
        if model.tool_of(node, elsewhere=True) is None:
            return
        seen: set[int] = set()
        for registration in model.registrations_of(node, elsewhere=True):
            if registration.kind != "tool":
                continue
            where: cst.CSTNode
            if registration.name is not None:
                text = string_value(registration.name)
                if text is None:
                    continue
                where = registration.name
            else:
                text, where = node.name.value, node.name
            problem = _problem(text, self.options(ToolNameOptions).max_length)
            if problem is None or id(where) in seen:
                continue
            seen.add(id(where))
            self.report(where, f"tool name `{text}` {problem}",
                        condition=model.tool_condition(registration, self.context.path,
                                                       "name"))
