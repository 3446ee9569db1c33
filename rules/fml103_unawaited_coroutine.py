"""FML103 unawaited-coroutine."""

from __future__ import annotations

import libcst as cst

from fastmcp_preflight.api import FileContext, Invalid, Rule, Valid
from fastmcp_preflight.model.file_model import dotted

#: Library coroutine functions recognised by their resolved name.
_COROUTINE_FUNCTIONS = frozenset({"asyncio.sleep"})


class _YieldFinder(cst.CSTVisitor):
    """Finds a `yield` in a function's own body (not in nested functions or classes)."""

    def __init__(self) -> None:
        self.found = False

    def visit_Yield(self, node: cst.Yield) -> bool:
        self.found = True
        return False

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        return False

    def visit_Lambda(self, node: cst.Lambda) -> bool:
        return False

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        return False


def _changes_kind(decorator: cst.Decorator) -> bool:
    """`@async_to_sync`, `@syncify`, `@asynccontextmanager`: the result is no coroutine."""
    expr = decorator.decorator
    if isinstance(expr, cst.Call):
        expr = expr.func
    name = dotted(expr)
    if name is None:
        return False
    last = name.rsplit(".", 1)[-1].lower()
    return "sync" in last.replace("async", "") or "contextmanager" in last


def _is_coroutine_function(node: cst.CSTNode) -> bool:
    """An `async def` whose call gives a coroutine: not a generator, not made sync."""
    if not (isinstance(node, cst.FunctionDef) and node.asynchronous is not None):
        return False
    if any(_changes_kind(d) for d in node.decorators):
        return False
    finder = _YieldFinder()
    node.body.visit(finder)
    return not finder.found


def _statements(block: cst.BaseSuite) -> list[cst.BaseStatement]:
    """The statements of a block, and of the `if`/`try` blocks in it, in order."""
    if not isinstance(block, cst.IndentedBlock):
        return []
    found: list[cst.BaseStatement] = []
    for statement in block.body:
        found.append(statement)
        blocks: list[cst.BaseSuite] = []
        if isinstance(statement, cst.If):
            blocks.append(statement.body)
            orelse: cst.If | cst.Else | None = statement.orelse
            while isinstance(orelse, cst.If):
                blocks.append(orelse.body)
                orelse = orelse.orelse
            if orelse is not None:
                blocks.append(orelse.body)
        elif isinstance(statement, cst.Try):
            blocks.append(statement.body)
            blocks.extend(handler.body for handler in statement.handlers)
            if statement.orelse is not None:
                blocks.append(statement.orelse.body)
            if statement.finalbody is not None:
                blocks.append(statement.finalbody.body)
        for inner in blocks:
            found.extend(_statements(inner))
    return found


def _class_members(cls: cst.ClassDef, name: str) -> list[cst.CSTNode]:
    """What binds `name` in a class body: its `def`s and plain assignments."""
    found: list[cst.CSTNode] = []
    for statement in _statements(cls.body):
        if isinstance(statement, cst.FunctionDef) and statement.name.value == name:
            found.append(statement)
        elif isinstance(statement, cst.SimpleStatementLine):
            for small in statement.body:
                targets: list[cst.BaseExpression] = []
                if isinstance(small, cst.Assign):
                    targets = [t.target for t in small.targets]
                elif isinstance(small, cst.AnnAssign):
                    targets = [small.target]
                if any(isinstance(t, cst.Name) and t.value == name for t in targets):
                    found.append(small)
    return found


class UnawaitedCoroutine(Rule):
    """A coroutine function called as a statement without `await`: the coroutine never runs."""

    code = "FML103"
    name = "unawaited-coroutine"
    severity = "error"
    checklist = "no blocking operations in async"
    summary = "coroutine called without `await` never runs"
    what = (
        "Finds expression statements in the body of an `async def` that call a coroutine "
        "function and drop the result: `asyncio.sleep(...)` (through any import form), an "
        "`async def` of the same file called by its name (a module-level one, one nested in "
        "an enclosing function, or the function itself), or `self.m(...)` where `m` is an "
        "`async def` of the class that encloses the method. A call whose result is used "
        "(awaited, assigned, passed, returned, given to `asyncio.create_task`, `gather`, "
        "`ensure_future`) is not reported, nor is a name the function rebinds to something "
        "else, a method the class binds in any other way too, a method inherited from a base "
        "class (unknown here), an async generator (its body has `yield`), or an `async def` "
        "with a decorator that changes what a call returns: one whose name contains `sync` "
        "(`@async_to_sync`, `@syncify`) or `contextmanager` (`@asynccontextmanager`). Other "
        "decorators are assumed to keep it a coroutine function. Library coroutine functions "
        "other than `asyncio.sleep` are not known to the rule. Statements in a nested `def`, "
        "`lambda` or `class` body are not in the async function and are not checked."
    )
    why = (
        "Calling a coroutine function only creates a coroutine object; nothing in its body "
        "runs until it is awaited or scheduled. The statement silently does nothing (the "
        "sleep doesn't wait, the write never happens, the notification is never sent) and "
        "Python only warns `coroutine ... was never awaited` on stderr, long after."
    )
    instead = (
        "`await` the call, or schedule it to run concurrently with "
        "`asyncio.create_task(...)` (keeping a reference to the task)."
    )
    hint = "add `await`, or schedule it with `asyncio.create_task(...)`"
    needles = ("async",)

    VALID = (
        Valid("import asyncio\n\nasync def tool():\n    await asyncio.sleep(1)\n"),
        Valid("async def save(x):\n    pass\n\nasync def tool():\n    await save(1)\n"),
        Valid("import asyncio\n\nasync def save(x):\n    pass\n\nasync def tool():\n"
              "    task = asyncio.create_task(save(1))\n    await task\n"),
        Valid("import asyncio\n\nasync def save(x):\n    pass\n\nasync def tool():\n"
              "    await asyncio.gather(save(1), save(2))\n    return save(3)\n"),
        Valid("def save(x):\n    pass\n\nasync def tool():\n    save(1)\n"),
        Valid("async def save(x):\n    pass\n\nasync def tool():\n    def save(x):\n"
              "        return x\n    save(1)\n"),
        Valid("import asyncio\n\nasync def tool():\n    def later():\n"
              "        asyncio.sleep(1)\n    return lambda: asyncio.sleep(2)\n"),
        Valid("import time\n\nasync def tool():\n    time.sleep(1)\n"),
        Valid("class Server:\n    def flush(self):\n        pass\n\n"
              "    async def tool(self):\n        self.flush()\n"),
        Valid("class Server:\n    async def flush(self):\n        pass\n\n"
              "    async def tool(self):\n        await self.flush()\n        other.flush()\n"),
        Valid("from asgiref.sync import async_to_sync\n\n@async_to_sync\nasync def save(x):\n"
              "    pass\n\nasync def tool():\n    save(1)\n"),
        Valid("from trio import sleep\n\nasync def tool():\n    await sleep(1)\n"),
        Valid("from contextlib import asynccontextmanager\n\n@asynccontextmanager\n"
              "async def lifespan(app):\n    yield {}\n\nasync def tool():\n    lifespan(1)\n"),
        Valid("async def rows():\n    yield 1\n\nasync def tool():\n    rows()\n"),
    )
    INVALID = (
        Invalid("import asyncio\n\nasync def tool():\n    asyncio.sleep(1)\n", at=((4, 5),)),
        Invalid("from asyncio import sleep as pause\n\nasync def tool():\n"
                "    for _ in range(3):\n        pause(0.1)\n", at=((5, 9),)),
        Invalid("async def notify(msg):\n    pass\n\nasync def tool():\n"
                "    notify('done')\n    return 'ok'\n", at=((5, 5),)),
        Invalid("class Server:\n    async def flush(self):\n        pass\n\n"
                "    async def tool(self):\n        if True:\n            self.flush()\n",
                at=((7, 13),)),
        Invalid("async def tool():\n    async def log(x):\n        pass\n"
                "    try:\n        log(1)\n    finally:\n        (log(2))\n",
                at=((5, 9), (7, 10))),
    )

    def __init__(self, context: FileContext) -> None:
        super().__init__(context)
        self._known: dict[cst.CSTNode, bool] = {}

    def _is_coroutine_function(self, node: cst.CSTNode) -> bool:
        known = self._known.get(node)
        if known is None:
            known = self._known[node] = _is_coroutine_function(node)
        return known

    def visit_Expr(self, node: cst.Expr) -> None:
        call = node.value
        if not isinstance(call, cst.Call) or not self.context.where.in_async:
            return
        label = self._coroutine(call.func)
        if label is not None:
            self.report(call, f"`{label}()` creates a coroutine that is never awaited: it "
                              "never runs; `await` it or schedule it with "
                              "`asyncio.create_task(...)`")

    def _coroutine(self, func: cst.BaseExpression) -> str | None:
        """How to name the called coroutine function, if `func` is one."""
        where = self.context.where
        resolved: str | None = self.context.resolve(func)
        if resolved in _COROUTINE_FUNCTIONS:
            return resolved
        if isinstance(func, cst.Name):
            found = where.scope.lookup(func.value)
            if found is not None and all(self._is_coroutine_function(b.node) for b in found[1]):
                return func.value
            return None
        if (isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name)
                and func.value.value == "self"):
            cls = next((f.node for f in reversed(where.frames)
                        if isinstance(f.node, cst.ClassDef)), None)
            if cls is None:
                return None
            members = _class_members(cls, func.attr.value)
            if members and all(self._is_coroutine_function(m) for m in members):
                return f"self.{func.attr.value}"
        return None
