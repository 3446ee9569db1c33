"""FML403 missing-timeout."""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst

from fastmcp_preflight.api import FileContext, Invalid, Rule, Scope, Valid
from fastmcp_preflight.model.file_model import keyword

_METHODS = frozenset({"get", "post", "put", "patch", "delete", "head", "options", "request"})
#: A session also sends a prepared request, with the same keyword arguments.
_SESSION_METHODS = _METHODS | {"send"}
_REQUESTS_FUNCTIONS = frozenset(
    {f"requests.{m}" for m in _METHODS} | {f"requests.api.{m}" for m in _METHODS})
_TIMEOUT_LIBRARIES = ("httpx.", "httpx2.", "aiohttp.")


@dataclass
class _MethodCall:
    """`x.method(...)` whose receiver may be a client; decided when the file is read."""

    call: cst.Call
    receiver: cst.BaseExpression
    method: str
    scope: Scope


def _timeout_is_none(call: cst.Call) -> bool:
    arg = keyword(call, "timeout")
    return arg is not None and isinstance(arg.value, cst.Name) and arg.value.value == "None"


def _lacks_timeout(call: cst.Call) -> bool:
    """No `timeout=` (a `**kwargs` argument may carry one, so it counts as given)."""
    return keyword(call, "timeout") is None and not any(arg.star == "**" for arg in call.args)


class MissingTimeout(Rule):
    """An HTTP request that can wait forever."""

    code = "FML403"
    name = "missing-timeout"
    severity = "warning"
    checklist = "retry logic for transient failures"
    summary = "HTTP request without a timeout"
    what = (
        "Finds `requests` calls without a `timeout=` argument: the module functions "
        "`requests.get/post/put/patch/delete/head/options/request` (any import form), and "
        "those methods and `send` (of a prepared request) on a `requests.Session`: a "
        "receiver that is a `requests.Session()` "
        "call, a name bound to one (assignment, `with ... as s`, a parameter annotated "
        "`requests.Session`), or an attribute (`self.session`) that the file assigns one. "
        "A call with `**kwargs` is taken to pass a timeout. It also finds `timeout=None` "
        "given to any `httpx.*` (also `httpx2.*`, the client of FastMCP 4 and the MCP SDK 2) "
        "or `aiohttp.*` call (`httpx.AsyncClient(timeout=None)`, "
        "`httpx.get(url, timeout=None)`, `httpx.Timeout(timeout=None)`, "
        "`aiohttp.ClientSession(timeout=None)`), to any method of an httpx or aiohttp client "
        "known as above (`client.get(url, timeout=None)`), and, since it means the same "
        "as no timeout, to a `requests` call. A timeout disabled another way "
        "(`httpx.Timeout(None)`, `aiohttp.ClientTimeout(total=None)`, a variable holding "
        "None) is not reported."
    )
    why = (
        "`requests` waits forever by default, and `timeout=None` disables the default "
        "timeouts of httpx (5 s) and aiohttp (5 min). One unresponsive upstream then hangs "
        "the tool call indefinitely: the MCP client times out and may retry, piling up "
        "stuck requests that hold connections, threads and memory, and retry logic never "
        "gets a failure to retry on."
    )
    instead = (
        "Pass an explicit timeout (`requests.get(url, timeout=10)`, "
        "`httpx.AsyncClient(timeout=httpx.Timeout(10, connect=5))`), and retry transient "
        "failures with backoff (`tenacity`, `httpx.AsyncHTTPTransport(retries=...)`)."
    )
    hint = "pass an explicit `timeout=`"
    needles = ("requests", "httpx", "aiohttp")

    VALID = (
        Valid("import requests\n\nsession = requests.Session()\n\ndef fetch(url):\n"
              "    prepared = session.prepare_request(requests.Request('GET', url))\n"
              "    return session.send(prepared, timeout=10)\n"),
        Valid("import httpx2\n\nasync def fetch(url):\n"
              "    async with httpx2.AsyncClient(timeout=10) as c:\n"
              "        return await c.get(url)\n"),
        Valid("import requests\n\ndef fetch(url):\n    return requests.get(url, timeout=10)\n"),
        Valid("import requests\n\ndef fetch(url, **options):\n"
              "    return requests.post(url, **options)\n"),
        Valid("import httpx\n\nclient = httpx.AsyncClient(timeout=30)\n\nasync def fetch(url):\n"
              "    return await client.get(url)\n"),
        Valid("import httpx\n\nasync def fetch(url):\n    async with httpx.AsyncClient() as c:\n"
              "        return await c.get(url)\n"),
        Valid("import requests\n\ndef fetch(url):\n    with requests.Session() as s:\n"
              "        return s.get(url, timeout=(3, 10))\n"),
        Valid("import mylib as requests\n\ndef fetch(url):\n    return requests.get(url)\n"),
        Valid("import requests\n\ndef fetch(cache, url):\n    return cache.get(url)\n"),
        Valid("import requests\n\ndef get(url):\n    return url\n\ndef fetch(url):\n"
              "    return get(url)\n"),
        Valid("import requests\n\nsession = requests.Session()\n\ndef fetch(data):\n"
              "    session = {}\n    return session.get('key')\n"),
    )
    INVALID = (
        Invalid("import requests\n\ndef fetch(url):\n    return requests.get(url)\n",
                at=((4, 12),)),
        Invalid("from requests import post as send\n\nasync def push(url, body):\n"
                "    return send(url, json=body)\n", at=((4, 12),)),
        Invalid("import requests\n\nclass Api:\n    def __init__(self):\n"
                "        self.session = requests.Session()\n\n    def fetch(self, url):\n"
                "        return self.session.get(url)\n", at=((8, 16),)),
        Invalid("import requests\n\ndef fetch(url):\n    with requests.Session() as s:\n"
                "        s.headers['x'] = '1'\n        return s.request('GET', url)\n",
                at=((6, 16),)),
        Invalid("import httpx\n\nclient = httpx.AsyncClient(timeout=None)\n", at=((3, 10),)),
        Invalid("import aiohttp\n\nasync def fetch(url):\n"
                "    async with aiohttp.ClientSession() as session:\n"
                "        async with session.get(url, timeout=None) as response:\n"
                "            return await response.text()\n", at=((5, 20),)),
        Invalid("import requests\n\ndef fetch(session: requests.Session, url):\n"
                "    return session.get(url, timeout=None)\n", at=((4, 12),)),
        Invalid("import httpx as h\n\nasync def fetch(url):\n"
                "    return await h.AsyncClient().get(url, timeout=None)\n",
                at=((4, 18),)),
        Invalid("import requests\n\nsession = requests.Session()\n\ndef fetch(url):\n"
                "    prepared = session.prepare_request(requests.Request('GET', url))\n"
                "    return session.send(prepared)\n", at=((7, 12),)),
        Invalid("import httpx2\n\nclient = httpx2.AsyncClient(timeout=None)\n", at=((3, 10),)),
    )

    def __init__(self, context: FileContext) -> None:
        super().__init__(context)
        self._methods: list[_MethodCall] = []

    # -- the walk ---------------------------------------------------------------------------

    def visit_Call(self, node: cst.Call) -> None:
        resolved = self.context.resolve(node.func) or ""
        if resolved in _REQUESTS_FUNCTIONS:
            self._check_requests(node, f"`{resolved}()`")
        elif resolved.startswith(_TIMEOUT_LIBRARIES):
            if _timeout_is_none(node):
                self._report_none(node, f"`{resolved}()`")
        elif isinstance(node.func, cst.Attribute):
            self._methods.append(_MethodCall(
                node, node.func.value, node.func.attr.value, self.context.scope))

    def leave_Module(self, node: cst.Module) -> None:
        for method in self._methods:
            libraries = self.context.model.client_libraries(method.receiver, method.scope)
            if not libraries:
                continue
            receiver = self.context.module.code_for_node(method.receiver)
            if len(receiver) > 40:
                receiver = "client"
            label = f"`{receiver}.{method.method}()`"
            if libraries == {"requests"} and method.method in _SESSION_METHODS:
                self._check_requests(method.call, f"{label} (a `requests.Session`)")
            elif "requests" not in libraries and _timeout_is_none(method.call):
                self._report_none(method.call, label)

    def _check_requests(self, call: cst.Call, label: str) -> None:
        if _lacks_timeout(call):
            self.report(call, f"{label} without `timeout=`: requests waits forever by "
                              "default, so one stuck server hangs the tool call")
        elif _timeout_is_none(call):
            self._report_none(call, label)

    def _report_none(self, call: cst.Call, label: str) -> None:
        self.report(call, f"{label} with `timeout=None` can wait forever: one stuck server "
                          "hangs the tool call; pass a finite timeout")
