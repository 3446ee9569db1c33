"""FML703 mutable-default-in-tool."""

from __future__ import annotations

import libcst as cst

from fastmcp_lint.api import FileContext, Fix, Invalid, Rule, Valid

_MUTABLE_DEFAULTS = (cst.List, cst.Dict, cst.Set, cst.ListComp, cst.DictComp, cst.SetComp)
_KIND = {cst.List: "list", cst.ListComp: "list", cst.Dict: "dict", cst.DictComp: "dict",
         cst.Set: "set", cst.SetComp: "set"}


def _is_docstring(statement: cst.BaseStatement) -> bool:
    if not isinstance(statement, cst.SimpleStatementLine):
        return False
    first = statement.body[0]
    return isinstance(first, cst.Expr) and isinstance(
        first.value, (cst.SimpleString, cst.ConcatenatedString))


def _builder(name: str, default: cst.BaseExpression, unit: str | None) -> cst.If:
    """`if name is None:\\n    name = <default>`."""
    return cst.If(
        test=cst.Comparison(
            left=cst.Name(name),
            comparisons=[cst.ComparisonTarget(operator=cst.Is(), comparator=cst.Name("None"))],
        ),
        body=cst.IndentedBlock(
            body=[cst.SimpleStatementLine(
                body=[cst.Assign(targets=[cst.AssignTarget(cst.Name(name))], value=default)])],
            indent=unit,
        ),
    )


class MutableDefaultInTool(Rule):
    """A tool parameter defaulting to a list, dict or set shared by every call."""

    code = "FML703"
    name = "mutable-default-in-tool"
    severity = "warning"
    checklist = "no global mutable state"
    summary = "tool parameter has a mutable default"
    what = (
        "Finds parameters of tool, resource and prompt functions whose default value is a "
        "list, dict or set display (`[]`, `{}`, `{1}`, `[1, 2]`) or comprehension. Other "
        "defaults (`None`, tuples, `frozenset()`, `Field(default_factory=list)`, calls such "
        "as `list()`) are not reported. Reported at the default value."
    )
    why = (
        "A default is evaluated once, when the function is defined, and the same object is "
        "then shared by every call that omits the argument: from every client, every session, "
        "concurrently. A tool that appends to or updates it leaks one request's data into "
        "the next and grows without bound; the schema also advertises that shared object "
        "as the default."
    )
    instead = (
        "Default to `None` and build the container in the body (`if tags is None: tags = []`), "
        "or use `Annotated[list[str], Field(default_factory=list)]`."
    )
    hint = "default to `None` and build the container in the body"
    fix_safety = (
        "Unsafe: the default becomes `None` and the first statement of the body (after the "
        "docstring) builds the container (`if tags is None:` / `tags = []`). This changes the "
        "tool's JSON schema (the default is now `null`) and a caller passing an explicit "
        "`None` now gets the container; the annotation is left as it is. A comprehension "
        "default is now evaluated in the function instead of the enclosing scope. When a "
        "function has several mutable defaults, each diagnostic carries the fix of all of "
        "them (the edits are the same, so they apply once). No fix is offered when the body "
        "is on the `def` line (`def f(x=[]): ...`) or when the docstring shares its line "
        "with other statements."
    )
    fixable = "unsafe"
    needles = ("tool", "resource", "prompt", "template")

    VALID = (
        Valid("from fastmcp import FastMCP\n\nmcp = FastMCP('x')\n\n@mcp.tool\n"
              "def tag(name: str, tags: list[str] | None = None) -> list[str]:\n"
              "    if tags is None:\n        tags = []\n    return tags + [name]\n"),
        Valid("from fastmcp import FastMCP\nfrom pydantic import Field\n\nmcp = FastMCP('x')\n\n"
              "@mcp.tool\ndef tag(names: tuple[str, ...] = (), seen: frozenset = frozenset(),\n"
              "        tags: list[str] = Field(default_factory=list), extra=list()) -> int:\n"
              "    return len(names)\n"),
        # Not tools: a helper, and a nested def and lambda inside a tool.
        Valid("from fastmcp import FastMCP\n\nmcp = FastMCP('x')\n\ndef helper(items=[]):\n"
              "    return items\n\n@mcp.tool\nasync def run(n: int) -> list[int]:\n"
              "    def inner(acc=[]):\n        return acc\n"
              "    pick = lambda seen={}: seen\n    return inner() + [n] + list(pick())\n"),
        Valid("def tool(fn):\n    return fn\n\n@tool\ndef add(items=[]):\n    return items\n"),
        Valid("from fastmcp import FastMCP\n\nmcp = FastMCP('x')\n\n"
              "@mcp.custom_route('/health', methods=['GET'])\nasync def health(request, "
              "extra={}):\n    return None\n"),
        Valid("from fastmcp import FastMCP\n\nmcp = FastMCP('x')\n\n"
              "if __name__ == '__main__':\n    def debug(items=[]):\n        return items\n"
              "    mcp.run()\n"),
    )
    INVALID = (
        Invalid("from fastmcp import FastMCP\n\nmcp = FastMCP('x')\n\n@mcp.tool\n"
                "def tag(name: str, tags: list[str] = []) -> list[str]:\n"
                "    \"\"\"Tag a thing.\"\"\"\n    tags.append(name)\n    return tags\n",
                at=((6, 38),),
                fixed="from fastmcp import FastMCP\n\nmcp = FastMCP('x')\n\n@mcp.tool\n"
                      "def tag(name: str, tags: list[str] = None) -> list[str]:\n"
                      "    \"\"\"Tag a thing.\"\"\"\n    if tags is None:\n        tags = []\n"
                      "    tags.append(name)\n    return tags\n"),
        Invalid("from fastmcp import FastMCP\n\nmcp = FastMCP('x')\n\nclass Tools:\n"
                "    @staticmethod\n"
                "    async def merge(a: dict = {}, b={x for x in 'ab'}):  # merge\n"
                "        # body\n        return {**a, 'b': b}\n\nmcp.add_tool(Tools.merge)\n",
                at=((7, 31), (7, 37)),
                fixed="from fastmcp import FastMCP\n\nmcp = FastMCP('x')\n\nclass Tools:\n"
                      "    @staticmethod\n"
                      "    async def merge(a: dict = None, b=None):  # merge\n"
                      "        if a is None:\n            a = {}\n"
                      "        if b is None:\n            b = {x for x in 'ab'}\n"
                      "        # body\n        return {**a, 'b': b}\n\n"
                      "mcp.add_tool(Tools.merge)\n"),
        Invalid("from fastmcp import FastMCP\n\n\ndef register(mcp: FastMCP) -> None:\n"
                "    @mcp.prompt(name='plan')\n"
                "    def plan(goal: str, *, steps: dict[str, int] = {'a': 1}) -> str:\n"
                "        '''Plan the steps.'''  # doc\n        return goal + str(steps)\n",
                at=((6, 52),),
                fixed="from fastmcp import FastMCP\n\n\ndef register(mcp: FastMCP) -> None:\n"
                      "    @mcp.prompt(name='plan')\n"
                      "    def plan(goal: str, *, steps: dict[str, int] = None) -> str:\n"
                      "        '''Plan the steps.'''  # doc\n        if steps is None:\n"
                      "            steps = {'a': 1}\n        return goal + str(steps)\n"),
        Invalid("from mcp.server.fastmcp import FastMCP\n\nserver = FastMCP('x')\n\n"
                "@server.resource('list://{key}')\n"
                "def items(key: str, cache=[k for k in 'abc']): return cache\n",
                at=((6, 27),)),
    )

    def __init__(self, context: FileContext) -> None:
        super().__init__(context)
        self._indents: list[str] = []

    def visit_IndentedBlock(self, node: cst.IndentedBlock) -> None:
        self._indents.append(self._unit(node))

    def leave_IndentedBlock(self, node: cst.IndentedBlock) -> None:
        self._indents.pop()

    def _unit(self, block: cst.IndentedBlock) -> str:
        return block.indent if block.indent is not None else self.context.module.default_indent

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        registration = self.context.model.tool_of(node)
        if registration is None:
            return
        params = node.params
        found = [param for param in (*params.posonly_params, *params.params,
                                     *params.kwonly_params)
                 if isinstance(param.default, _MUTABLE_DEFAULTS)]
        if not found:
            return
        fix = self._fix(node, found)
        for param in found:
            default = param.default
            assert default is not None
            self.report(
                default,
                f"parameter `{param.name.value}` of {registration.kind} `{node.name.value}` "
                f"defaults to a {_KIND[type(default)]} that every call shares",
                fix=fix,
            )

    def _fix(self, node: cst.FunctionDef, found: list[cst.Param]) -> Fix | None:
        body = node.body
        if not isinstance(body, cst.IndentedBlock) or not body.body:
            return None
        first = body.body[0]
        if _is_docstring(first):
            assert isinstance(first, cst.SimpleStatementLine)
            if len(first.body) > 1:
                return None
            anchor: cst.TrailingWhitespace = first.trailing_whitespace
        else:
            anchor = body.header
        unit = self._unit(body)
        absolute = "".join(self._indents) + unit
        builders = []
        replacements: list[tuple[cst.CSTNode, cst.CSTNode]] = []
        for param in found:
            default = param.default
            assert default is not None
            builders.append(_builder(param.name.value, default, body.indent))
            replacements.append((default, cst.Name("None")))
        # Rendered from column 0, a block whose indent is the body's absolute indentation
        # and whose header is the anchor's own line end gives exactly the text to put in
        # place of that line end: the anchor, then the new statements, each on its line.
        inserted = cst.IndentedBlock(header=anchor, indent=absolute, body=builders)
        replacements.append((anchor, inserted))
        return Fix("unsafe", tuple(replacements),
                   description="default to `None` and build the container in the body")
