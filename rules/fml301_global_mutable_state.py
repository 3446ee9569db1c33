"""FML301 global-mutable-state."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import libcst as cst

from fastmcp_preflight.api import ON_REQUEST_PATH, VIA, FileContext, Invalid, Rule, Scope, Valid
from fastmcp_preflight.model.walker import child_nodes

_MUTATORS = frozenset({
    "append", "extend", "insert", "pop", "remove", "clear", "update", "setdefault", "add",
    "discard", "popitem", "sort", "reverse", "appendleft", "extendleft", "popleft",
    "move_to_end",
})
_CONTAINER_CALLS = frozenset({
    "builtins.list", "builtins.dict", "builtins.set", "collections.defaultdict",
    "collections.OrderedDict", "collections.Counter", "collections.deque",
})
_DISPLAYS = (cst.List, cst.Dict, cst.Set, cst.ListComp, cst.DictComp, cst.SetComp)
#: The MCP SDK's low-level server decorators (`@server.call_tool()`) and handler calls
#: (`server.add_request_handler("resources/subscribe", handler)`): MCP requests too.
_LOWLEVEL_DECORATORS = frozenset({
    "call_tool", "list_tools", "read_resource", "list_resources", "list_resource_templates",
    "subscribe_resource", "unsubscribe_resource", "get_prompt", "list_prompts",
    "set_logging_level", "completion",
})
_LOWLEVEL_ADDERS = frozenset({"add_request_handler", "add_notification_handler"})
#: How deep a request path is followed through calls (as RULES.md's "through the project").
_MAX_DEPTH = 8

_Function = cst.FunctionDef | cst.Lambda
#: The start of the examples: a server to register tools on.
_SERVER = "from fastmcp import FastMCP\nmcp = FastMCP('s')\n"
#: What a lazy-initialisation check is about: (`X`, "") for a global name, (`D`, key code)
#: for an item of a module-level dict.
_Key = tuple[str, str]


@dataclass
class _Mutation:
    function: _Function
    name: str
    node: cst.CSTNode
    rebinds: bool
    #: `D` for an assignment `D[k] = ...`.
    item: str | None = None


def _root_name(expr: cst.BaseExpression) -> cst.Name | None:
    """`CACHE` in `CACHE[k]`, `CACHE.items[k]`, `CACHE["a"]["b"]`."""
    while isinstance(expr, (cst.Subscript, cst.Attribute)):
        expr = expr.value
    return expr if isinstance(expr, cst.Name) else None


def _code(module: cst.Module, node: cst.CSTNode) -> str:
    return "".join(module.code_for_node(node).split())


def _item_key(module: cst.Module, target: cst.BaseExpression) -> _Key | None:
    """`(D, k)` for `D[k]` with a single plain index."""
    if (isinstance(target, cst.Subscript) and isinstance(target.value, cst.Name)
            and len(target.slice) == 1 and isinstance(target.slice[0].slice, cst.Index)):
        return target.value.value, _code(module, target.slice[0].slice.value)
    return None


def _get_key(module: cst.Module, expr: cst.BaseExpression) -> _Key | None:
    """`(D, k)` for `D.get(k)` / `D.get(k, default)`."""
    if (isinstance(expr, cst.Call) and isinstance(expr.func, cst.Attribute)
            and expr.func.attr.value == "get" and isinstance(expr.func.value, cst.Name)
            and expr.args and expr.args[0].keyword is None and not expr.args[0].star):
        return expr.func.value.value, _code(module, expr.args[0].value)
    return None


def _subject_keys(module: cst.Module, expr: cst.BaseExpression,
                  aliases: dict[str, _Key]) -> set[_Key]:
    """What a truth or `None` test is about: a name `X`, `D.get(k)`, or a local name
    assigned `D.get(k)` (`client = CACHE.get(key)`, then `if client is None:`)."""
    if isinstance(expr, cst.Name):
        alias = aliases.get(expr.value)
        return {(expr.value, ""), alias} if alias is not None else {(expr.value, "")}
    key = _get_key(module, expr)
    return {key} if key is not None else set()


def _checks(module: cst.Module, test: cst.BaseExpression, aliases: dict[str, _Key], *,
            unset: bool) -> set[_Key]:
    """The names and items that `test`, when true, says are unset (`unset=True`: `X is None`,
    `not X`, `k not in D`, `D.get(k) is None`) or set (`X is not None`, `X`, `k in D`).

    Any operand of `or`/`and` counts: `X is None or X.closed` is the re-creation form of the
    idiom, and `X is None and ...` holds only when the check does.
    """
    if isinstance(test, cst.BooleanOperation):
        return (_checks(module, test.left, aliases, unset=unset)
                | _checks(module, test.right, aliases, unset=unset))
    if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
        return _checks(module, test.expression, aliases, unset=not unset)
    if isinstance(test, cst.Comparison) and len(test.comparisons) == 1:
        operator = test.comparisons[0].operator
        right = test.comparisons[0].comparator
        if isinstance(operator, (cst.In, cst.NotIn)) and isinstance(right, cst.Name):
            if isinstance(operator, cst.NotIn) == unset:
                return {(right.value, _code(module, test.left))}
            return set()
        is_none = isinstance(operator, (cst.Is, cst.Equal))
        if not is_none and not isinstance(operator, (cst.IsNot, cst.NotEqual)):
            return set()
        sides = [test.left, right]
        if not any(isinstance(side, cst.Name) and side.value == "None" for side in sides):
            return set()
        if is_none != unset:
            return set()
        return {key for side in sides for key in _subject_keys(module, side, aliases)
                if key[0] != "None"}
    if not unset:
        return _subject_keys(module, test, aliases)
    return set()


def _ends_in_exit(body: cst.BaseSuite) -> bool:
    """The block ends with `return` (or `continue`, the same inside a loop)."""
    if isinstance(body, cst.SimpleStatementSuite):
        last = body.body[-1] if body.body else None
    else:
        statement = body.body[-1] if body.body else None
        last = (statement.body[-1] if isinstance(statement, cst.SimpleStatementLine)
                and statement.body else None)
    return isinstance(last, (cst.Return, cst.Continue))


def _lock_call(statement: cst.CSTNode, method: str, module: cst.Module) -> str | None:
    """The receiver of a statement `x.acquire()` / `await x.acquire()` (for `method`)."""
    if not isinstance(statement, cst.SimpleStatementLine) or len(statement.body) != 1:
        return None
    small = statement.body[0]
    expr = small.value if isinstance(small, cst.Expr) else None
    if isinstance(expr, cst.Await):
        expr = expr.expression
    if (isinstance(expr, cst.Call) and isinstance(expr.func, cst.Attribute)
            and expr.func.attr.value == method):
        return _code(module, expr.func.value)
    return None


def _releases(block: cst.BaseSuite, module: cst.Module) -> bool:
    statements = block.body if isinstance(block, cst.IndentedBlock) else (block,)
    return any(_lock_call(statement, "release", module) is not None for statement in statements)


def _descendants(node: cst.CSTNode, into: set[cst.CSTNode]) -> None:
    into.add(node)
    for child in child_nodes(node):
        _descendants(child, into)


class _Exemptions:
    """The assignments of one function body made under the lazy-initialisation idiom, and
    the nodes between a lock's `acquire()` and `release()`."""

    def __init__(self, module: cst.Module) -> None:
        self.module = module
        self.lazy: dict[cst.CSTNode, set[_Key]] = {}
        self.locked: set[cst.CSTNode] = set()
        #: Calls by name made where a lazy-initialisation check holds, with what it says.
        self.call_holds: dict[cst.Call, frozenset[_Key]] = {}
        #: The function's locals assigned `D.get(k)`.
        self.aliases: dict[str, _Key] = {}

    def function(self, node: cst.FunctionDef) -> None:
        self.aliases = {}
        self.block(node.body, frozenset())

    def block(self, block: cst.BaseSuite, holds: frozenset[_Key]) -> None:
        if isinstance(block, cst.SimpleStatementSuite):
            self._simple(block.body, holds)
            return
        if not isinstance(block, cst.IndentedBlock):
            return
        acquired: set[str] = set()
        for statement in block.body:
            released = _lock_call(statement, "release", self.module)
            if released is not None:
                acquired.discard(released)
            if acquired:
                _descendants(statement, self.locked)
            taken = _lock_call(statement, "acquire", self.module)
            if taken is not None:
                acquired.add(taken)
            holds = self.statement(statement, holds)

    def statement(self, statement: cst.BaseStatement, holds: frozenset[_Key]
                  ) -> frozenset[_Key]:
        """Scan one statement; returns what holds after it."""
        if isinstance(statement, cst.SimpleStatementLine):
            self._simple(statement.body, holds)
        elif isinstance(statement, cst.If):
            self._if(statement, holds)
            if _ends_in_exit(statement.body):
                return holds | _checks(self.module, statement.test, self.aliases, unset=False)
        elif isinstance(statement, (cst.Try, cst.TryStar)):
            if statement.finalbody is not None and _releases(statement.finalbody.body,
                                                             self.module):
                _descendants(statement.body, self.locked)
            self.block(statement.body, holds)
            for handler in statement.handlers:
                self.block(handler.body, holds)
            if statement.orelse is not None:
                self.block(statement.orelse.body, holds)
            if statement.finalbody is not None:
                self.block(statement.finalbody.body, holds)
        elif isinstance(statement, (cst.For, cst.While)):
            self.block(statement.body, holds)
            if statement.orelse is not None:
                self.block(statement.orelse.body, holds)
        elif isinstance(statement, cst.With):
            self.block(statement.body, holds)
        return holds

    def _if(self, node: cst.If, holds: frozenset[_Key]) -> None:
        self._test(node.test, holds)
        self.block(node.body, holds | _checks(self.module, node.test, self.aliases, unset=True))
        otherwise = holds | _checks(self.module, node.test, self.aliases, unset=False)
        if isinstance(node.orelse, cst.If):
            self._if(node.orelse, otherwise)
        elif isinstance(node.orelse, cst.Else):
            self.block(node.orelse.body, otherwise)

    def _test(self, test: cst.BaseExpression, holds: frozenset[_Key]) -> None:
        """`if X is None and not init():`: the calls after an `and` run only when the
        checks before it hold."""
        if isinstance(test, cst.BooleanOperation) and isinstance(test.operator, cst.And):
            self._test(test.left, holds)
            self._test(test.right,
                       holds | _checks(self.module, test.left, self.aliases, unset=True))
        elif holds:
            calls: set[cst.CSTNode] = set()
            _descendants(test, calls)
            for call in calls:
                if isinstance(call, cst.Call) and isinstance(call.func, cst.Name):
                    self.call_holds[call] = holds

    def _simple(self, statements: Sequence[cst.BaseSmallStatement],
                holds: frozenset[_Key]) -> None:
        for small in statements:
            if (isinstance(small, cst.Assign) and len(small.targets) == 1
                    and isinstance(small.targets[0].target, cst.Name)):
                key = _get_key(self.module, small.value)
                name = small.targets[0].target.value
                if key is not None:
                    self.aliases[name] = key
                else:
                    self.aliases.pop(name, None)
        if not holds:
            return
        for small in statements:
            calls: set[cst.CSTNode] = set()
            _descendants(small, calls)
            for call in calls:
                if isinstance(call, cst.Call) and isinstance(call.func, cst.Name):
                    self.call_holds[call] = holds
            targets: list[cst.BaseExpression] = []
            if isinstance(small, cst.Assign):
                targets = [target.target for target in small.targets]
            elif isinstance(small, cst.AnnAssign) and small.value is not None:
                targets = [small.target]
            for target in targets:
                self.lazy[target] = set(holds)


class GlobalMutableState(Rule):
    """A function that mutates a module-level container or rebinds a global."""

    code = "FML301"
    name = "global-mutable-state"
    severity = "warning"
    checklist = "no global mutable state"
    summary = "function mutates module-level state"
    what = (
        "Finds functions that run per request and mutate a module-level mutable container (a "
        "name bound at module level to a list, dict or set display or comprehension, or to "
        "`list()`, `dict()`, `set()`, `collections.defaultdict/OrderedDict/Counter/deque()`), "
        "by calling a mutating method on it (`append`, `update`, `pop`, `move_to_end`, ...), "
        "assigning, augmenting or deleting one of its items or attributes, or that rebind a "
        "module-level name through `global`. Runs per request: a tool, resource or prompt "
        "function, a web route handler (`custom_route`, Starlette `Route(path, handler)`, "
        "`add_route`/`add_api_route`, a `@app.get(\"/path\")`-style route decorator), or a "
        "low-level MCP request handler (`@server.call_tool()`, `add_request_handler(...)`), or a "
        "function of the same file that one of them calls by name (also `self.`/`cls.` "
        "methods of the same class, a function passed by name as to `asyncio.to_thread(f)`, "
        "and functions and lambdas defined inside one), followed up to 8 calls deep; the "
        "message names the path. Functions no request path reaches (start-up, CLI, "
        "configuration, test hooks, lifespans) are not reported. Not reported either: the "
        "lazy-initialisation idiom, a `global X` rebinding or `D[k] = ...` that runs only when "
        "a check says it is unset (in the body of an `if` whose test is `X is None`, `not X`, "
        "`k not in D`, `D.get(k) is None`, or an `or`/`and` with such an operand; in the "
        "`else:` of an `if` that checks it is set, `if k in D:`; or after an `if` that checks "
        "it is set and ends in `return` or `continue`; `D.get(k)` may be read into a local "
        "first: `client = D.get(k)`, `if client is None:`); two forms of the same idiom spread "
        "over functions: a reset `X = None` of a global that the file initialises lazily (the "
        "next use creates it again), and `D[k] = ...` in a helper that every caller in the "
        "file calls only where a check says an item of `D` is unset (a cache filled by a "
        "helper); mutations inside `with X:`/"
        "`async with X:` where X's name or attribute ends in `lock`, between `x.acquire()` and "
        "`x.release()`, or in a `try` whose `finally` calls `x.release()`; mutations in a "
        "function whose name ends in `_locked` (it is called with the lock held), or under "
        "`if __name__ == \"__main__\":`. One diagnostic per function and name, at that "
        "function's first reported mutation of the name (for `del`, the `del` statement). "
        "Calls into other modules are not followed yet."
    )
    why = (
        "A FastMCP server serves many clients at once, often in several worker processes. "
        "Module-level state that requests write is shared by every concurrent call in a "
        "process (so updates interleave and race across `await` points) and is silently "
        "different in each worker (so a value written by one request is missing in the "
        "next). It also leaks between sessions."
    )
    instead = (
        "Keep state in the server's lifespan context or in an object owned by the server, "
        "use an external store (Redis, a database) for state that must be shared, or guard "
        "the mutation with an `asyncio.Lock` (`async with _lock:`)."
    )
    hint = "keep the state in a lifespan context or a store, or guard it with a lock"

    VALID = (
        # Lazy initialisation of a container built through an alias.
        Valid(_SERVER + "from collections import defaultdict as dd\n_BY_KEY = dd(list)\n\n"
              "@mcp.tool\ndef f(k: str) -> None:\n    if k not in _BY_KEY:\n"
              "        _BY_KEY[k] = []\n"),
        Valid(_SERVER + "CACHE = {}\n\n@mcp.tool\ndef get(key: str) -> str:\n"
              "    return CACHE.get(key)\n"),
        Valid(_SERVER + "import asyncio\nCACHE = {}\n_lock = asyncio.Lock()\n\n@mcp.tool\n"
              "async def put(key: str, value: str) -> None:\n    async with _lock:\n"
              "        CACHE[key] = value\n"),
        Valid(_SERVER + "import threading\nITEMS = []\nITEMS_LOCK = threading.Lock()\n\n"
              "@mcp.tool\ndef add(x: int) -> None:\n    with ITEMS_LOCK:\n"
              "        ITEMS.append(x)\n"),
        Valid(_SERVER + "ITEMS = []\n\n@mcp.tool\ndef add(x: int) -> None:\n    ITEMS = []\n"
              "    ITEMS.append(x)\n"),
        Valid("CONFIG = {'a': 1}\nCONFIG['b'] = 2\n"),
        Valid(_SERVER + "class Store:\n    items = []\n\n    def add(self, x):\n"
              "        self.items.append(x)\n"),
        Valid("ITEMS = []\n\nif __name__ == '__main__':\n    def main():\n"
              "        ITEMS.append(1)\n    main()\n"),
        # Start-up, CLI and configuration code that no request path calls.
        Valid(_SERVER + "DEBUG = False\nPATHS = []\n\ndef main() -> None:\n    global DEBUG\n"
              "    DEBUG = True\n    PATHS.append('/srv')\n    mcp.run()\n"),
        Valid(_SERVER + "ITEMS = []\n\ndef helper(x):\n    ITEMS.append(x)\n\n"
              "if __name__ == '__main__':\n    helper(1)\n"),
        # The lazy-initialisation idiom, reached from a tool.
        Valid(_SERVER + "_client = None\n\ndef client():\n    global _client\n"
              "    if _client is None:\n        _client = object()\n    return _client\n\n"
              "@mcp.tool\ndef ping() -> str:\n    return str(client())\n"),
        # Lazy initialisation in a function of its own, called only while its flag is unset.
        Valid(_SERVER + "_LOADED = False\n_TITLES = {}\n\ndef _load():\n    global _LOADED\n"
              "    _TITLES['a'] = 'A'\n    _LOADED = True\n\n@mcp.tool\ndef t() -> str:\n"
              "    if not _LOADED:\n        _load()\n    return str(_TITLES)\n"),
        Valid(_SERVER + "_RULES = None\n\ndef _init() -> bool:\n    global _RULES\n"
              "    _RULES = [1]\n    return True\n\n@mcp.tool\ndef t() -> str:\n"
              "    if _RULES is None and not _init():\n        return ''\n"
              "    return str(_RULES)\n"),
        Valid(_SERVER + "_conn = None\n\n@mcp.tool\ndef q() -> str:\n    global _conn\n"
              "    if _conn is None or _conn.closed:\n        _conn = object()\n"
              "    return str(_conn)\n"),
        Valid(_SERVER + "_CLIENTS = {}\n\n@mcp.tool\ndef c(region: str) -> str:\n"
              "    if region not in _CLIENTS:\n        _CLIENTS[region] = object()\n"
              "    return str(_CLIENTS[region])\n"),
        Valid(_SERVER + "_CACHE = {}\n\n@mcp.tool\ndef c(key: str) -> str:\n"
              "    if key in _CACHE:\n        return _CACHE[key]\n"
              "    value = key.upper()\n    _CACHE[key] = value\n    return value\n"),
        Valid(_SERVER + "_CACHE = {}\n\n@mcp.tool\ndef c(key: str) -> str:\n"
              "    if key in _CACHE:\n        v = _CACHE[key]\n    else:\n"
              "        v = _CACHE[key] = key.upper()\n    return v\n"),
        Valid(_SERVER + "_CACHE = {}\n\n@mcp.tool\ndef c(key: str) -> str:\n"
              "    if _CACHE.get(key) is None:\n        _CACHE[key] = key.upper()\n"
              "    return _CACHE[key]\n"),
        # acquire()/release() and `_locked` helpers.
        Valid(_SERVER + "import threading\nJOBS = {}\nguard = threading.Lock()\n\n@mcp.tool\n"
              "def put(k: str) -> None:\n    guard.acquire()\n    try:\n"
              "        JOBS[k] = 1\n    finally:\n        guard.release()\n"),
        Valid(_SERVER + "import threading\nJOBS = {}\nguard = threading.Lock()\n\n@mcp.tool\n"
              "def put(k: str) -> None:\n    guard.acquire()\n    JOBS[k] = 1\n"
              "    guard.release()\n"),
        Valid(_SERVER + "JOBS = {}\n\ndef _put_locked(k):\n    JOBS[k] = 1\n\n@mcp.tool\n"
              "def put(k: str) -> None:\n    _put_locked(k)\n"),
        # A function of the same name in a class is not the module function called.
        Valid(_SERVER + "ITEMS = []\n\nclass A:\n    def log(self, x):\n"
              "        ITEMS.append(x)\n\ndef log(x):\n    return x\n\n@mcp.tool\n"
              "def t(x: int) -> int:\n    return log(x)\n"),
        # A route path that is not a string literal URL path: not a route decorator.
        Valid("ITEMS = []\n\n@cache.get('key')\ndef f():\n    ITEMS.append(1)\n"),
    )
    INVALID = (
        Invalid(_SERVER + "ITEMS = []\n\n@mcp.tool\ndef add(x: int) -> None:\n"
                "    ITEMS.append(x)\n    ITEMS.append(x)\n", at=((7, 5),)),
        Invalid(_SERVER + "from collections import defaultdict as dd\nCOUNTS = dd(int)\n\n"
                "@mcp.tool\nasync def hit(name: str) -> None:\n    COUNTS[name] += 1\n",
                at=((8, 5),)),
        Invalid(_SERVER + "SESSIONS = {}\n\n@mcp.resource('s://{key}')\ndef drop(key: str):\n"
                "    del SESSIONS[key]\n", at=((7, 5),)),
        Invalid(_SERVER + "counter = 0\n\n@mcp.prompt\ndef bump() -> str:\n    global counter\n"
                "    counter += 1\n    return ''\n", at=((8, 5),)),
        Invalid(_SERVER + "SEEN = set()\n\ndef a(x):\n    SEEN.add(x)\n\n"
                "def b(x):\n    SEEN.discard(x)\n\n@mcp.tool\ndef t(x: int) -> None:\n"
                "    a(x)\n    b(x)\n", at=((6, 5), (9, 5))),
        Invalid(_SERVER + "@mcp.tool\ndef early(x: int) -> None:\n    STATE['x'] = x\n\n"
                "STATE = dict()\n", at=((5, 5),)),
        Invalid(_SERVER + "import asyncio\nLOG = []\n\n@mcp.tool\nasync def tool() -> None:\n"
                "    async with asyncio.timeout(1):\n        LOG.append(1)\n", at=((9, 9),)),
        # Reached through a chain of calls, a thread, a method and nested functions.
        Invalid(_SERVER + "import asyncio\nLOG = []\n\ndef _write(x):\n    LOG.append(x)\n\n"
                "def _save(x):\n    _write(x)\n\n@mcp.tool\nasync def t(x: int) -> None:\n"
                "    await asyncio.to_thread(_save, x)\n", at=((7, 5),)),
        Invalid(_SERVER + "LOG = []\n\nclass S:\n    def __init__(self):\n"
                "        mcp.tool(self.run)\n\n    def run(self, x: int) -> None:\n"
                "        self._log(x)\n\n    def _log(self, x):\n        LOG.append(x)\n",
                at=((13, 9),)),
        Invalid(_SERVER + "LOG = []\n\n@mcp.tool\ndef t(xs: list[int]) -> None:\n"
                "    def keep(x):\n        LOG.append(x)\n    for x in xs:\n        keep(x)\n"
                "    list(map(lambda x: LOG.remove(x), xs))\n", at=((8, 9), (11, 24))),
        # Web route handlers.
        Invalid("from mcp.server.lowlevel import Server\nserver = Server('s')\nSUBS = set()\n\n"
                "@server.subscribe_resource()\nasync def sub(uri):\n    SUBS.add(uri)\n\n"
                "async def unsub(ctx, params):\n    SUBS.discard(params.uri)\n\n"
                "server.add_request_handler('resources/unsubscribe', dict, unsub)\n",
                at=((7, 5), (10, 5))),
        Invalid(_SERVER + "HITS = []\n\n@mcp.custom_route('/hook', methods=['POST'])\n"
                "async def hook(request):\n    HITS.append(request)\n", at=((7, 5),)),
        Invalid("from fastapi import FastAPI\napp = FastAPI()\nHITS = []\n\n"
                "@app.post('/hook')\nasync def hook(body: dict):\n    HITS.append(body)\n",
                at=((7, 5),)),
        Invalid("from starlette.routing import Route as R\nHITS = []\n\n"
                "async def hook(request):\n    HITS.append(request)\n\n"
                "routes = [R('/hook', hook, methods=['POST'])]\n", at=((5, 5),)),
        # Rebinding that is not lazy initialisation, and lazy checks of another name.
        Invalid(_SERVER + "_client = None\n\n@mcp.tool\ndef reconnect() -> None:\n"
                "    global _client\n    _client = object()\n", at=((8, 5),)),
        Invalid(_SERVER + "_a = None\n_b = None\n\n@mcp.tool\ndef t() -> None:\n"
                "    global _a, _b\n    if _a is None:\n        _b = 1\n", at=((10, 9),)),
        Invalid(_SERVER + "_CACHE = {}\n\n@mcp.tool\ndef c(key: str, other: str) -> None:\n"
                "    if key not in _CACHE:\n        _CACHE[other] = 1\n", at=((8, 9),)),
        Invalid(_SERVER + "from collections import OrderedDict\n_LRU = OrderedDict()\n\n"
                "@mcp.tool\ndef c(key: str) -> None:\n    if key in _LRU:\n"
                "        _LRU.move_to_end(key)\n", at=((9, 9),)),
        # A lock acquired and released before the mutation does not guard it.
        Invalid(_SERVER + "import threading\nJOBS = {}\nguard = threading.Lock()\n\n@mcp.tool\n"
                "def put(k: str) -> None:\n    guard.acquire()\n    guard.release()\n"
                "    JOBS[k] = 1\n", at=((11, 5),)),
    )

    def __init__(self, context: FileContext) -> None:
        super().__init__(context)
        self._containers: set[str] = set()
        self._mutations: list[_Mutation] = []
        self._exemptions = _Exemptions(context.module)
        #: Whether the file can have a finding at all: scanning every function for the
        #: lazy-initialisation idiom costs a walk of its body.
        self._relevant = "global" in context.source or _has_module_containers(
            context.module, context.model.module_scope)
        #: The function (or lambda) each function is defined in, and the functions each
        #: calls by name (or passes by name, as to `asyncio.to_thread(f)`), in order.
        self._outer: dict[_Function, _Function | None] = {}
        self._calls: dict[_Function, list[_Function]] = {}
        #: Request entry points: tools, resources, prompts and web route handlers.
        self._entries: dict[_Function, str] = {}
        self._methods: dict[cst.ClassDef, dict[str, cst.FunctionDef]] = {}
        #: What lazy-initialisation checks hold at each call of a function (empty: none).
        self._call_guards: dict[_Function, list[frozenset[_Key]]] = {}
        #: Globals the file initialises lazily, and rebindings to `None`.
        self._lazy_globals: set[str] = set()
        self._none_targets: set[cst.CSTNode] = set()

    # -- what runs per request ------------------------------------------------------------

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._outer[node] = self.context.where.function
        if self._relevant:
            self._exemptions.function(node)
        for decorator in node.decorators:
            expr = decorator.decorator
            if (isinstance(expr, cst.Call) and isinstance(expr.func, cst.Attribute)
                    and expr.func.attr.value in _LOWLEVEL_DECORATORS):
                self._entries.setdefault(node, f"MCP handler `{node.name.value}`")

    def visit_Lambda(self, node: cst.Lambda) -> None:
        self._outer[node] = self.context.where.function

    def _functions_named(self, expr: cst.BaseExpression) -> list[cst.FunctionDef]:
        """The functions of this file `expr` names: `f` (by scope), `self.m`/`cls.m`."""
        where = self.context.where
        if isinstance(expr, cst.Name):
            found = where.scope.lookup(expr.value)
            if found is None:
                return []
            return [b.node for b in found[1]
                    if b.kind == "def" and isinstance(b.node, cst.FunctionDef)]
        if (isinstance(expr, cst.Attribute) and isinstance(expr.value, cst.Name)
                and expr.value.value in ("self", "cls")):
            for frame in reversed(where.frames):
                if isinstance(frame.node, cst.ClassDef):
                    method = self._class_methods(frame.node).get(expr.attr.value)
                    return [method] if method is not None else []
        return []

    def _class_methods(self, node: cst.ClassDef) -> dict[str, cst.FunctionDef]:
        methods = self._methods.get(node)
        if methods is None:
            methods = {s.name.value: s for s in node.body.body if isinstance(s, cst.FunctionDef)}
            self._methods[node] = methods
        return methods

    def _note_handler(self, node: cst.Call) -> None:
        """`server.add_request_handler(method, handler)`: the handler is an entry."""
        func = node.func
        if (isinstance(func, cst.Attribute) and func.attr.value in _LOWLEVEL_ADDERS
                and len(node.args) > 1):
            handler = next((a.value for a in node.args if a.keyword is not None
                            and a.keyword.value == "handler"), node.args[-1].value)
            for function in self._functions_named(handler):
                self._entries.setdefault(function, f"MCP handler `{function.name.value}`")

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if isinstance(func, cst.Attribute) and func.attr.value in _MUTATORS:
            self._note(func.value, node, binds_name=False)
        self._note_handler(node)
        caller = self.context.where.function
        if caller is None:
            return
        callees = self._calls.setdefault(caller, [])
        holds = self._exemptions.call_holds.get(node, frozenset())
        for callee in self._functions_named(func):
            callees.append(callee)
            self._call_guards.setdefault(callee, []).append(holds)
        for arg in node.args:
            if isinstance(arg.value, cst.Name):
                for callee in self._functions_named(arg.value):
                    callees.append(callee)
                    self._call_guards.setdefault(callee, []).append(frozenset())

    def _request_paths(self) -> dict[_Function, list[_Function]]:
        """Each function that runs per request, with a path from an entry point to it
        (breadth first: the shortest), through calls and nested definitions."""
        nested: dict[_Function, list[_Function]] = {}
        for function, outer in self._outer.items():
            if outer is not None:
                nested.setdefault(outer, []).append(function)
        for function in self.context.model.route_handlers:
            self._entries.setdefault(function, f"route `{function.name.value}`")
        for registration in self.context.model.registrations:
            label = (registration.name_text if registration.kind != "route"
                     else registration.function.name.value)
            self._entries.setdefault(registration.function, f"{registration.kind} `{label}`")
        paths: dict[_Function, list[_Function]] = {f: [f] for f in self._entries}
        frontier = list(paths)
        for _ in range(_MAX_DEPTH):
            following: list[_Function] = []
            for function in frontier:
                for callee in self._calls.get(function, []) + nested.get(function, []):
                    if callee not in paths:
                        paths[callee] = [*paths[function], callee]
                        following.append(callee)
            frontier = following
        return paths

    # -- mutations ----------------------------------------------------------------------------

    def _exempt(self, node: cst.CSTNode, name: str, rebinds: bool) -> bool:
        """Under a lock's acquire()/release(), or the lazy-initialisation idiom."""
        if node in self._exemptions.locked:
            return True
        holds = self._exemptions.lazy.get(node)
        if not holds:
            return False
        if rebinds:
            if (name, "") in holds:
                self._lazy_globals.add(name)
                return True
            return False
        key = _item_key(self.context.module, node)  # type: ignore[arg-type]
        return key is not None and key in holds

    def _note(self, target: cst.BaseExpression, node: cst.CSTNode, *,
              binds_name: bool = True) -> None:
        """Record a mutation of `target`'s root name; `binds_name`: assigning a bare name."""
        where = self.context.where
        function = where.function
        if function is None or where.in_lock or where.in_main_guard:
            return
        if any(isinstance(f, cst.FunctionDef) and f.name.value.endswith("_locked")
               for f in where.functions):
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
            if target.value in where.scope.globals and not self._exempt(node, target.value,
                                                                        True):
                self._mutations.append(_Mutation(function, target.value, node, True))
            return
        root = _root_name(target)
        if root is None:
            return
        found = where.scope.lookup(root.value)
        if (found is not None and found[0].kind == "module"
                and not self._exempt(node, root.value, False)):
            item = (root.value if binds_name and _item_key(self.context.module, target)
                    else None)
            self._mutations.append(_Mutation(function, root.value, node, False, item))

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
        if isinstance(node.value, cst.Name) and node.value.value == "None":
            self._none_targets.update(target.target for target in node.targets)
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
        for item in [e.value for e in elements] if elements else [node.target]:
            if not isinstance(item, cst.Name):
                self._note(item, node)

    def leave_Module(self, node: cst.Module) -> None:
        if not self._mutations:
            return
        paths = self._request_paths()
        reported: set[tuple[cst.CSTNode, str]] = set()
        for mutation in self._mutations:
            key = (mutation.function, mutation.name)
            path = paths.get(mutation.function)
            condition = ""
            if path is None:
                condition = self._through_the_project(mutation.function)
            if (path is None and not condition) or key in reported or not (
                    mutation.rebinds or mutation.name in self._containers):
                continue
            if self._lazy_elsewhere(mutation):
                continue
            reported.add(key)
            label = _label(mutation.function)
            if path is None:
                where = VIA
            else:
                entry = self._entries[path[0]]
                where = (f"in {entry}" if len(path) == 1 else "called from " + " -> ".join(
                    [entry, *(f"`{_label(f)}`" for f in path[1:-1])]))
            if mutation.rebinds:
                message = (f"`{label}` rebinds module-level `{mutation.name}` through `global` "
                           f"({where}): state shared by every request and different per worker")
            else:
                message = (f"`{label}` mutates module-level `{mutation.name}` ({where}): "
                           "concurrent requests race on it, and each worker has its own copy")
            self.report(mutation.node, message, condition=condition)

    def _through_the_project(self, function: _Function) -> str:
        """For a function no request path of this file reaches: the condition that one of
        the project does (RULES.md, "a function called from one through the project")."""
        if not isinstance(function, cst.FunctionDef):
            return ""
        name = self.context.model.qualified_name(function)
        return f"{ON_REQUEST_PATH}:{self.context.path}#{name}" if name else ""


    def _lazy_elsewhere(self, mutation: _Mutation) -> bool:
        """The idiom spread over functions: a reset to `None` of a global the file creates
        lazily (the next use creates it again), or `D[k] = ...` in a helper that every
        caller calls only when a check says an item of `D` is unset."""
        guards = self._call_guards.get(mutation.function)
        if guards and mutation.function not in self._entries:
            # The lazy initialisation of X in a function of its own: every call of it is
            # made where a check that X is unset holds, and it sets X.
            sets = {m.name for m in self._mutations if m.function is mutation.function}
            if all(any(key[0] in sets for key in holds) for holds in guards):
                return True
        if mutation.rebinds:
            return (mutation.node in self._none_targets
                    and mutation.name in self._lazy_globals)
        if mutation.item is None or mutation.function in self._entries:
            return False
        return bool(guards) and all(any(key[0] == mutation.item for key in holds)
                                    for holds in guards or ())


def _label(function: _Function) -> str:
    return f"{function.name.value}()" if isinstance(function, cst.FunctionDef) else "<lambda>"


def _has_module_containers(module: cst.Module, scope: Scope) -> bool:
    """Whether a module-level statement (also in a module-level `if`/`try`/`with`) binds a
    container display or comprehension, or a call of a container constructor (through
    imports and aliases): a cheap superset of the containers `visit_Assign` records."""
    pending: list[cst.CSTNode] = list(module.body)
    while pending:
        statement = pending.pop()
        if isinstance(statement, cst.SimpleStatementLine):
            for small in statement.body:
                value = small.value if isinstance(small, (cst.Assign, cst.AnnAssign)) else None
                if isinstance(value, _DISPLAYS):
                    return True
                if isinstance(value, cst.Call) and scope.resolve(value.func) in _CONTAINER_CALLS:
                    return True
        elif isinstance(statement, (cst.If, cst.Try, cst.TryStar, cst.With, cst.Else,
                                    cst.ExceptHandler, cst.ExceptStarHandler, cst.Finally)):
            body = statement.body
            pending.extend(body.body if isinstance(body, cst.IndentedBlock) else [])
            for part in ("orelse", "handlers", "finalbody"):
                more = getattr(statement, part, None)
                if isinstance(more, (list, tuple)):
                    pending.extend(more)
                elif more is not None:
                    pending.append(more)
    return False
