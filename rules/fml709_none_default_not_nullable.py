"""FML709 none-default-not-nullable."""

from __future__ import annotations

import libcst as cst

from fastmcp_preflight.api import Fix, Invalid, Rule, Scope, Valid
from fastmcp_preflight.model.file_model import dotted, string_value

#: Annotations that admit None by themselves (their last dotted part).
_ADMITS_NONE = frozenset({"Any", "object", "None", "NoneType", "Optional"})
_WRAPPERS = frozenset({"Annotated"})


class NoneDefaultNotNullable(Rule):
    """A tool parameter that defaults to `None` but whose type does not admit it."""

    code = "FML709"
    name = "none-default-not-nullable"
    severity = "warning"
    checklist = "(tool quality)"
    summary = "tool parameter defaults to None but its type does not admit None"
    what = (
        "Finds parameters of tool, resource and prompt functions (the same exclusions as "
        "FML702: `self`, the Context, injected dependencies, `exclude_args`) whose default is "
        "`None` while the annotation does not admit `None`: `limit: int = None`. An "
        "annotation admits `None` when it is `Optional[...]`, a union with `None` "
        "(`int | None`, `Union[int, None]`), `Any`, `object`, or `Annotated` of one of these, "
        "also through a type alias of the module. An annotation naming a type imported from "
        "elsewhere that is not a builtin or `typing` type is not judged (it may be an alias "
        "that admits None). An unannotated parameter is FML702's. Reported at the parameter."
    )
    why = (
        "FastMCP publishes the annotation as the parameter's JSON schema: `integer` with a "
        "`null` default. Strict clients reject a schema whose default does not match its "
        "type, and models copy the default and send `null`, which validation then refuses."
    )
    instead = "Say that the parameter may be None: `limit: int | None = None`."
    hint = "annotate it `X | None`"
    fix_safety = (
        "Safe: the annotation becomes `X | None`, or `typing.Optional[X]` (adding "
        "`import typing`) when the project supports Python before 3.10 (`requires-python`) "
        "and the file does not import `from __future__ import annotations`. The schema then "
        "says what the function already accepts."
    )
    fixable = "safe"
    needles = ("None",)

    VALID = (
        Valid("from typing import Optional\nfrom fastmcp import FastMCP\n\nmcp = FastMCP('x')\n\n"
              "@mcp.tool\ndef search(q: str, limit: int | None = None, page: Optional[int] = None"
              ") -> str:\n    return q\n"),
        Valid("from typing import Annotated, Any, Union\nfrom pydantic import Field\n"
              "from fastmcp import FastMCP, Context\n\nmcp = FastMCP('x')\n\n"
              "@mcp.tool\ndef search(a: Annotated[int | None, Field(ge=0)] = None, "
              "b: Any = None, c: Union[str, None] = None, d: object = None, "
              "ctx: Context = None) -> str:\n    return ''\n"),
        # A helper, not a tool; an unannotated parameter (FML702's).
        Valid("from fastmcp import FastMCP\n\nmcp = FastMCP('x')\n\n"
              "def helper(limit: int = None) -> int:\n    return limit or 0\n\n"
              "@mcp.tool\ndef run(limit=None) -> int:\n    return 0\n"),
        # A type alias that admits None, and an imported type that may be one.
        Valid("from typing import Optional\nfrom fastmcp import FastMCP\n"
              "from .types import MaybeUser\n\nMaybeInt = Optional[int]\nmcp = FastMCP('x')\n\n"
              "@mcp.tool\ndef run(limit: MaybeInt = None, user: MaybeUser = None) -> int:\n"
              "    return 0\n"),
    )
    INVALID = (
        Invalid("from fastmcp import FastMCP\n\nmcp = FastMCP('x')\n\n@mcp.tool\n"
                "def search(query: str, limit: int = None, tags: list[str] = None) -> str:\n"
                "    return query\n", at=((6, 24), (6, 43)),
                fixed="from fastmcp import FastMCP\n\nmcp = FastMCP('x')\n\n@mcp.tool\n"
                      "def search(query: str, limit: int | None = None, "
                      "tags: list[str] | None = None) -> str:\n    return query\n"),
        Invalid("from typing import Annotated\nfrom pydantic import Field\n"
                "from mcp.server.fastmcp import FastMCP\n\nmcp = FastMCP('x')\n\n"
                "@mcp.resource('notes://{key}')\ndef note(key: str, "
                "limit: Annotated[int, Field(ge=1)] = None) -> str:\n    return key\n",
                at=((8, 20),), message="`limit`"),
    )

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        model = self.context.model
        registration = model.tool_of(node, elsewhere=True)
        if registration is None:
            return
        scope = model.scopes.get(node, model.module_scope)
        outer = scope.parent or model.module_scope
        for param in model.schema_parameters(registration):
            default = param.default
            if param.annotation is None or not (
                    isinstance(default, cst.Name) and default.value == "None"):
                continue
            annotation = param.annotation.annotation
            if _admits_none(annotation, outer, 0) is not False:
                continue
            self.report(param, f"parameter `{param.name.value}` of {registration.kind} "
                        f"`{node.name.value}` defaults to None but its type does not admit "
                        "None: the published schema says a null default is invalid",
                        fix=self._fix(annotation),
                        condition=model.tool_condition(registration, self.context.path))

    def _fix(self, annotation: cst.BaseExpression) -> Fix:
        context = self.context
        future = any(isinstance(s, cst.SimpleStatementLine) and any(
            isinstance(small, cst.ImportFrom) and dotted(small.module or cst.Name("")) ==
            "__future__" for small in s.body) for s in context.module.body)
        text = string_value(annotation)
        if text is not None:  # a string annotation stays one: `"int | None"`
            quote = '"' if '"' not in text else "'"
            new_text = (f"typing.Optional[{text}]" if context.targets.python_below("3.10")
                        and not future else f"{text} | None")
            return Fix("safe", ((annotation, cst.SimpleString(f"{quote}{new_text}{quote}")),),
                       ("typing",) if new_text.startswith("typing.") else (),
                       "annotate the parameter `X | None`")
        if context.targets.python_below("3.10") and not future:
            new: cst.BaseExpression = cst.Subscript(
                cst.parse_expression("typing.Optional"),
                [cst.SubscriptElement(cst.Index(annotation))])
            imports: tuple[str, ...] = ("typing",)
        else:
            new = cst.BinaryOperation(annotation, cst.BitOr(), cst.Name("None"))
            imports = ()
        return Fix("safe", ((annotation, new),), imports,
                   "annotate the parameter `X | None`")


def _admits_none(annotation: cst.BaseExpression, scope: Scope, depth: int) -> bool | None:
    """True when it admits None, False when it surely does not, None when unknown."""
    if depth > 5:
        return None
    if isinstance(annotation, cst.BinaryOperation) and isinstance(annotation.operator,
                                                                  cst.BitOr):
        left = _admits_none(annotation.left, scope, depth + 1)
        right = _admits_none(annotation.right, scope, depth + 1)
        if left or right:
            return True
        return None if left is None or right is None else False
    text = string_value(annotation)
    if text is not None:
        try:
            return _admits_none(cst.parse_expression(text), scope, depth + 1)
        except cst.ParserSyntaxError:
            return None
    if isinstance(annotation, cst.Subscript):
        head = dotted(annotation.value) or ""
        last = head.rsplit(".", 1)[-1]
        elements = [e.slice.value for e in annotation.slice if isinstance(e.slice, cst.Index)]
        if last == "Optional":
            return True
        if last == "Union":
            answers = [_admits_none(e, scope, depth + 1) for e in elements]
            return True if any(answers) else (None if None in answers else False)
        if last in _WRAPPERS and elements:
            return _admits_none(elements[0], scope, depth + 1)
        return _known_type(annotation.value, scope)
    if isinstance(annotation, cst.Name) and annotation.value in _ADMITS_NONE:
        return True
    if isinstance(annotation, cst.Name):
        found = scope.lookup(annotation.value)
        if found is not None:
            binding = found[1][-1]
            if binding.kind == "assign" and binding.value is not None:
                return _admits_none(binding.value, found[0], depth + 1)
            if binding.kind == "class":
                return False
    if (dotted(annotation) or "").rsplit(".", 1)[-1] in _ADMITS_NONE:
        resolved = scope.resolve(annotation)
        if resolved is None or resolved.startswith(("typing.", "typing_extensions.",
                                                     "builtins.")):
            return True
    return _known_type(annotation, scope)


def _known_type(expr: cst.BaseExpression, scope: Scope) -> bool | None:
    """False for a builtin, `typing` or module-defined type (it does not admit None); None
    for a type imported from elsewhere (it may be an alias that does)."""
    resolved = scope.resolve(expr)
    if resolved is not None and resolved.startswith(("builtins.", "typing.",
                                                     "typing_extensions.", "collections.",
                                                     "datetime.", "decimal.", "uuid.",
                                                     "pathlib.", "enum.", "pydantic.")):
        return False
    if isinstance(expr, cst.Name):
        found = scope.lookup(expr.value)
        if found is not None and any(b.kind == "class" for b in found[1]):
            return False
    return None
