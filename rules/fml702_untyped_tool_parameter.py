"""FML702 untyped-tool-parameter."""

from __future__ import annotations

import libcst as cst

from fastmcp_preflight.api import Invalid, Rule, Valid
from fastmcp_preflight.model.file_model import CONTEXT_NAMES


class UntypedToolParameter(Rule):
    """A tool parameter with no type annotation: its schema accepts anything."""

    code = "FML702"
    name = "untyped-tool-parameter"
    severity = "warning"
    checklist = "(tool quality)"
    summary = "tool parameter has no type annotation"
    what = (
        "Finds parameters of tool, resource and prompt functions that have no type "
        "annotation. Not reported: `self` and `cls`; the first parameter of a method "
        "registered through an instance or class (`server.add_tool(obj.method)`, a decorated "
        "method) unless it is a `@staticmethod`; a FastMCP Context parameter, which needs no "
        "annotation when it is named `ctx` or `context` and defaults to `CurrentContext()`; and "
        "any parameter whose default is a FastMCP dependency imported from "
        "`fastmcp.dependencies` / `fastmcp.server.dependencies` (`Depends(...)`, "
        "`CurrentContext()`, ...), which FastMCP injects and leaves out of the schema; and "
        "a parameter named in the registration's `exclude_args=[...]`. "
        "`*args` and `**kwargs` are not checked: FastMCP refuses to register such functions "
        "at all. Reported at the parameter."
    )
    why = (
        "FastMCP builds the tool's JSON schema from the annotations. An unannotated parameter "
        "becomes a schema that accepts anything, so the model gets no hint of what to send "
        "and FastMCP validates nothing: a number arrives as a string, a list as a dict, and "
        "the tool fails (or misbehaves) at run time."
    )
    instead = (
        "Annotate every parameter (`query: str`, `limit: int = 10`, "
        "`tags: list[str] | None = None`), and `ctx: Context` for the FastMCP context; use "
        "`Annotated[int, Field(ge=1, description=...)]` for constraints."
    )
    hint = "add a type annotation (`name: str`, `ctx: Context`)"
    #: Any module's function may be a tool that another module registers.
    needles = ("def ",)

    VALID = (
        Valid("from fastmcp import FastMCP, Context\n\nmcp = FastMCP('x')\n\n@mcp.tool\n"
              "async def search(query: str, limit: int = 10, ctx: Context = None) -> str:\n"
              "    \"\"\"Search.\"\"\"\n    return query\n"),
        Valid("from fastmcp import FastMCP\nfrom fastmcp.dependencies import CurrentContext\n\n"
              "mcp = FastMCP('x')\n\n@mcp.tool\nasync def search(query: str, "
              "ctx=CurrentContext()) -> str:\n    return query\n"),
        Valid("from fastmcp import FastMCP\nfrom fastmcp.dependencies import Depends\n\n"
              "mcp = FastMCP('x')\n\ndef get_db():\n    return None\n\n@mcp.tool\n"
              "def count(table: str, db=Depends(get_db)) -> int:\n    return 0\n"),
        # Not tools: a helper, a nested def and a lambda inside a tool.
        Valid("from fastmcp import FastMCP\n\nmcp = FastMCP('x')\n\ndef helper(a, b):\n"
              "    return a\n\n@mcp.tool\ndef total(values: list[int]) -> int:\n"
              "    def add(x, y):\n        return x + y\n    key = lambda v: v\n"
              "    return sum(sorted(values, key=key))\n"),
        Valid("from fastmcp import FastMCP\n\nmcp = FastMCP('x')\n\nclass Tools:\n"
              "    def search(self, query: str) -> str:\n        return query\n\n"
              "    @classmethod\n    def ping(cls, host: str) -> str:\n        return host\n\n"
              "tools = Tools()\nmcp.add_tool(tools.search)\nmcp.add_tool(Tools.ping)\n"),
        Valid("from fastmcp import FastMCP\n\nmcp = FastMCP('x')\n\nclass Tools:\n"
              "    def search(me, query: str) -> str:\n        return query\n\n"
              "mcp.add_tool(Tools().search)\n"),
        Valid("from mcp.server.fastmcp import FastMCP as Server\n\nserver = Server('x')\n\n"
              "@server.resource('notes://{key}')\ndef note(key: 'str') -> str:\n"
              "    return key\n"),
        # Left out of the schema by `exclude_args`.
        Valid("from fastmcp import FastMCP\n\nmcp = FastMCP('x')\n\n"
              "@mcp.tool(exclude_args=['state'])\ndef run(job: str, state=None) -> str:\n"
              "    return job\n"),
        Valid("def tool(fn):\n    return fn\n\n@tool\ndef add(a, b):\n    return a + b\n"),
        Valid("from fastmcp import FastMCP\n\nmcp = FastMCP('x')\n\n"
              "if __name__ == '__main__':\n    def debug(a):\n        return a\n"
              "    mcp.run()\n"),
    )
    INVALID = (
        Invalid("from fastmcp import FastMCP\n\nmcp = FastMCP('x')\n\n@mcp.tool\n"
                "def add(a, b: int, c=3) -> int:\n    return a + b + c\n",
                at=((6, 9), (6, 20))),
        Invalid("from fastmcp import FastMCP\n\nmcp = FastMCP('x')\n\n@mcp.tool()\n"
                "async def search(query: str, *, limit, ctx) -> str:\n    return query\n",
                at=((6, 33), (6, 40))),
        Invalid("from fastmcp import FastMCP\n\nmcp = FastMCP('x')\n\nclass Tools:\n"
                "    @staticmethod\n    def echo(text):\n        return text\n\n"
                "mcp.add_tool(Tools.echo)\n", at=((7, 14),)),
        Invalid("from fastmcp import FastMCP\n\n\ndef build() -> FastMCP:\n"
                "    server = FastMCP('x')\n\n    def lookup(key, /, default: str = '') -> str:\n"
                "        return key\n\n    server.tool(lookup)\n    return server\n",
                at=((7, 16),)),
        Invalid("from fastmcp import FastMCP\n\nmcp = FastMCP('x')\n\n"
                "@mcp.prompt\ndef review(code, context=None) -> str:\n    return code\n",
                at=((6, 12), (6, 18))),
        Invalid("from fastmcp import FastMCP\n\nmcp = FastMCP('x')\n\nclass Tools:\n"
                "    def search(self, query):\n        return query\n\n"
                "mcp.add_tool(Tools().search)\n", at=((6, 22),)),
    )

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        registration = self.context.model.tool_of(node, elsewhere=True)
        if registration is None:
            return
        for param in self.context.model.schema_parameters(registration):
            if param.annotation is not None:
                continue
            name = param.name.value
            message = (f"parameter `{name}` of {registration.kind} `{node.name.value}` has no "
                       "type annotation: its JSON schema accepts any value")
            if name in CONTEXT_NAMES:
                message += " (annotate it `Context` if it is the FastMCP context)"
            self.report(param, message, condition=self.context.model.tool_condition(
                registration, self.context.path))
