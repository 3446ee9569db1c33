"""FML803 unbounded-sdk-requirement."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from fastmcp_preflight.api import (
    FileFacts,
    Invalid,
    Location,
    ProjectFinding,
    ProjectRule,
    Valid,
    unbounded_sites,
)

_MCP1 = (("requirement-mcp", ">=1.2"),)


class UnboundedSdkRequirement(ProjectRule):
    """An import that the next major release removed, under a requirement that allows it."""

    code = "FML803"
    name = "unbounded-sdk-requirement"
    severity = "error"
    checklist = "(versions)"
    summary = "requirement allows the major release that removed an imported API"
    what = (
        "A project rule: finds a project that imports an API which a newer major release of "
        "its dependency removed (`mcp.server.fastmcp`, removed in mcp 2.0; the FastMCP 3 "
        "modules removed in fastmcp 4.0, such as `fastmcp.server.proxy`), while its "
        "requirement (pyproject.toml, requirements*.txt, setup.cfg, setup.py) allows both an "
        "older release and the one that removed it: no upper bound excludes the new major. "
        "A lock file does not help: `pip install` of the project resolves the requirement. "
        "Once per project and package, at the first such import in path order; imports in "
        "`try: ... except ImportError:` shims and under `if TYPE_CHECKING:` never count. "
        "FML801 (removed-api) is not reported on that same import."
    )
    why = (
        "A fresh install (a new contributor, a Docker build, a deployment) resolves the "
        "newest release the requirement allows, and the server then fails at import with "
        "`ModuleNotFoundError`. Of 87 public server projects, 8 import `mcp.server.fastmcp` "
        "without capping `mcp<2`."
    )
    instead = (
        "Cap the requirement below the major that removed the API (`mcp>=1.2,<2`), or "
        "migrate (`fastmcp-lint --fix --select FML8`) and require the new major."
    )
    hint = "cap the requirement, or migrate and require the new major"

    VALID = (
        Valid("from mcp.server.fastmcp import FastMCP\n\nmcp = FastMCP('x')\n",
              settings=(("requirement-mcp", ">=1.2,<2"),)),
        Valid("from mcp.server.mcpserver import MCPServer\n\nmcp = MCPServer('x')\n",
              settings=_MCP1),
        Valid("try:\n    from mcp.server.mcpserver import MCPServer\n"
              "except ImportError:\n    from mcp.server.fastmcp import FastMCP as MCPServer\n",
              settings=_MCP1),
        # No requirement for mcp at all: nothing to cap.
        Valid("from mcp.server.fastmcp import FastMCP\n\nmcp = FastMCP('x')\n"),
        # Requires the new major only: that is FML801's (removed-api).
        Valid("from mcp.server.fastmcp import FastMCP\n\nmcp = FastMCP('x')\n",
              settings=(("requirement-mcp", ">=2"),)),
    )
    INVALID = (
        Invalid("import json\nfrom mcp.server.fastmcp import FastMCP\n\nmcp = FastMCP('x')\n",
                at=((2, 1),), settings=_MCP1, message="Cap it (`mcp>=1.2,<2`)"),
        Invalid("from fastmcp import FastMCP\nfrom fastmcp.server.proxy import ProxyClient\n",
                at=((2, 1),), settings=(("requirement-fastmcp", ">=3.2"),),
                message="fastmcp 4.0"),
    )

    def check(self, files: Sequence[FileFacts]) -> Iterable[ProjectFinding]:
        for site in unbounded_sites(files):
            change, target = site.change, site.target
            files_named = " and ".join(target.declared_in)
            major = (change.removed or "").split(".")[0]
            capped = ",".join(part for part in (target.requirement, f"<{major}") if part)
            message = (f"`{change.old.removeprefix('*.')}` was removed in {change.package} "
                       f"{change.removed}, and the requirement `{change.package}"
                       f"{target.requirement}` ({files_named}) allows it: a fresh install "
                       f"fails at import. Cap it (`{change.package}{capped}`), or migrate "
                       f"to {change.new} and require `{change.package}>={major}`")
            yield ProjectFinding(site.path, Location(site.line, site.column, site.line,
                                                     site.column), message)
