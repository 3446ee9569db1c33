"""FML903 ssrf-from-tool-input."""

from __future__ import annotations

from fastmcp_preflight.api import Invalid, ToolInputRule, Valid


class SsrfFromToolInput(ToolInputRule):
    """Tool input chooses the scheme and host of an outgoing HTTP request."""

    code = "FML903"
    name = "ssrf-from-tool-input"
    severity = "warning"
    checklist = "(security)"
    tags = ("security",)
    security_severity = 7.5
    summary = "tool input chooses the host of an HTTP request"
    what = (
        "Finds, in the body of a tool, resource or prompt function, an HTTP request whose "
        "URL starts with a value derived from the tool's parameters (the parameter itself, "
        "an f-string or `+` whose first part is derived, `urljoin` of a derived base; see "
        "FML901 for what derives): the URL (first argument, the second of "
        "`request`/`stream`, or `url=`) of `requests` and `httpx` (also `httpx2`) functions "
        "(`get post put patch delete head options request stream`), of those methods on an "
        "`httpx`, `requests` or `aiohttp` client or session, and of "
        "`urllib.request.urlopen`. Not reported: tool input only after a literal "
        "`scheme://host/` (`f\"https://api.example.com/{q}\"`), or a request after a check "
        "that mentions a value from the parameters the URL begins with (a comparison such as "
        "`httpx.URL(url).host not in ALLOWED_HOSTS`, `.startswith(...)`, or a call of a "
        "function named like a check). Reported at the call."
    ) + ToolInputRule.THROUGH_THE_PROJECT + (
        " Whether the URL starts with tool input is judged on the "
        "expression the tool passes in."
    )
    why = (
        "A server that fetches any URL the model names is a proxy into its own network: a "
        "prompt-injected model asks for `http://169.254.169.254/` (cloud credentials), "
        "`http://localhost:6379/` or an internal admin page, and the server fetches it with "
        "its own network position and credentials (server-side request forgery)."
    )
    instead = (
        "Build the URL from a fixed `https://host/` prefix and put the input in the path or "
        "the query (`params=`), or parse the URL and check its scheme and host against an "
        "allow-list before the request."
    )
    hint = "check the URL's host against an allow-list, or put the input after a fixed host"

    VALID = (
        # The tool passes the helper its input after a fixed host.
        Valid("import requests\nfrom fastmcp import FastMCP\n\nmcp = FastMCP('x')\n\n"
              "def get(url):\n    return requests.get(url, timeout=5).text\n\n@mcp.tool\n"
              "def search(q: str) -> str:\n"
              "    return get(f'https://search.example.com/?q={q}')\n"),
        # Tool input only after a literal scheme and host.
        Valid("import httpx\nfrom fastmcp import FastMCP\n\nmcp = FastMCP('x')\n\n@mcp.tool\n"
              "async def search(q: str) -> str:\n    \"\"\"Search the API.\"\"\"\n"
              "    async with httpx.AsyncClient() as client:\n"
              "        response = await client.get(f'https://api.example.com/search/{q}')\n"
              "        return response.text\n"),
        # An allow-list of hosts, checked on the parsed URL.
        Valid("import httpx\nfrom fastmcp import FastMCP\n\nmcp = FastMCP('x')\n"
              "ALLOWED_HOSTS = {'docs.python.org'}\n\n@mcp.tool\ndef fetch(url: str) -> str:\n"
              "    if httpx.URL(url).host not in ALLOWED_HOSTS:\n"
              "        raise ValueError(url)\n    return httpx.get(url, timeout=10).text\n"),
        # The input goes in the query, not the URL.
        Valid("import requests\nfrom fastmcp import FastMCP\n\nmcp = FastMCP('x')\n\n"
              "@mcp.tool\ndef weather(city: str) -> dict:\n"
              "    return requests.get('https://wttr.in/', params={'q': city}, "
              "timeout=10).json()\n"),
        # A `get` on something that is not an HTTP client.
        Valid("from fastmcp import FastMCP\n\nmcp = FastMCP('x')\nCACHE = {}\n\n@mcp.tool\n"
              "def lookup(key: str) -> str:\n    return CACHE.get(key, '')\n"),
        # A checker helper.
        Valid("import httpx\nfrom fastmcp import FastMCP\n\nmcp = FastMCP('x')\n\n@mcp.tool\n"
              "def fetch(url: str) -> str:\n    ensure_public_url(url)\n"
              "    return httpx.get(url).text\n"),
    )
    INVALID = (
        # Through a helper run in a worker thread.
        Invalid("import asyncio\nimport requests\nfrom fastmcp import FastMCP\n\n"
                "mcp = FastMCP('x')\n\ndef get(url):\n"
                "    return requests.get(url, timeout=5).text\n\n@mcp.tool\n"
                "async def fetch(url: str) -> str:\n"
                "    return await asyncio.to_thread(get, url)\n",
                at=((12, 18),)),
        Invalid("import httpx2\nfrom fastmcp import FastMCP\n\nmcp = FastMCP('x')\n\n@mcp.tool\n"
                "def fetch(url: str) -> str:\n    return httpx2.get(url, timeout=5).text\n",
                at=((8, 12),)),
        Invalid("import httpx\nfrom fastmcp import FastMCP\n\nmcp = FastMCP('x')\n\n@mcp.tool\n"
                "async def fetch(url: str) -> str:\n    \"\"\"Fetch a page.\"\"\"\n"
                "    async with httpx.AsyncClient() as client:\n"
                "        response = await client.get(url)\n        return response.text\n",
                at=((10, 26),)),
        Invalid("import requests\nfrom fastmcp import FastMCP\n\nmcp = FastMCP('x')\n\n"
                "@mcp.tool\ndef status(base_url: str) -> int:\n"
                "    endpoint = base_url.rstrip('/') + '/health'\n"
                "    return requests.get(endpoint, timeout=5).status_code\n",
                at=((9, 12),)),
        Invalid("from urllib.parse import urljoin\nfrom urllib.request import urlopen\n"
                "from fastmcp import FastMCP\n\nmcp = FastMCP('x')\n\n@mcp.tool\n"
                "def page(site: str, path: str) -> bytes:\n"
                "    return urlopen(urljoin(site, path)).read()\n",
                at=((9, 12),)),
        Invalid("import aiohttp\nfrom fastmcp import FastMCP\n\nmcp = FastMCP('x')\n\n"
                "@mcp.tool\nasync def post(host: str, body: str) -> int:\n"
                "    async with aiohttp.ClientSession() as session:\n"
                "        async with session.request('POST', f'{host}/api', data=body) as r:\n"
                "            return r.status\n",
                at=((9, 20),)),
    )
