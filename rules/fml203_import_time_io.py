"""FML203 import-time-io."""

from __future__ import annotations

import libcst as cst

from fastmcp_preflight.api import Invalid, Rule, Valid
from fastmcp_preflight.model.file_model import positional, string_value

_NETWORK = "network"
_SUBPROCESS = "subprocess"
_DATABASE = "database"

#: Calls that do I/O when made, with the kind of I/O.
IO_CALLS: dict[str, str] = {
    **{f"requests.{m}": _NETWORK for m in (
        "get", "post", "put", "patch", "delete", "head", "options", "request")},
    "urllib.request.urlopen": _NETWORK,
    **{f"httpx.{m}": _NETWORK for m in (
        "get", "post", "put", "patch", "delete", "head", "options", "request", "stream")},
    "socket.create_connection": _NETWORK,
    **{f"subprocess.{m}": _SUBPROCESS for m in (
        "run", "call", "check_call", "check_output", "getoutput", "getstatusoutput")},
    "os.system": _SUBPROCESS,
    "os.popen": _SUBPROCESS,
    "sqlite3.connect": _DATABASE,
    "psycopg2.connect": _DATABASE,
    "pymysql.connect": _DATABASE,
    "asyncpg.connect": _DATABASE,
    "pymongo.MongoClient": _DATABASE,
}

#: Calls that build a synchronous Redis client (`.ping()` on one does network I/O).
_REDIS_CLIENTS = frozenset({
    "redis.Redis", "redis.StrictRedis", "redis.from_url", "redis.Redis.from_url",
    "redis.StrictRedis.from_url", "redis.client.Redis", "redis.client.StrictRedis",
})


class ImportTimeIo(Rule):
    """Network, database or subprocess I/O done while the module is being imported."""

    code = "FML203"
    name = "import-time-io"
    severity = "warning"
    checklist = "lazy initialization"
    summary = "network, database or subprocess I/O at import time"
    what = (
        "Finds, at module level (the module body, class bodies, module-level "
        "`if`/`try`/`with` blocks, and the decorators and default values of module-level "
        "functions), calls that do network, database or subprocess I/O: "
        "`requests.get/post/put/patch/delete/head/options/request`, "
        "`urllib.request.urlopen`, `httpx.get/post/put/patch/delete/head/options/request/"
        "stream`, `socket.create_connection`, "
        "`subprocess.run/call/check_call/check_output/getoutput/getstatusoutput`, "
        "`os.system`, `os.popen`, `sqlite3.connect`, `psycopg2.connect`, `pymysql.connect`, "
        "`asyncpg.connect`, `pymongo.MongoClient(...)`, and `.ping()` on a synchronous Redis "
        "client (`redis.Redis(...).ping()`, or on a module-level name bound to "
        "`redis.Redis(...)`/`redis.from_url(...)`). Names are resolved through imports and "
        "aliases. Client constructors that open no connection (`requests.Session()`, "
        "`httpx.Client()`, `http.client.HTTPConnection(...)`, `redis.Redis(...)` itself) "
        "are not reported: a module-level client is the pooling pattern FML402 asks for. "
        "`open()` and `input()` are not reported, nor `sqlite3.connect(\":memory:\")`, nor "
        "the `extend-blocking-calls` setting (it extends FML102 only). Calls under "
        "`if __name__ == \"__main__\":`, under `if TYPE_CHECKING:` (never run), or inside "
        "any function or lambda are not reported."
    )
    why = (
        "`fastmcp run`, `fastmcp dev`, test collectors and hosted platforms import your "
        "module before serving anything. I/O there makes start-up slow and fragile: the "
        "server cannot even start (or list its tools) while the database or an upstream API "
        "is down, every worker process and every `import` in a test repeats it, and a "
        "connection opened at import is shared across forked workers and never closed."
    )
    instead = (
        "Connect in the server's lifespan (`FastMCP(lifespan=...)`), which runs when the "
        "server starts and can close what it opened on shutdown, or lazily on first use "
        "inside a function (a cached getter)."
    )
    hint = "move it into the server's lifespan or a lazily called function"
    needles = (
        "requests", "urllib", "httpx", "socket", "subprocess", "system", "popen", "sqlite3",
        "psycopg2", "pymysql", "asyncpg", "pymongo", "redis",
    )

    VALID = (
        Valid("import requests\n\ndef load():\n    return requests.get('http://x', timeout=5)\n"),
        Valid("import requests\n\nsession = requests.Session()\n"),
        Valid("import httpx\n\nclient = httpx.Client(timeout=5)\n"),
        Valid("import redis\n\ncache = redis.Redis(host='localhost')\n\n"
              "def healthy():\n    return cache.ping()\n"),
        Valid("import subprocess\n\nif __name__ == '__main__':\n"
              "    subprocess.run(['make'], check=True)\n"),
        Valid("from typing import TYPE_CHECKING\nimport sqlite3\n\nif TYPE_CHECKING:\n"
              "    DB = sqlite3.connect('x.db')\n"),
        Valid("import sqlite3\n\nDB = sqlite3.connect(':memory:')\n"),
        Valid("import psycopg2\n\nconnect = lambda: psycopg2.connect('dbname=x')\n"),
        Valid("def get(url):\n    return url\n\nDATA = get('http://x')\n"),
        Valid("from mylib import requests\n\nDATA = requests.get('http://x')\n"),
        Valid("CONFIG = open('config.json').read()\n"),
    )
    INVALID = (
        Invalid("import requests\n\nCONFIG = requests.get('http://cfg', timeout=5).json()\n",
                at=((3, 10),)),
        Invalid("from subprocess import check_output as sh\n\n"
                "VERSION = sh(['git', 'describe']).decode()\n", at=((3, 11),)),
        Invalid("import psycopg2 as pg\nimport pymongo\n\ntry:\n    DB = pg.connect('dbname=x')\n"
                "except Exception:\n    DB = pymongo.MongoClient('mongodb://db')\n",
                at=((5, 10), (7, 10))),
        Invalid("import redis\n\nredis.Redis(host='cache').ping()\n"
                "r = redis.from_url('redis://cache')\nr.ping()\n", at=((3, 1), (5, 1))),
        Invalid("import os\n\nclass Settings:\n    host = os.popen('hostname').read()\n",
                at=((4, 12),)),
        Invalid("import asyncio\nimport asyncpg\n\n"
                "POOL = asyncio.run(asyncpg.connect('postgres://db'))\n", at=((4, 20),)),
        Invalid("import httpx\n\ndef tool(token=httpx.get('http://auth').text):\n"
                "    return token\n", at=((3, 16),)),
    )

    def visit_Call(self, node: cst.Call) -> None:
        where = self.context.where
        if not where.at_import_time or where.in_type_checking:
            return
        resolved = self.context.resolve(node.func)
        kind = IO_CALLS.get(resolved) if resolved is not None else None
        if kind is not None:
            if resolved == "sqlite3.connect" and _in_memory(node):
                return
            self.report(node, f"`{resolved}()` does {kind} I/O when the module is imported: "
                              "move it into the server's lifespan or a function")
        elif self._is_redis_ping(node.func):
            self.report(node, "`.ping()` on a Redis client does network I/O when the module "
                              "is imported: move it into the server's lifespan or a function")

    def _is_redis_ping(self, func: cst.BaseExpression) -> bool:
        if not (isinstance(func, cst.Attribute) and func.attr.value == "ping"):
            return False
        receiver = func.value
        if isinstance(receiver, cst.Call):
            return self.context.resolve(receiver.func) in _REDIS_CLIENTS
        if isinstance(receiver, cst.Name):
            found = self.context.scope.lookup(receiver.value)
            if found is None:
                return False
            scope, bindings = found
            return any(
                isinstance(b.value, cst.Call) and scope.resolve(b.value.func) in _REDIS_CLIENTS
                for b in bindings if b.kind == "assign"
            )
        return False


def _in_memory(node: cst.Call) -> bool:
    first = positional(node, 0)
    return first is not None and string_value(first.value) == ":memory:"
