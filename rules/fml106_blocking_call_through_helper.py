"""FML106 blocking-call-through-helper."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from fastmcp_preflight.api import (
    ChainStep,
    FileFacts,
    Invalid,
    ProjectFinding,
    ProjectRule,
    Valid,
    format_chain,
    index_of,
)

_STORE = ("app/store.py", "import requests\n\ndef load(key):\n"
          "    return requests.get('http://x/' + key, timeout=5).json()\n\n"
          "def get_report(key):\n    return load(key)\n")
_SYNC_TOOL = ("from fastmcp import FastMCP\nfrom app.store import get_report\n\n"
              "mcp = FastMCP('x')\n\n@mcp.tool\ndef report(key: str) -> dict:\n"
              "    return get_report(key)\n")


class BlockingCallThroughHelper(ProjectRule):
    """An async function calls a project sync function that, through the project, blocks."""

    code = "FML106"
    name = "blocking-call-through-helper"
    severity = "error"
    checklist = "no blocking operations in async"
    summary = "a helper called in an async function blocks the event loop"
    what = (
        "A project rule over the project index. Finds, in the body of an `async def`, a call "
        "of a sync function or method of the project that, through the project, makes a "
        "call FML101 (`time.sleep`), FML102 (blocking network, subprocess, file or database "
        "call, with the `extend-blocking-calls` setting) or FML105 (a method of a "
        "synchronous SDK client) would report if it were made in the async function "
        "directly. Calls are followed by name, through imports (also re-exports), "
        "`self.`/`cls.`/`super()` methods of project classes and their project bases and "
        "mixins, and methods of objects whose project class is known, at most 8 calls deep; "
        "recursion and calls that cannot be resolved end the chain without a finding. The "
        "message names the chain (`` `get_report()` -> `load()` (store.py:7) -> "
        "`requests.get` (store.py:4) ``) and the blocking call at its end. Not reported: a "
        "helper passed to `asyncio.to_thread`, `loop.run_in_executor`, "
        "`anyio.to_thread.run_sync`, starlette's `run_in_threadpool` or an executor (it is "
        "not called there), an awaited call, a call in a nested sync `def` or `lambda`, and "
        "scripts of their own that no server module imports. A sync `def` tool, resource or "
        "prompt function is checked like an `async def` where the project's target runs it "
        "on the event loop: fastmcp before 3.0 or the MCP SDK before 2.0 (later releases run "
        "it in a worker thread), or a registration with `run_in_thread=False`; the message "
        "names the version."
    )
    why = (
        "In real servers most blocking in async tools is indirect: the tool calls the "
        "project's own sync helper, which calls `requests` or a boto3 client. The event loop "
        "is blocked all the same, and every other request waits; a linter that only looks "
        "at the tool's own body never sees it."
    )
    instead = (
        "Make the helper async all the way down (an async client, `await`), or run the "
        "helper in a worker thread: `await asyncio.to_thread(helper, *args)`."
    )
    hint = "run it in a thread: `await asyncio.to_thread(helper, *args)`, or make it async"

    VALID = (
        Valid("import asyncio\nfrom app.store import get_report\n\nasync def tool(key: str):\n"
              "    return await asyncio.to_thread(get_report, key)\n", path="app/server.py",
              others=(("app/__init__.py", ""), _STORE)),
        Valid("from app.store import get_report\n\nasync def tool(key: str):\n"
              "    return lambda: get_report(key)\n", path="app/server.py",
              others=(("app/__init__.py", ""), _STORE)),
        Valid("from app.store import get_report\n\ndef tool(key: str):\n"
              "    return get_report(key)\n", path="app/server.py",
              others=(("app/__init__.py", ""), _STORE)),
        Valid("import asyncio\n\ndef helper():\n    return 1\n\nasync def tool():\n"
              "    loop = asyncio.get_running_loop()\n"
              "    return await loop.run_in_executor(None, helper)\n"),
        Valid("def helper(n):\n    return helper(n - 1) if n else 0\n\nasync def tool():\n"
              "    return helper(3)\n"),
        # FastMCP 3 runs a sync tool in a worker thread.
        Valid(_SYNC_TOOL, path="app/server.py", others=(("app/__init__.py", ""), _STORE),
              settings=(("target-fastmcp", "3.0"),)),
        Valid("import httpx\n\nasync def fetch(url):\n"
              "    async with httpx.AsyncClient() as c:\n        return await c.get(url)\n\n"
              "async def tool(url: str):\n    return await fetch(url)\n"),
    )
    INVALID = (
        Invalid("from app.store import get_report\n\nasync def tool(key: str):\n"
                "    return get_report(key)\n", at=((4, 12),), path="app/server.py",
                others=(("app/__init__.py", ""), _STORE),
                message="`get_report()` -> `load()` (store.py:7) -> `requests.get` "
                        "(store.py:4)"),
        Invalid("import time\n\ndef wait():\n    time.sleep(1)\n\nasync def tool():\n"
                "    wait()\n", at=((7, 5),), message="time.sleep"),
        # A project class whose constructor blocks.
        Invalid("import requests\n\nclass Api:\n    def __init__(self):\n"
                "        self.me = requests.get('https://x.invalid/me', timeout=5).json()\n\n"
                "async def tool():\n    return Api().me\n", at=((8, 12),),
                message="`Api()` -> `requests.get`"),
        Invalid("import boto3\n\nclass Store:\n    def __init__(self):\n"
                "        self.s3 = boto3.client('s3')\n\n    def read(self, key):\n"
                "        return self.s3.get_object(Bucket='b', Key=key)\n\n"
                "    async def tool(self, key: str):\n        return self.read(key)\n",
                at=((11, 16),), message="boto3"),
        # FastMCP 2 runs a sync tool inline, on the event loop.
        Invalid(_SYNC_TOOL, at=((8, 12),), path="app/server.py",
                others=(("app/__init__.py", ""), _STORE), settings=(("target-fastmcp", "2.14"),),
                message="in sync tool `report`: fastmcp 2.14 (the project's target)"),
    )

    def check(self, files: Sequence[FileFacts]) -> Iterable[ProjectFinding]:
        index = index_of(files)
        for function, path, resolved in index.async_calls():
            through = index.blocking_through(resolved)
            if through is None or not index.runs_in_a_server(path):
                continue
            callee, blocking = through
            first = ChainStep(path, resolved.call.location.line,
                              _called(resolved.call.text, callee))
            chain = (first, *blocking.chain)
            label = function.name.rpartition(".")[2]
            client = blocking.sink.client
            what = (f"calls {client.a_label}, which blocks" if client is not None
                    else "blocks")
            where = f"async function `{label}`: {_advice(blocking.sink.alternative)}"
            inline = index.inline_reason(function.name)
            if inline is not None:  # a sync tool the target runs on the event loop
                where = (f"sync tool `{label}`: {inline}; make the tool `async def` and "
                         f"{_advice(blocking.sink.alternative)}")
            yield ProjectFinding(
                path, resolved.call.location,
                f"{format_chain(chain)} {what} the event loop in {where}", chain)


def _called(text: str, callee: str) -> str:
    return text.rpartition(".")[2] + "()" if text != "..." else callee.rpartition(".")[2] + "()"


def _advice(alternative: str) -> str:
    if "to_thread" in alternative and not alternative.startswith("use "):
        return "run the helper in a thread: `await asyncio.to_thread(helper, ...)`"
    advice = alternative if alternative.startswith(("use ", "run ")) else f"use {alternative}"
    return f"{advice}, or run the helper in a thread (`await asyncio.to_thread(...)`)"
