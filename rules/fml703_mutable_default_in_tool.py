"""FML703 mutable-default-in-tool."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import libcst as cst

from fastmcp_preflight.api import (
    CALLED_DIRECTLY,
    VIA,
    FileContext,
    Fix,
    Invalid,
    Rule,
    Scope,
    Valid,
)
from fastmcp_preflight.model.file_model import is_docstring

_MUTABLE_DEFAULTS = (cst.List, cst.Dict, cst.Set, cst.ListComp, cst.DictComp, cst.SetComp)
_KIND = {cst.List: "list", cst.ListComp: "list", cst.Dict: "dict", cst.DictComp: "dict",
         cst.Set: "set", cst.SetComp: "set"}


#: FML301's mutating methods, applied to a parameter.
_MUTATORS = frozenset({
    "append", "extend", "insert", "pop", "remove", "clear", "update", "setdefault", "add",
    "discard", "popitem", "sort", "reverse", "appendleft", "extendleft", "popleft",
    "move_to_end",
})


def _root_name(expr: cst.BaseExpression) -> str | None:
    """`tags` in `tags`, `tags[0]`, `opts["a"].b`."""
    while isinstance(expr, (cst.Subscript, cst.Attribute)):
        expr = expr.value
    return expr.value if isinstance(expr, cst.Name) else None


class _Mutations(cst.CSTVisitor):
    """The first mutation of each of some names (FML301's forms) in a function body, not
    looking into nested functions that bind the name themselves."""

    def __init__(self, names: set[str], scopes: dict[cst.CSTNode, Scope]) -> None:
        self.names = names
        self.scopes = scopes
        self.found: dict[str, cst.CSTNode] = {}

    def _note(self, name: str | None, node: cst.CSTNode) -> None:
        if name is not None and name in self.names and name not in self.found:
            self.found[name] = node

    def _target(self, target: cst.BaseExpression, node: cst.CSTNode) -> None:
        if isinstance(target, (cst.Subscript, cst.Attribute)):
            self._note(_root_name(target), node)
        elif isinstance(target, (cst.Tuple, cst.List)):
            for element in target.elements:
                self._target(element.value, node)

    def _shadows(self, node: cst.CSTNode) -> bool:
        scope = self.scopes.get(node)
        return scope is not None and any(name in scope.bindings for name in self.names)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        return not self._shadows(node)

    def visit_Lambda(self, node: cst.Lambda) -> bool:
        return not self._shadows(node)

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if isinstance(func, cst.Attribute) and func.attr.value in _MUTATORS:
            self._note(_root_name(func.value), node)

    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            self._target(target.target, node)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if node.value is not None:
            self._target(node.target, node)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        # `tags += [x]` extends the list in place (`|=` updates a dict or set).
        self._note(_root_name(node.target), node)

    def visit_Del(self, node: cst.Del) -> None:
        self._target(node.target, node)


def _rebinds(statement: cst.BaseStatement, name: str) -> bool:
    """A simple statement that binds `name` anew (`tags = list(tags)`)."""
    if not isinstance(statement, cst.SimpleStatementLine):
        return False
    for small in statement.body:
        if isinstance(small, cst.Assign) and any(
                isinstance(t.target, cst.Name) and t.target.value == name
                for t in small.targets):
            return True
        if (isinstance(small, cst.AnnAssign) and small.value is not None
                and isinstance(small.target, cst.Name) and small.target.value == name):
            return True
    return False


def _mutations(function: cst.FunctionDef, names: set[str],
               scopes: dict[cst.CSTNode, Scope]) -> dict[str, cst.CSTNode]:
    """The first mutation of each parameter in `names` that can reach its default: one
    before the body rebinds the name in a statement of its own (`tags = list(tags)` at the
    top of the body makes later mutations touch the copy)."""
    found: dict[str, cst.CSTNode] = {}
    body = function.body
    statements: Sequence[cst.CSTNode] = (
        body.body if isinstance(body, cst.IndentedBlock) else (body,))
    live = set(names)
    for statement in statements:
        if not live:
            break
        visitor = _Mutations(live, scopes)
        statement.visit(visitor)
        found.update(visitor.found)
        live -= set(visitor.found) | {name for name in live
                                      if isinstance(statement, cst.BaseStatement)
                                      and _rebinds(statement, name)}
    return found


@dataclass(frozen=True)
class _Callee:
    """A tool function that may be called directly: the class it is defined in, if any, and
    whether `self.`/`cls.` calls leave out its first parameter (not a staticmethod)."""

    function: cst.FunctionDef
    owner: cst.ClassDef | None
    bound: bool


class _DirectCalls(cst.CSTVisitor):
    """Calls of the function in its module: by name, `self.name`/`cls.name` in its class,
    or `Class.name`; each with whether its first parameter is left out."""

    def __init__(self, callee: _Callee, module_scope: Scope,
                 scopes: dict[cst.CSTNode, Scope]) -> None:
        self.callee = callee
        self.scopes = scopes
        self.stack: list[Scope] = [module_scope]
        self.classes: list[cst.ClassDef] = []
        self.found: list[tuple[cst.Call, bool]] = []

    def _enter(self, node: cst.CSTNode) -> None:
        self.stack.append(self.scopes.get(node, self.stack[-1]))

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._enter(node)

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self.stack.pop()

    def visit_Lambda(self, node: cst.Lambda) -> None:
        self._enter(node)

    def leave_Lambda(self, original_node: cst.Lambda) -> None:
        self.stack.pop()

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self._enter(node)
        self.classes.append(node)

    def leave_ClassDef(self, original_node: cst.ClassDef) -> None:
        self.stack.pop()
        self.classes.pop()

    def _binds(self, name: str, node: cst.CSTNode | None) -> bool:
        found = self.stack[-1].lookup(name)
        return found is not None and any(b.node is node for b in found[1])

    def visit_Call(self, node: cst.Call) -> None:
        func, callee = node.func, self.callee
        name = callee.function.name.value
        if isinstance(func, cst.Name):
            if func.value == name and callee.owner is None and self._binds(
                    name, callee.function):
                self.found.append((node, False))
        elif (isinstance(func, cst.Attribute) and func.attr.value == name
              and isinstance(func.value, cst.Name) and callee.owner is not None):
            receiver = func.value.value
            if receiver in ("self", "cls"):
                if self.classes and self.classes[-1] is callee.owner:
                    self.found.append((node, callee.bound))
            elif receiver == callee.owner.name.value and self._binds(receiver, callee.owner):
                self.found.append((node, False))


def _passes(call: cst.Call, param: cst.Param, index: int | None) -> bool:
    """Whether a direct call gives the parameter a value (or may, through `*`/`**`)."""
    positional = 0
    for arg in call.args:
        if arg.star:
            return True
        if arg.keyword is not None:
            if arg.keyword.value == param.name.value:
                return True
        else:
            positional += 1
    return index is not None and positional > index


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
        "list, dict or set display (`[]`, `{}`, `{1}`, `[1, 2]`) or comprehension, when that "
        "shared object can actually be reached and changed: the function mutates the "
        "parameter (FML301's forms applied to its name: a call of `append`, `extend`, "
        "`insert`, `pop`, `remove`, `clear`, `update`, `setdefault`, `add`, `discard`, "
        "`popitem`, `sort`, `reverse`, `appendleft`, `extendleft`, `popleft` or "
        "`move_to_end` on it, an assignment, augmented assignment or `del` of a subscript or "
        "attribute of it, or an augmented assignment of the name itself, such as "
        "`tags += [x]`; also inside a nested function that does not bind the name itself), "
        "or the module calls the function directly (by name, `self.`/`cls.` in its class, "
        "or `Class.name`) without passing that argument: Python then shares the one object "
        "between those calls (RULES.md; as with flake8-bugbear's B006, a default that is only "
        "read today is one edit away from a shared-state bug). Calls that come through MCP "
        "are validated by pydantic, which "
        "copies the default for every call. A mutation after a statement of the body's own that "
        "rebinds the name (`tags = list(tags)`) touches the copy and does not count; a "
        "direct call that passes the argument (by position or keyword, or possibly through "
        "`*args`/`**kwargs`) does not use the default. Calls from other modules are not "
        "seen yet (the project index will add them). Other defaults (`None`, tuples, "
        "`frozenset()`, `Field(default_factory=list)`, calls such as `list()`) are not "
        "reported. Reported at the default value; the message names the mutation or the "
        "call and its line."
    )
    why = (
        "A default is evaluated once, when the function is defined. Over MCP, pydantic "
        "copies it for every call, but a direct Python call (a CLI, another tool, a test "
        "harness, a script) that omits the argument gets the one shared object: a function "
        "that appends to or updates it leaks one call's data into the next and grows "
        "without bound, and code that works through MCP behaves differently when called "
        "directly."
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
    #: Any module's function may be a tool that another module registers.
    needles = ("def ",)

    VALID = (
        Valid("from fastmcp import FastMCP\n\nmcp = FastMCP('x')\n\n@mcp.tool\n"
              "def tag(name: str, tags: list[str] | None = None) -> list[str]:\n"
              "    if tags is None:\n        tags = []\n    return tags + [name]\n"),
        Valid("from fastmcp import FastMCP\nfrom pydantic import Field\n\nmcp = FastMCP('x')\n\n"
              "@mcp.tool\ndef tag(names: tuple[str, ...] = (), seen: frozenset = frozenset(),\n"
              "        tags: list[str] = Field(default_factory=list), extra=list()) -> int:\n"
              "    return len(names)\n"),
        # Read, never mutated: pydantic copies the default for every MCP call.
        Valid("from fastmcp import FastMCP\n\nmcp = FastMCP('x')\n\n@mcp.tool\n"
              "def query(text: str, include: list[str] = ['documents', 'metadatas'],\n"
              "          where: dict = {}) -> dict:\n"
              "    fields = [f for f in include if f != 'ids']\n"
              "    return {'text': text, 'fields': fields, **where}\n"),
        # Mutated only after the body copied it; a nested def with its own `tags`; a
        # method of another object named like the parameter.
        Valid("from fastmcp import FastMCP\n\nmcp = FastMCP('x')\n\n@mcp.tool\n"
              "def tag(name: str, tags: list[str] = [], meta: dict = {}) -> list[str]:\n"
              "    tags = list(tags)\n    tags.append(name)\n"
              "    def merge(meta):\n        meta.update(name=name)\n        return meta\n"
              "    merge({}).update(x=1)\n    return tags\n"),
        # Direct calls that pass the argument, and calls of other functions of that name.
        Valid("from fastmcp import FastMCP\n\nmcp = FastMCP('x')\n\n@mcp.tool\n"
              "def search(query: str, filters: dict = {}, *, fields: list = []) -> str:\n"
              "    return query + str(filters) + str(fields)\n\n"
              "def main() -> None:\n    print(search('a', {'k': 1}, fields=['x']))\n"
              "    print(search(query='b', filters={}, fields=[]))\n\n"
              "class Other:\n    def search(self, q):\n        return q\n\n"
              "    def run(self):\n        return self.search('x')\n"),
        # Not tools: a helper, and a nested def and lambda inside a tool.
        Valid("from fastmcp import FastMCP\n\nmcp = FastMCP('x')\n\ndef helper(items=[]):\n"
              "    items.append(1)\n    return items\n\n@mcp.tool\nasync def run(n: int) -> "
              "list[int]:\n    def inner(acc=[]):\n        acc.append(n)\n        return acc\n"
              "    pick = lambda seen={}: seen\n    return inner() + [n] + list(pick())\n"),
        Valid("def tool(fn):\n    return fn\n\n@tool\ndef add(items=[]):\n    items.append(1)\n"
              "    return items\n"),
        Valid("from fastmcp import FastMCP\n\nmcp = FastMCP('x')\n\n"
              "@mcp.custom_route('/health', methods=['GET'])\nasync def health(request, "
              "extra={}):\n    extra['n'] = 1\n    return None\n"),
        Valid("from fastmcp import FastMCP\n\nmcp = FastMCP('x')\n\n"
              "if __name__ == '__main__':\n    def debug(items=[]):\n        items.append(1)\n"
              "        return items\n    mcp.run()\n"),
    )
    INVALID = (
        # Only read, but called directly without the argument: the calls share `keys`.
        Invalid("from fastmcp import FastMCP\n\nmcp = FastMCP('x')\n\n@mcp.tool\n"
                "def metrics(name: str, keys: list[str] = []) -> str:\n"
                "    return name + ','.join(keys)\n\n"
                "def analyze(name: str) -> str:\n    return metrics(name)\n",
                at=((6, 42),), message="the project calls it directly without `keys` (line 10)"),
        Invalid("from fastmcp import FastMCP\n\nmcp = FastMCP('x')\n\n@mcp.tool\n"
                "def tag(name: str, tags: list[str] = []) -> list[str]:\n"
                "    \"\"\"Tag a thing.\"\"\"\n    tags.append(name)\n    return tags\n",
                at=((6, 38),),
                fixed="from fastmcp import FastMCP\n\nmcp = FastMCP('x')\n\n@mcp.tool\n"
                      "def tag(name: str, tags: list[str] = None) -> list[str]:\n"
                      "    \"\"\"Tag a thing.\"\"\"\n    if tags is None:\n        tags = []\n"
                      "    tags.append(name)\n    return tags\n"),
        # Not mutated, but called directly: `Tools.merge()` shares both defaults.
        Invalid("from fastmcp import FastMCP\n\nmcp = FastMCP('x')\n\nclass Tools:\n"
                "    @staticmethod\n"
                "    async def merge(a: dict = {}, b={x for x in 'ab'}):  # merge\n"
                "        # body\n        return {'a': a, 'b': b}\n\nmcp.add_tool(Tools.merge)\n"
                "print(Tools.merge())\n",
                at=((7, 31), (7, 37)),
                fixed="from fastmcp import FastMCP\n\nmcp = FastMCP('x')\n\nclass Tools:\n"
                      "    @staticmethod\n"
                      "    async def merge(a: dict = None, b=None):  # merge\n"
                      "        if a is None:\n            a = {}\n"
                      "        if b is None:\n            b = {x for x in 'ab'}\n"
                      "        # body\n        return {'a': a, 'b': b}\n\n"
                      "mcp.add_tool(Tools.merge)\nprint(Tools.merge())\n"),
        # A subscript assignment mutates; the unmutated, never called `goal` is fine.
        Invalid("from fastmcp import FastMCP\n\n\ndef register(mcp: FastMCP) -> None:\n"
                "    @mcp.prompt(name='plan')\n"
                "    def plan(goal: list = [], *, steps: dict[str, int] = {'a': 1}) -> str:\n"
                "        '''Plan the steps.'''  # doc\n        steps['b'] = len(goal)\n"
                "        return str(steps)\n",
                at=((6, 58),),
                fixed="from fastmcp import FastMCP\n\n\ndef register(mcp: FastMCP) -> None:\n"
                      "    @mcp.prompt(name='plan')\n"
                      "    def plan(goal: list = [], *, steps: dict[str, int] = None) -> str:\n"
                      "        '''Plan the steps.'''  # doc\n        if steps is None:\n"
                      "            steps = {'a': 1}\n        steps['b'] = len(goal)\n"
                      "        return str(steps)\n"),
        Invalid("from mcp.server.fastmcp import FastMCP\n\nserver = FastMCP('x')\n\n"
                "@server.resource('list://{key}')\n"
                "def items(key: str, cache=[k for k in 'abc']): return cache\n\n"
                "print(items('a'))\n",
                at=((6, 27),)),
        # `+=` extends in place, `del` and `.add` mutate; a mutation in a nested def counts.
        Invalid("from fastmcp import FastMCP\n\nmcp = FastMCP('x')\n\n@mcp.tool\n"
                "def collect(a: list = [], b: dict = {'k': 1}, c: set = set(), d: set = {1},\n"
                "            e: list = [[]]) -> None:\n"
                "    a += [1]\n    del b['k']\n    def later():\n        d.add(2)\n"
                "    later()\n    e[0].append(3)\n",
                at=((6, 23), (6, 37), (6, 72), (7, 23))),
        # `self.search(q)` leaves `filters` out; the first parameter is not passed.
        Invalid("from fastmcp import FastMCP\n\n\nclass Tools:\n"
                "    def search(self, query: str, filters: dict = {}) -> tuple:\n"
                "        return query, filters\n\n"
                "    def search_all(self, queries: list[str]) -> list[tuple]:\n"
                "        return [self.search(q) for q in queries]\n\n\n"
                "def build() -> FastMCP:\n    server = FastMCP('x')\n"
                "    server.add_tool(Tools().search)\n    return server\n",
                at=((5, 50),)),
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
        model = self.context.model
        registration = model.tool_of(node, elsewhere=True)
        if registration is None:
            return
        params = node.params
        positional = [*params.posonly_params, *params.params]
        candidates = [param for param in (*positional, *params.kwonly_params)
                      if isinstance(param.default, _MUTABLE_DEFAULTS)]
        if not candidates:
            return
        mutated = _mutations(node, {p.name.value for p in candidates}, model.scopes)
        calls = self._direct_calls(node) if len(mutated) < len(candidates) else []
        found: list[tuple[cst.Param, str, str]] = []
        condition = model.tool_condition(registration, self.context.path)
        qualified = model.qualified_name(node)
        for param in candidates:
            name = param.name.value
            if name in mutated:
                line = self.context.line_of(mutated[name])
                found.append((param, f"the function mutates it (line {line})", condition))
                continue
            index = positional.index(param) if param in positional else None
            for call, bound in calls:
                at = index - 1 if index is not None and bound else index
                if not _passes(call, param, at):
                    line = self.context.line_of(call)
                    found.append((param, f"the project calls it directly without `{name}` "
                                         f"(line {line})", condition))
                    break
            else:
                # Through the project: another module calls it without the parameter.
                if qualified is not None and not condition:
                    found.append((param, f"the project calls it directly without `{name}` "
                                         f"({VIA})", f"{CALLED_DIRECTLY}:{self.context.path}"
                                                     f"#{qualified}:{name}"))
        if not found:
            return
        # One fix for the parameters reported in any case; one that another module's
        # call decides gets a fix only when it is alone (fixes must not overlap).
        certain = [param for param, _, holds in found if holds == condition]
        fix = self._fix(node, certain) if certain else None
        for param, reason, holds in found:
            default = param.default
            assert default is not None
            own = fix if holds == condition else (
                self._fix(node, [param]) if len(found) == 1 else None)
            self.report(
                default,
                f"parameter `{param.name.value}` of {registration.kind} `{node.name.value}` "
                f"defaults to a {_KIND[type(default)]} that is shared between direct Python "
                f"calls, and {reason}",
                fix=own,
                condition=holds,
            )

    def _direct_calls(self, node: cst.FunctionDef) -> list[tuple[cst.Call, bool]]:
        """The module's direct calls of the tool function (see `_DirectCalls`)."""
        name = re.escape(node.name.value)
        if not re.search(rf"(?<!def ){name}\s*\(", self.context.source):
            return []  # its name is never followed by a call's `(`: no walk of the module
        model = self.context.model
        own = model.scopes.get(node)
        outer = own.parent if own is not None else None
        owner = outer.node if outer is not None and outer.kind == "class" else None
        static = any(model.resolve(d.decorator, outer) == "builtins.staticmethod"
                     for d in node.decorators)
        callee = _Callee(node, owner if isinstance(owner, cst.ClassDef) else None,
                         bound=not static)
        visitor = _DirectCalls(callee, model.module_scope, model.scopes)
        self.context.module.visit(visitor)
        return visitor.found

    def _fix(self, node: cst.FunctionDef, found: list[cst.Param]) -> Fix | None:
        body = node.body
        if not isinstance(body, cst.IndentedBlock) or not body.body:
            return None
        first = body.body[0]
        if is_docstring(first):
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
