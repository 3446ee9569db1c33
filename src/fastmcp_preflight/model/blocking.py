"""The blocking calls FML101 and FML102 report, with the async alternative each names.

One table, in the model: FML102 reports these calls in async functions, and the project
index follows project helpers to them (FML106). Users extend it with
`extend-blocking-calls`.
"""

from __future__ import annotations

_HTTP = "use `httpx.AsyncClient` (or aiohttp) and `await` the request"
_SUBPROCESS = "use `await asyncio.create_subprocess_exec(...)`"
_FILE = "use `anyio.open_file`/aiofiles, or `await asyncio.to_thread(...)`"
_DATABASE = "use an async driver (aiosqlite, asyncpg, aiomysql) or `await asyncio.to_thread(...)`"
_THREAD = "run it in a thread: `await asyncio.to_thread(...)`"

#: FML102's blocking calls and the async alternative each message names.
BLOCKING_CALLS: dict[str, str] = {
    **{f"requests.{m}": _HTTP for m in (
        "get", "post", "put", "patch", "delete", "head", "options", "request")},
    "requests.Session": _HTTP,
    "urllib.request.urlopen": _HTTP,
    "http.client.HTTPConnection": _HTTP,
    "http.client.HTTPSConnection": _HTTP,
    **{f"{library}.{m}": _HTTP for library in ("httpx", "httpx2") for m in (
        "get", "post", "put", "patch", "delete", "head", "options", "request", "stream")},
    "httpx.Client": "use `httpx.AsyncClient` and `await` the request",
    "httpx2.Client": "use `httpx2.AsyncClient` and `await` the request",
    **{f"subprocess.{m}": _SUBPROCESS for m in (
        "run", "call", "check_call", "check_output", "getoutput", "getstatusoutput")},
    "os.system": _SUBPROCESS,
    "os.popen": _SUBPROCESS,
    "socket.create_connection": "use `await asyncio.open_connection(...)`",
    "builtins.open": _FILE,
    "builtins.input": _THREAD,
    "sqlite3.connect": _DATABASE,
    "psycopg2.connect": _DATABASE,
    "pymysql.connect": _DATABASE,
}



#: FML101's call.
SLEEP = "time.sleep"
SLEEP_ALTERNATIVE = "use `await asyncio.sleep(...)`"


def blocking_calls(extra: tuple[str, ...] | list[str] = ()) -> dict[str, str]:
    """Every blocking call (FML101's and FML102's), with the config's additions."""
    calls = {SLEEP: SLEEP_ALTERNATIVE, **BLOCKING_CALLS}
    for name in extra:
        calls.setdefault(name, _THREAD)
    return calls
