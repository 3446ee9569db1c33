"""FML303 unstructured-tool-error."""

from __future__ import annotations

from dataclasses import dataclass, field

import libcst as cst

from fastmcp_lint.api import FileContext, Invalid, Rule, Valid

_Handler = cst.ExceptHandler | cst.ExceptStarHandler
_TO_TEXT = frozenset({"builtins.str", "builtins.repr"})
_STRINGS = (cst.SimpleString, cst.ConcatenatedString, cst.FormattedString)
_EXCEPTIONS = {"tool": "ToolError", "resource": "ResourceError", "prompt": "PromptError"}


@dataclass
class _Open:
    """An `except ... as name:` handler of a tool function whose body the walk is in."""

    function: cst.FunctionDef
    name: str
    #: Local names assigned error text in the handler body (`message = f"...{e}"`).
    texts: set[str] = field(default_factory=set)


def _mentions(expr: cst.CSTNode, names: set[str]) -> bool:
    """Does `expr` use one of `names` (not counting attribute names or keywords)?"""
    if isinstance(expr, cst.Name):
        return expr.value in names
    if isinstance(expr, cst.Attribute):
        return _mentions(expr.value, names)
    if isinstance(expr, cst.Arg):
        return _mentions(expr.value, names)
    if isinstance(expr, (cst.Lambda, cst.FunctionDef, cst.ClassDef)):
        return False
    return any(_mentions(child, names) for child in expr.children)


class UnstructuredToolError(Rule):
    """A tool that returns the text of an exception as if it were a result."""

    code = "FML303"
    name = "unstructured-tool-error"
    severity = "warning"
    checklist = "structured error responses"
    summary = "tool returns an exception's text as a successful result"
    what = (
        "Finds, in the body of a tool, resource or prompt function, a `return` inside an "
        "`except ... as e:` handler (of that same function, not of a nested `def`) whose "
        "value is a string built from the exception: `str(e)`, `repr(e)` (the argument "
        "using `e` in any way, `str(e.args[0])`), an f-string with a placeholder using `e` "
        "(`f\"failed: {e}\"`, `f\"{type(e).__name__}\"`), a `+` or `%` building whose "
        "operands include one of those or a string literal and `e` (`\"Error: \" + str(e)`, "
        "`\"Error: %s\" % e`), or `\"...\".format(...)` with `e` in its arguments. A local "
        "name assigned such a string earlier in the same handler counts too "
        "(`message = f\"...{e}\"; return message`). Returning `e` itself, a dict or another "
        "structured object, or a string that does not use `e`, is not reported."
    )
    why = (
        "MCP results carry an `isError` flag that clients and models use to tell a failure "
        "from an answer. A returned string is a successful result: the model may read "
        "`\"Error: connection refused\"` as data, retry blindly or report success, and the "
        "client's error handling and metrics never see the failure. Raw exception text can "
        "also leak internals (paths, SQL, hostnames) to the model."
    )
    instead = (
        "Raise `fastmcp.exceptions.ToolError(...)` (`ResourceError`, `PromptError` for "
        "resources and prompts) with a message meant for the model: FastMCP turns it into an "
        "error result with `isError: true`. Or return a structured object with an explicit "
        "error field that the tool's output schema describes."
    )
    hint = "raise `ToolError(...)` or return a structured error object"
    needles = ("except",)

    VALID = (
        Valid("from fastmcp import FastMCP\nfrom fastmcp.exceptions import ToolError\n\n"
              "mcp = FastMCP('x')\n\n@mcp.tool\ndef fetch(url: str) -> str:\n    try:\n"
              "        return load(url)\n    except OSError as e:\n"
              "        raise ToolError(f'cannot fetch {url}') from e\n"),
        Valid("from fastmcp import FastMCP\n\nmcp = FastMCP('x')\n\n@mcp.tool\n"
              "def fetch(url: str) -> dict:\n    try:\n        return load(url)\n"
              "    except OSError as e:\n        return {'error': str(e), 'url': url}\n"),
        Valid("def helper(url):\n    try:\n        return load(url)\n    except OSError as e:\n"
              "        return str(e)\n"),
        Valid("from fastmcp import FastMCP\n\nmcp = FastMCP('x')\n\n@mcp.tool\n"
              "def fetch(url: str) -> str:\n    try:\n        return load(url)\n"
              "    except OSError as e:\n        def describe():\n            return str(e)\n"
              "        log(describe())\n        return 'unavailable'\n"),
        Valid("from fastmcp import FastMCP\n\nmcp = FastMCP('x')\n\n@mcp.tool\n"
              "def fetch(url: str) -> str:\n    try:\n        return load(url)\n"
              "    except OSError:\n        return 'unavailable'\n"),
        Valid("from fastmcp import FastMCP\n\nmcp = FastMCP('x')\n\n@mcp.tool\n"
              "def fetch(url: str) -> str:\n    try:\n        return load(url)\n"
              "    except OSError as e:\n        log(e)\n    return f'fetched {url}'\n"),
        Valid("from fastmcp import FastMCP\n\nmcp = FastMCP('x')\n\ndef str(x):\n    return x\n\n"
              "@mcp.tool\ndef fetch(url: str) -> str:\n    try:\n        return load(url)\n"
              "    except OSError as e:\n        return str(e)\n"),
        Valid("from fastmcp import FastMCP\n\nmcp = FastMCP('x')\n\n@mcp.tool\n"
              "def fetch(url: str) -> str:\n    try:\n        return load(url)\n"
              "    except OSError as e:\n        return f'cannot fetch {url}'\n"),
    )
    INVALID = (
        Invalid("from fastmcp import FastMCP\n\nmcp = FastMCP('x')\n\n@mcp.tool\n"
                "def fetch(url: str) -> str:\n    try:\n        return load(url)\n"
                "    except Exception as e:\n        return str(e)\n",
                at=((10, 9),)),
        Invalid("from fastmcp import FastMCP\n\nmcp = FastMCP('x')\n\n@mcp.tool()\n"
                "async def fetch(url: str) -> str:\n    try:\n        return await load(url)\n"
                "    except (OSError, ValueError) as err:\n"
                "        if url:\n            return f'Error fetching {url}: {err}'\n"
                "        return 'Error: ' + str(err)\n",
                at=((11, 13), (12, 9))),
        Invalid("from mcp.server.fastmcp import FastMCP as Server\n\nserver = Server('x')\n\n"
                "@server.resource('data://{key}')\ndef data(key: str) -> str:\n    try:\n"
                "        return read(key)\n    except KeyError as e:\n"
                "        return repr(e)\n",
                at=((10, 9),)),
        Invalid("from fastmcp import FastMCP\n\nmcp = FastMCP('x')\n\ndef fetch(url: str) -> str:\n"
                "    try:\n        return load(url)\n    except OSError as e:\n"
                "        message = 'failed: %s' % e\n        return message\n\n"
                "mcp.tool(fetch)\n",
                at=((10, 9),)),
        Invalid("from fastmcp import FastMCP\n\nmcp = FastMCP('x')\n\n@mcp.prompt\n"
                "def ask(topic: str) -> str:\n    try:\n        return build(topic)\n"
                "    except LookupError as e:\n        return 'no prompt: {}'.format(e)\n",
                at=((10, 9),)),
    )

    def __init__(self, context: FileContext) -> None:
        super().__init__(context)
        self._open: list[_Open | None] = []

    def visit_ExceptHandler(self, node: cst.ExceptHandler) -> None:
        self._enter(node)

    def leave_ExceptHandler(self, node: cst.ExceptHandler) -> None:
        self._open.pop()

    def visit_ExceptStarHandler(self, node: cst.ExceptStarHandler) -> None:
        self._enter(node)

    def leave_ExceptStarHandler(self, node: cst.ExceptStarHandler) -> None:
        self._open.pop()

    def _enter(self, node: _Handler) -> None:
        function = self.context.where.function
        record = None
        if (node.name is not None and isinstance(node.name.name, cst.Name)
                and isinstance(function, cst.FunctionDef)
                and self.context.model.tool_of(function) is not None):
            record = _Open(function, node.name.name.value)
        self._open.append(record)

    def _handlers_here(self) -> list[_Open]:
        """The open handlers of the function the walk is in, innermost first."""
        function = self.context.where.function
        frames = self.context.where.frames
        if not frames or frames[-1].node is not function:
            return []
        return [r for r in reversed(self._open) if r is not None and r.function is function]

    def _is_error_text(self, expr: cst.BaseExpression, record: _Open) -> bool:
        names = {record.name, *record.texts}
        if isinstance(expr, cst.Name):
            return expr.value in record.texts
        if isinstance(expr, cst.Call):
            func = expr.func
            if self.context.resolve(func) in _TO_TEXT:
                return any(_mentions(arg, names) for arg in expr.args)
            if (isinstance(func, cst.Attribute) and func.attr.value == "format"
                    and isinstance(func.value, _STRINGS)):
                return any(_mentions(arg, names) for arg in expr.args)
            return False
        if isinstance(expr, cst.FormattedString):
            return any(isinstance(part, cst.FormattedStringExpression)
                       and _mentions(part.expression, names) for part in expr.parts)
        if isinstance(expr, cst.ConcatenatedString):
            return self._is_error_text(expr.left, record) or self._is_error_text(
                expr.right, record)
        if isinstance(expr, cst.BinaryOperation) and isinstance(
                expr.operator, (cst.Add, cst.Modulo)):
            operands = self._operands(expr, type(expr.operator))
            if any(self._is_error_text(o, record) for o in operands):
                return True
            return any(isinstance(o, _STRINGS) for o in operands) and any(
                _mentions(o, names) for o in operands)
        return False

    def _operands(self, expr: cst.BaseExpression,
                  operator: type[cst.BaseBinaryOp]) -> list[cst.BaseExpression]:
        """The operands of a chain of one binary operator (`a + b + c`)."""
        if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, operator):
            return [*self._operands(expr.left, operator), *self._operands(expr.right, operator)]
        return [expr]

    def visit_Assign(self, node: cst.Assign) -> None:
        for record in self._handlers_here():
            for target in node.targets:
                if isinstance(target.target, cst.Name):
                    if self._is_error_text(node.value, record):
                        record.texts.add(target.target.value)
                    else:
                        record.texts.discard(target.target.value)

    def visit_Return(self, node: cst.Return) -> None:
        if node.value is None:
            return
        for record in self._handlers_here():
            if self._is_error_text(node.value, record):
                registration = self.context.model.tool_of(record.function)
                kind = registration.kind if registration is not None else "tool"
                self.report(
                    node,
                    f"{kind} `{record.function.name.value}` returns the text of exception "
                    f"`{record.name}` as a successful result: raise "
                    f"`{_EXCEPTIONS.get(kind, 'ToolError')}(...)` or return a structured "
                    "error object",
                )
                return
