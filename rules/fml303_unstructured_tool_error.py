"""FML303 unstructured-tool-error."""

from __future__ import annotations

from dataclasses import dataclass, field

import libcst as cst

from fastmcp_preflight.api import FileContext, Invalid, Rule, Valid
from fastmcp_preflight.model.file_model import dotted
from fastmcp_preflight.model.walker import child_nodes

_Handler = cst.ExceptHandler | cst.ExceptStarHandler
_TO_TEXT = frozenset({"builtins.str", "builtins.repr"})
_STRINGS = (cst.SimpleString, cst.ConcatenatedString, cst.FormattedString)
_EXCEPTIONS = {"tool": "ToolError", "resource": "ResourceError", "prompt": "PromptError"}
#: Result wrappers that carry text without saying it is an error.
_WRAPPERS = frozenset({"TextContent", "ToolResult"})
#: Dict keys that name an error's text ...
_ERROR_WORDS = ("error", "message", "detail")
#: ... and the keys that say machine-readably that the call failed (a structured error).
_STATUS_KEYS = frozenset({"success", "ok", "is_error", "iserror", "status"})
_CODE_KEYS = frozenset({"code", "error_code", "type"})


@dataclass
class _Open:
    """An `except ... as name:` handler of a tool function whose body the walk is in."""

    function: cst.FunctionDef
    name: str
    #: Local names assigned error text in the handler body (`message = f"...{e}"`).
    texts: set[str] = field(default_factory=set)
    #: Local names assigned error text wrapped without structure (`result = {"error": ...}`).
    wrapped: set[str] = field(default_factory=set)


def _keys(node: cst.Dict) -> dict[str, cst.BaseExpression]:
    """The string keys of a dict display and their values (lower-cased keys)."""
    found: dict[str, cst.BaseExpression] = {}
    for element in node.elements:
        if isinstance(element, cst.DictElement) and isinstance(element.key, cst.SimpleString):
            key = element.key.evaluated_value
            if isinstance(key, str):
                found[key.lower()] = element.value
    return found


def _structured(node: cst.Dict) -> bool:
    """A dict that says machine-readably that the call failed: a status key, or an error
    code at its top level or in a nested `error` dict."""
    keys = _keys(node)
    if keys.keys() & (_STATUS_KEYS | _CODE_KEYS):
        return True
    nested = keys.get("error")
    return isinstance(nested, cst.Dict) and bool(_keys(nested).keys() & _CODE_KEYS)


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
    return any(_mentions(child, names) for child in child_nodes(expr))


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
        "(`message = f\"...{e}\"; return message`). Also error text wrapped without "
        "structure: a `TextContent(...)` or `ToolResult(...)` (or a list of them) whose text "
        "is such a string, a dict display whose only sign of failure is a key containing "
        "`error`, `message` or `detail` with such a string as its value "
        "(`{\"error\": str(e)}`), `json.dumps(...)` of such a dict, or a local name "
        "assigned any of these in the handler. Not reported: a dict that says "
        "machine-readably that the call failed (a `success`, `ok`, `is_error` or `status` "
        "key, or an error code: a `code`, `error_code` or `type` key at its top level or in "
        "a nested `error` dict, as in `{\"success\": False, \"error\": {\"code\": "
        "\"UNKNOWN\", \"message\": str(e)}}`), also given to a `ToolResult` "
        "(`structured_content={\"success\": False, ...}`); the result of any other call "
        "(`create_error(...)`); returning `e` itself or a string that does not use `e`."
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
        # A ToolResult whose structured content says the call failed.
        Valid("from fastmcp import FastMCP\nfrom fastmcp.tools.tool import ToolResult\n\n"
              "mcp = FastMCP('x')\n\n@mcp.tool\ndef q(sql: str) -> ToolResult:\n"
              "    try:\n        return run(sql)\n    except Exception as e:\n"
              "        return ToolResult(content=f'Error: {e}', structured_content={\n"
              "            'success': False, 'error': str(e)})\n"),
        Valid("from fastmcp import FastMCP\nfrom fastmcp.exceptions import ToolError\n\n"
              "mcp = FastMCP('x')\n\n@mcp.tool\ndef fetch(url: str) -> str:\n    try:\n"
              "        return load(url)\n    except OSError as e:\n"
              "        raise ToolError(f'cannot fetch {url}') from e\n"),
        # Structured errors: a status key, or an error code (top level or nested).
        Valid("from fastmcp import FastMCP\n\nmcp = FastMCP('x')\n\n@mcp.tool\n"
              "def fetch(url: str) -> dict:\n    try:\n        return load(url)\n"
              "    except OSError as e:\n"
              "        return {'success': False,\n"
              "                'error': {'code': 'UNKNOWN', 'message': str(e)}}\n"),
        Valid("import json\nfrom fastmcp import FastMCP\n\nmcp = FastMCP('x')\n\n@mcp.tool\n"
              "def fetch(url: str) -> str:\n    try:\n        return load(url)\n"
              "    except OSError as e:\n"
              "        return json.dumps({'error': str(e), 'error_code': 'IO'})\n"),
        Valid("from fastmcp import FastMCP\n\nmcp = FastMCP('x')\n\n@mcp.tool\n"
              "def fetch(url: str) -> dict:\n    try:\n        return load(url)\n"
              "    except OSError as e:\n        return create_error(str(e))\n"),
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
        # A ToolResult with only the error's text (its structured content says nothing).
        Invalid("from fastmcp import FastMCP\nfrom fastmcp.tools.tool import ToolResult\n\n"
                "mcp = FastMCP('x')\n\n@mcp.tool\ndef q(sql: str) -> ToolResult:\n"
                "    try:\n        return run(sql)\n    except Exception as e:\n"
                "        return ToolResult(content=f'Error: {e}', structured_content={\n"
                "            'error': str(e)})\n", at=((11, 9),)),
        Invalid("from fastmcp import FastMCP\n\nmcp = FastMCP('x')\n\n@mcp.tool\n"
                "def fetch(url: str) -> dict:\n    try:\n        return load(url)\n"
                "    except OSError as e:\n        return {'error': str(e), 'url': url}\n",
                at=((10, 9),)),
        Invalid("import json\nfrom mcp.types import TextContent\nfrom fastmcp import FastMCP\n\n"
                "mcp = FastMCP('x')\n\n@mcp.tool\nasync def fetch(url: str) -> list:\n"
                "    try:\n        return await load(url)\n    except Exception as exc:\n"
                "        if url:\n"
                "            return [TextContent(type='text', text=f'Error: {exc}')]\n"
                "        payload = {'error_message': repr(exc)}\n"
                "        return json.dumps(payload, indent=2)\n",
                at=((13, 13), (15, 9))),
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
                and self.context.model.tool_of(function, elsewhere=True) is not None):
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

    def _is_wrapped_error(self, expr: cst.BaseExpression, record: _Open) -> bool:
        """Error text wrapped without structure: `TextContent(text=...)`, `ToolResult(...)`,
        a list of them, a dict whose only sign of failure is an `error`/`message`/`detail`
        key, `json.dumps` of such a dict, or a local name assigned one in the handler."""
        if isinstance(expr, cst.Name):
            return expr.value in record.wrapped
        if isinstance(expr, (cst.List, cst.Tuple)):
            return any(isinstance(e, cst.Element) and isinstance(e.value, cst.Call)
                       and self._is_wrapped_error(e.value, record) for e in expr.elements)
        if isinstance(expr, cst.Dict):
            if _structured(expr):
                return False
            return any(any(word in key for word in _ERROR_WORDS)
                       and self._is_error_text(value, record)
                       for key, value in _keys(expr).items())
        if isinstance(expr, cst.Call):
            resolved = self.context.resolve(expr.func)
            spelled = resolved or dotted(expr.func) or ""
            if spelled.rsplit(".", 1)[-1] in _WRAPPERS:
                if any(isinstance(arg.value, cst.Dict) and _structured(arg.value)
                       for arg in expr.args):  # `structured_content={"success": False}`
                    return False
                return any(self._is_error_text(arg.value, record)
                           or self._is_wrapped_error(arg.value, record) for arg in expr.args)
            if resolved == "json.dumps" and expr.args and expr.args[0].keyword is None:
                first = expr.args[0].value
                return isinstance(first, (cst.Dict, cst.Name)) and self._is_wrapped_error(
                    first, record)
        return False

    def visit_Assign(self, node: cst.Assign) -> None:
        for record in self._handlers_here():
            for target in node.targets:
                if isinstance(target.target, cst.Name):
                    name = target.target.value
                    if self._is_error_text(node.value, record):
                        record.texts.add(name)
                    else:
                        record.texts.discard(name)
                    if self._is_wrapped_error(node.value, record):
                        record.wrapped.add(name)
                    else:
                        record.wrapped.discard(name)

    def visit_Return(self, node: cst.Return) -> None:
        if node.value is None:
            return
        for record in self._handlers_here():
            wrapped = self._is_wrapped_error(node.value, record)
            if wrapped or self._is_error_text(node.value, record):
                registration = self.context.model.tool_of(record.function, elsewhere=True)
                kind = registration.kind if registration is not None else "tool"
                self.report(
                    node,
                    f"{kind} `{record.function.name.value}` returns the text of exception "
                    f"`{record.name}` as a successful result"
                    + (" (wrapped, with nothing that says it failed)" if wrapped else "")
                    + f": raise `{_EXCEPTIONS.get(kind, 'ToolError')}(...)` or return a "
                    "structured error (`{\"success\": False, \"error\": {\"code\": ..., "
                    "\"message\": ...}}`)",
                    condition=self.context.model.tool_condition(registration,
                                                                self.context.path),
                )
                return
