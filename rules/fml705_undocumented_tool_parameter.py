"""FML705 undocumented-tool-parameter."""

from __future__ import annotations

import re

import libcst as cst

from fastmcp_preflight.api import Invalid, Rule, Scope, Valid
from fastmcp_preflight.model.file_model import (
    FileModel,
    documented_parameters,
    dotted,
    keyword,
    string_value,
)

#: How deep type aliases and Field constants are followed (`A = B`, `B = Annotated[...]`).
_MAX_ALIAS_DEPTH = 5


def _name_forms(name: str) -> set[str]:
    """The spellings of a parameter name that describe it: the name, its camelCase and
    snake_case forms, and their simple plurals (or singular)."""
    bare = name.strip("_")
    forms = {bare}
    if "_" in bare:
        head, *rest = [part for part in bare.split("_") if part]
        forms.add(head + "".join(part[:1].upper() + part[1:] for part in rest))
    snake = re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", bare).lower()
    forms.add(snake)
    for form in list(forms):
        forms.add(form + "s")
        forms.add(form + "es")
        if form.endswith("y"):
            forms.add(form[:-1] + "ies")
        if form.endswith("ies"):
            forms.add(form[:-3] + "y")
        elif form.endswith("s") and len(form) > 2:
            forms.add(form[:-1])
    return {form for form in forms if form}


def _mentions(description: str, name: str) -> bool:
    """`name`, in one of its forms, is a whole word of the description (any case; `_` is
    part of a word)."""
    words = "|".join(re.escape(form) for form in sorted(_name_forms(name), key=len,
                                                         reverse=True))
    pattern = rf"(?<![A-Za-z0-9_])(?:{words})(?![A-Za-z0-9_])"
    return re.search(pattern, description, re.IGNORECASE) is not None


def _last(expr: cst.BaseExpression) -> str:
    return (dotted(expr) or "").rsplit(".", 1)[-1]


class _Aliases:
    """Module-level names read through: type aliases (`Query = Annotated[...]`,
    `Query: TypeAlias = ...`, `type Query = ...`) and names bound to a `Field(...)`."""

    def __init__(self, model: FileModel, module: cst.Module) -> None:
        self.model = model
        self.module = module
        self._type_aliases: dict[str, cst.BaseExpression] | None = None

    def value(self, expr: cst.BaseExpression, scope: Scope | None) -> cst.BaseExpression | None:
        """What a Name bound once at module level (from where the tool is) is bound to."""
        if not isinstance(expr, cst.Name):
            return None
        found = (scope or self.model.module_scope).lookup(expr.value)
        if found is None:
            return self.type_aliases().get(expr.value)
        owner, bindings = found
        if owner is not self.model.module_scope or len(bindings) != 1 or (
                bindings[0].kind != "assign"):
            return None
        return bindings[0].value

    def from_project(self, expr: cst.BaseExpression, scope: Scope | None) -> bool:
        """A name imported from a module of the project's own package (its definition is
        in another file: a `Field` constant there is taken as described)."""
        package = self.model.package
        if not isinstance(expr, cst.Name) or not package:
            return False
        found = (scope or self.model.module_scope).lookup(expr.value)
        if found is None or not all(b.kind == "import" for b in found[1]):
            return False
        qualified = found[1][0].qualified or ""
        return qualified.split(".")[0] == package.split(".")[0]

    def type_aliases(self) -> dict[str, cst.BaseExpression]:
        if self._type_aliases is None:
            self._type_aliases = {
                small.name.value: small.value
                for statement in self.module.body
                if isinstance(statement, cst.SimpleStatementLine)
                for small in statement.body if isinstance(small, cst.TypeAlias)}
        return self._type_aliases

    def described_field(self, expr: cst.BaseExpression | None, scope: Scope | None,
                        depth: int = 0) -> bool:
        """`Field(..., description=...)` with a description that is not a blank string,
        directly or through a module-level name bound to one."""
        if expr is None or depth > _MAX_ALIAS_DEPTH:
            return False
        if isinstance(expr, cst.Name):
            if "field" in expr.value.lower() and self.from_project(expr, scope):
                return True
            return self.described_field(self.value(expr, scope), scope, depth + 1)
        if not isinstance(expr, cst.Call) or _last(expr.func) != "Field":
            return False
        arg = keyword(expr, "description")
        if arg is None or (isinstance(arg.value, cst.Name) and arg.value.value == "None"):
            return False
        text = string_value(arg.value)
        return text is None or bool(text.strip())

    def described_annotation(self, annotation: cst.BaseExpression, scope: Scope | None,
                             depth: int = 0) -> bool:
        """`Annotated[T, Field(description=...)]` or `Annotated[T, "text"]`, also inside
        `Optional[...]` or `... | None`, directly or through a type alias."""
        if depth > _MAX_ALIAS_DEPTH:
            return False
        if isinstance(annotation, cst.Name):
            aliased = self.value(annotation, scope)
            return aliased is not None and self.described_annotation(aliased, scope,
                                                                     depth + 1)
        if isinstance(annotation, cst.BinaryOperation) and isinstance(annotation.operator,
                                                                      cst.BitOr):
            return (self.described_annotation(annotation.left, scope, depth)
                    or self.described_annotation(annotation.right, scope, depth))
        if not isinstance(annotation, cst.Subscript):
            return False
        elements = [e.slice.value for e in annotation.slice if isinstance(e.slice, cst.Index)]
        wrapper = _last(annotation.value)
        if wrapper in ("Optional", "Union"):
            return any(self.described_annotation(e, scope, depth) for e in elements)
        if wrapper != "Annotated":
            return False
        for metadata in elements[1:]:
            if self.from_project(metadata, scope):
                return True
            text = string_value(metadata)
            if (text is not None and text.strip()) or self.described_field(metadata, scope,
                                                                           depth):
                return True
        return elements[0:1] != [] and self.described_annotation(elements[0], scope, depth + 1)


class UndocumentedToolParameter(Rule):
    """A tool parameter that the tool's description never mentions and no schema describes."""

    code = "FML705"
    name = "undocumented-tool-parameter"
    severity = "warning"
    checklist = "(tool quality)"
    summary = "tool parameter is not described"
    default_enabled = False
    what = (
        "Off unless selected: by code, name, a prefix such as `FML7`, or `ALL` "
        "(`--extend-select FML705`, or `extend-select = [\"FML705\"]` in the config). "
        "Finds parameters of tools that have a description (see FML704: `description=`, "
        "else the docstring up to its first parameter or return section) in which the "
        "parameter is described nowhere: its name is not a whole word of the description "
        "(matched without regard to case, `_` counting as a letter, so `max_results` is not "
        "found in \"max results\"; simple plurals or the singular, and the camelCase and "
        "snake_case forms of the name count: `query`/`queries`, `user_id`/`userId`), the "
        "docstring has no entry for it (a Google `Args:`/`Arguments:`/`Parameters:` entry "
        "`name:` or `name (type):`, also as a `- name:` bullet, a NumPy `Parameters` entry "
        "`name : type`, a Sphinx "
        "`:param [type] name:` field; also when `description=` is given), its annotation is "
        "not `Annotated[..., Field(description=...)]` or `Annotated[..., \"text\"]` (also "
        "inside `Optional[...]` or `| None`, and through a module-level type alias: "
        "`Days = Annotated[...]`, `Days: TypeAlias = ...`, `type Days = ...`), and its "
        "default is not `Field(..., description=...)`; a `Field` may also be a module-level "
        "name bound once to one (`CITY = Field(description=...)`). Names imported from "
        "another module of the project's package are not read yet (the project index will "
        "follow them): one used as `Annotated` metadata, or as the default when its name "
        "contains `field` (`REGION_NAME_FIELD`), is taken as a described `Field`; an "
        "imported type alias is not followed, and its parameter is reported. A blank description "
        "string does not count. The parameters are those FML702 checks: not `self`/`cls`, "
        "the bound first parameter of a registered method, the FastMCP Context (annotated "
        "`Context`, or `ctx`/`context` defaulting to `CurrentContext()`) or an injected "
        "dependency. Only tools: a resource template's parameters come from its URI and a "
        "prompt's are arguments without schema descriptions in most clients. A computed "
        "description is not checked. Reported at the parameter."
    )
    why = (
        "The model fills every parameter from what it is told. A parameter that neither the "
        "description nor its schema explains leaves it guessing at units, formats and "
        "allowed values (`since`: a date? a duration? which format?), and it guesses wrong."
    )
    instead = (
        "Describe each parameter: in the docstring (an `Args:` section, which FastMCP "
        "passes on as part of the description), or in the schema with "
        "`Annotated[str, Field(description=\"ISO date, e.g. 2024-05-01\")]`."
    )
    hint = "mention it in the description, or use `Annotated[T, Field(description=...)]`"
    #: Any module's function may be a tool that another module registers.
    needles = ("def ",)

    VALID = (
        Valid("from fastmcp import FastMCP, Context\n\nmcp = FastMCP('x')\n\n@mcp.tool\n"
              "async def search(query: str, limit: int = 10, ctx: Context = None) -> str:\n"
              "    \"\"\"Search the notes.\n\n    Args:\n        query: words to look for.\n"
              "        limit: at most this many results.\n    \"\"\"\n    return query\n"),
        Valid("from typing import Annotated\n\nfrom fastmcp import FastMCP\n"
              "from pydantic import Field\n\nmcp = FastMCP('x')\n\n"
              "@mcp.tool(description='Look up a city and report the weather.')\n"
              "def weather(\n    city: Annotated[str, Field(description='City name')],\n"
              "    days: Annotated[int, 'How many days to forecast'] = 1,\n"
              "    units: str = Field('metric', description='metric or imperial'),\n"
              ") -> str:\n    return city\n"),
        # No description: FML701's. Not a tool: a prompt, a resource, a helper.
        Valid("from fastmcp import FastMCP\n\nmcp = FastMCP('x')\n\n@mcp.tool\n"
              "def add(a: int, b: int) -> int:\n    return a + b\n\n"
              "@mcp.prompt\ndef review(code: str) -> str:\n"
              "    \"\"\"Ask the model for a careful review.\"\"\"\n    return code\n\n"
              "@mcp.resource('notes://{key}')\ndef note(key: str) -> str:\n"
              "    \"\"\"One stored note, by its identifier.\"\"\"\n    return key\n\n"
              "def helper(x: int) -> int:\n    \"\"\"Help with nothing at all.\"\"\"\n"
              "    return x\n"),
        # The bound first parameter of a registered method, and an injected dependency.
        Valid("from fastmcp import FastMCP\nfrom fastmcp.dependencies import Depends\n\n"
              "mcp = FastMCP('x')\n\nclass Tools:\n    def count(me, table: str, db=Depends(object)"
              ") -> int:\n        \"\"\"Count the rows of a table.\"\"\"\n        return 0\n\n"
              "mcp.add_tool(Tools().count)\n"),
        # NumPy and Sphinx entries; plurals, camelCase and snake_case forms of the name.
        Valid("from fastmcp import FastMCP\n\nmcp = FastMCP('x')\n\n@mcp.tool\n"
              "def count(table: str, where: str = '') -> int:\n    \"\"\"Count the rows.\n\n"
              "    Parameters\n    ----------\n    table : str\n        The table.\n"
              "    where : str, optional\n        A filter.\n    \"\"\"\n    return 0\n\n"
              "@mcp.tool\ndef drop(table: str, cascade: bool = False) -> None:\n"
              "    \"\"\"Drop a table and its rows.\n\n    :param str table: the table.\n"
              "    :param cascade: also drop what depends on it.\n    \"\"\"\n\n"
              "@mcp.tool\ndef find(query: str, user_id: str, pageSize: int) -> str:\n"
              "    \"\"\"Run the queries as userId, one page_size page at a time.\"\"\"\n"
              "    return query\n"),
        # `Field` constants and `Annotated` aliases of the module, also through `type`.
        Valid("from typing import Annotated, TypeAlias\n\nfrom fastmcp import FastMCP\n"
              "from pydantic import Field\n\nmcp = FastMCP('x')\n"
              "CITY = Field(description='City name, e.g. Paris')\n"
              "Days: TypeAlias = Annotated[int, Field(description='Forecast length')]\n"
              "Units = Annotated[str, 'metric or imperial']\ntype Lang = Annotated[str, CITY]\n\n"
              "@mcp.tool(description='Report the weather forecast for a place.')\n"
              "def weather(city: Annotated[str, CITY], days: Days = 1, units: Units | None = "
              "None,\n            where: str = CITY, lang: Lang = 'en') -> str:\n"
              "    return city\n"),
        # `description=` is the description; the docstring's `Args:` still describe.
        Valid("from fastmcp import FastMCP\n\nmcp = FastMCP('x')\n\n"
              "@mcp.tool(description='Look up one record by its key.')\n"
              "def lookup(key: str, fresh: bool = False) -> str:\n    \"\"\"\n    Args:\n"
              "        fresh: skip the cache.\n    \"\"\"\n    return key\n"),
    )
    INVALID = (
        Invalid("from fastmcp import FastMCP\n\nmcp = FastMCP('x')\n\n@mcp.tool\n"
                "def search(query: str, max_results: int = 10) -> list[str]:\n"
                "    \"\"\"Search the notes for a query, returning max results.\"\"\"\n"
                "    return [query]\n", at=((6, 24),)),
        # `queryset` is not the word `query`; a blank Field description does not count.
        Invalid("from typing import Annotated\n\nfrom fastmcp import FastMCP\n"
                "from pydantic import Field\n\nmcp = FastMCP('x')\n\n"
                "@mcp.tool(description='Filter the queryset by its author.')\n"
                "def filter_rows(query: str, owner: Annotated[str, Field(description=' ')],\n"
                "                since: str = Field(None, title='Since')) -> list[str]:\n"
                "    return [query]\n", at=((9, 17), (9, 29), (10, 17))),
        Invalid("from fastmcp import FastMCP\n\n\ndef register(server: FastMCP) -> None:\n"
                "    def lookup(key: str, /, default: str = '') -> str:\n"
                "        \"\"\"Look a key up in the store.\"\"\"\n        return key\n\n"
                "    server.tool(lookup)\n", at=((5, 29),)),
        # Named only in the `Returns:` section, which is not the description; a name
        # bound twice is not read through; an `Args:` entry of another parameter.
        Invalid("from typing import Annotated\n\nfrom fastmcp import FastMCP\n"
                "from pydantic import Field\n\nmcp = FastMCP('x')\n"
                "LIMIT = Field(description='How many')\nLIMIT = Field(description='Max')\n\n"
                "@mcp.tool\ndef search(query: str, limit: int = LIMIT, owner: str = '') -> str:\n"
                "    \"\"\"Search the stored notes.\n\n    Args:\n        query: words.\n\n"
                "    Returns:\n        Notes of the owner.\n    \"\"\"\n    return query\n",
                at=((11, 24), (11, 44))),
    )

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        model = self.context.model
        registration = model.tool_of(node, elsewhere=True)
        if registration is None or registration.kind != "tool":
            return
        description = model.description_of(registration)
        if description is None or description.text is None:
            return
        documented = (documented_parameters(description.docstring)
                      if description.docstring else frozenset())
        aliases = _Aliases(model, self.context.module)
        scope = registration.scope
        for param in model.schema_parameters(registration):
            name = param.name.value
            if name in documented or _mentions(description.text, name) or (
                    aliases.described_field(param.default, scope)) or (
                    param.annotation is not None
                    and aliases.described_annotation(param.annotation.annotation, scope)):
                continue
            self.report(
                param,
                f"parameter `{name}` of tool `{node.name.value}` is not described: the "
                "description does not mention it, the docstring has no entry for it and its "
                "schema has no description",
                condition=model.tool_condition(registration, self.context.path, "doc"),
            )
