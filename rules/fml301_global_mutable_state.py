"""FML301 global-mutable-state."""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst

from fastmcp_lint.api import FileContext, Invalid, Rule, Valid

_MUTATORS = frozenset({
    "append", "extend", "insert", "pop", "remove", "clear", "update", "setdefault", "add",
    "discard", "popitem", "sort", "reverse", "appendleft", "extendleft", "popleft",
})
_CONTAINER_CALLS = frozenset({
    "builtins.list", "builtins.dict", "builtins.set", "collections.defaultdict",
    "collections.OrderedDict", "collections.Counter", "collections.deque",
})
_DISPLAYS = (cst.List, cst.Dict, cst.Set, cst.ListComp, cst.DictComp, cst.SetComp)


@dataclass
class _Mutation:
    function: cst.FunctionDef | cst.Lambda
    name: str
    node: cst.CSTNode
    rebinds: bool


def _root_name(expr: cst.BaseExpression) -> cst.Name | None:
    """`CACHE` in `CACHE[k]`, `CACHE.items[k]`, `CACHE["a"]["b"]`."""
    while isinstance(expr, (cst.Subscript, cst.Attribute)):
        expr = expr.value
    return expr if isinstance(expr, cst.Name) else None


class GlobalMutableState(Rule):
    """A function that mutates a module-level container or rebinds a global."""

    code = "FML301"
    name = "global-mutable-state"
    severity = "warning"
    checklist = "no global mutable state"
    summary = "function mutates module-level state"
    what = (
        "Finds functions that mutate a module-level mutable container (a name bound at "
        "module level to a list, dict or set display or comprehension, or to `list()`, "
        "`dict()`, `set()`, `collections.defaultdict/OrderedDict/Counter/deque()`), by "
        "calling a mutating method on it (`append`, `update`, `pop`, ...), assigning, "
        "augmenting or deleting one of its items or attributes, or that rebind a module-level "
        "name through `global`. Mutations inside `with X:`/`async with X:` where X's name or "
        "attribute ends in `lock` are not reported, nor are functions under "
        "`if __name__ == \"__main__\":`. One diagnostic per function and name, at that "
        "function's first mutation of the name (for `del`, the `del` statement)."
    )
    why = (
        "A FastMCP server serves many clients at once, often in several worker processes. "
        "Module-level state is shared by every concurrent tool call in a process (so updates "
        "interleave and race across `await` points) and is silently different in each worker "
        "(so a value written by one request is missing in the next). It also leaks between "
        "sessions and tests."
    )
    instead = (
        "Keep state in the server's lifespan context or in an object owned by the server, "
        "use an external store (Redis, a database) for state that must be shared, or guard "
        "the mutation with an `asyncio.Lock` (`async with _lock:`)."
    )
    hint = "keep the state in a lifespan context or a store, or guard it with a lock"

    VALID = (
        Valid("CACHE = {}\n\ndef get(key):\n    return CACHE.get(key)\n"),
        Valid("import asyncio\nCACHE = {}\n_lock = asyncio.Lock()\n\n"
              "async def put(key, value):\n    async with _lock:\n        CACHE[key] = value\n"),
        Valid("import threading\nITEMS = []\nITEMS_LOCK = threading.Lock()\n\n"
              "def add(x):\n    with ITEMS_LOCK:\n        ITEMS.append(x)\n"),
        Valid("ITEMS = []\n\ndef add(x):\n    ITEMS = []\n    ITEMS.append(x)\n"),
        Valid("def add(x, items=None):\n    items = items or []\n    items.append(x)\n"),
        Valid("CONFIG = {'a': 1}\nCONFIG['b'] = 2\n"),
        Valid("NAMES = ('a', 'b')\n\ndef add():\n    return NAMES.count('a')\n"),
        Valid("class Store:\n    items = []\n\n    def add(self, x):\n"
              "        self.items.append(x)\n"),
        Valid("ITEMS = []\n\nif __name__ == '__main__':\n    def main():\n"
              "        ITEMS.append(1)\n    main()\n"),
    )
    INVALID = (
        Invalid("ITEMS = []\n\ndef add(x):\n    ITEMS.append(x)\n    ITEMS.append(x)\n",
                at=((4, 5),)),
        Invalid("from collections import defaultdict as dd\nCOUNTS = dd(int)\n\n"
                "async def hit(name):\n    COUNTS[name] += 1\n", at=((5, 5),)),
        Invalid("SESSIONS = {}\n\ndef drop(key):\n    del SESSIONS[key]\n", at=((4, 5),)),
        Invalid("_client = None\n\ndef client():\n    global _client\n    _client = object()\n"
                "    return _client\n", at=((5, 5),)),
        Invalid("counter = 0\n\ndef bump():\n    global counter\n    counter += 1\n",
                at=((5, 5),)),
        Invalid("SEEN = set()\n\ndef a(x):\n    SEEN.add(x)\n\ndef b(x):\n    SEEN.discard(x)\n",
                at=((4, 5), (7, 5))),
        Invalid("def early(x):\n    STATE['x'] = x\n\nSTATE = dict()\n", at=((2, 5),)),
        Invalid("import asyncio\nLOG = []\n\nasync def tool():\n"
                "    async with asyncio.timeout(1):\n        LOG.append(1)\n", at=((6, 9),)),
    )

    def __init__(self, context: FileContext) -> None:
        super().__init__(context)
        self._containers: set[str] = set()
        self._mutations: list[_Mutation] = []

    def _note(self, target: cst.BaseExpression, node: cst.CSTNode, *,
              binds_name: bool = True) -> None:
        """Record a mutation of `target`'s root name; `binds_name`: assigning a bare name."""
        where = self.context.where
        function = where.function
        if function is None or where.in_lock or where.in_main_guard:
            return
        if isinstance(target, (cst.Tuple, cst.List)):
            for element in target.elements:
                self._note(element.value, node if not binds_name else element.value,
                           binds_name=binds_name)
            return
        if isinstance(target, cst.StarredElement):
            self._note(target.value, node, binds_name=binds_name)
            return
        if binds_name and isinstance(target, cst.Name):
            if target.value in where.scope.globals:
                self._mutations.append(_Mutation(function, target.value, node, True))
            return
        root = _root_name(target)
        if root is None:
            return
        found = where.scope.lookup(root.value)
        if found is not None and found[0].kind == "module":
            self._mutations.append(_Mutation(function, root.value, node, False))

    def _is_container(self, value: cst.BaseExpression | None) -> bool:
        if isinstance(value, _DISPLAYS):
            return True
        return isinstance(value, cst.Call) and self.context.resolve(value.func) in _CONTAINER_CALLS

    def _bind(self, target: cst.BaseExpression, value: cst.BaseExpression | None) -> None:
        if isinstance(target, cst.Name) and self._is_container(value):
            self._containers.add(target.value)
        elif isinstance(target, (cst.Tuple, cst.List)) and isinstance(value, (cst.Tuple,
                                                                              cst.List)):
            for element, element_value in zip(target.elements, value.elements, strict=False):
                self._bind(element.value, element_value.value)

    def _at_module_level(self) -> bool:
        where = self.context.where
        return not where.frames and not where.in_main_guard

    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            if self._at_module_level():
                self._bind(target.target, node.value)
            else:
                self._note(target.target, target.target)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if self._at_module_level():
            self._bind(node.target, node.value)
        elif node.value is not None:
            self._note(node.target, node.target)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        self._note(node.target, node.target)

    def visit_Del(self, node: cst.Del) -> None:
        target = node.target
        elements = target.elements if isinstance(target, (cst.Tuple, cst.List)) else None
        for target in [e.value for e in elements] if elements else [node.target]:
            if not isinstance(target, cst.Name):
                self._note(target, node)

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if isinstance(func, cst.Attribute) and func.attr.value in _MUTATORS:
            self._note(func.value, node, binds_name=False)

    def leave_Module(self, node: cst.Module) -> None:
        reported: set[tuple[cst.CSTNode, str]] = set()
        for mutation in self._mutations:
            key = (mutation.function, mutation.name)
            if key in reported or not (mutation.rebinds or mutation.name in self._containers):
                continue
            reported.add(key)
            function = mutation.function
            label = function.name.value if isinstance(function, cst.FunctionDef) else "<lambda>"
            if mutation.rebinds:
                message = (f"`{label}()` rebinds module-level `{mutation.name}` through "
                           "`global`: state shared by every request and different per worker")
            else:
                message = (f"`{label}()` mutates module-level `{mutation.name}`: concurrent "
                           "tool calls race on it, and each worker has its own copy")
            self.report(mutation.node, message)
