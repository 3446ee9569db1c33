"""A small server with a blocking sleep and a shared list in an async tool, and a health
route: the source several report-format tests lint and assert line numbers in."""

SERVER = """\
import time
from fastmcp import FastMCP

mcp = FastMCP("demo")
ITEMS = []


@mcp.tool
async def slow(x: int) -> int:
    \"\"\"Sleep for a second, then record x.\"\"\"
    time.sleep(1)
    ITEMS.append(x)
    return x


@mcp.custom_route("/health", methods=["GET"])
async def health(request):
    return None
"""
