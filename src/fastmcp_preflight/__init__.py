"""fastmcp-lint: a static production-readiness checker for FastMCP servers."""

__version__ = "0.2.0"
