"""The small, plain facts a file yields for project rules.

Project rules (health check, server object, transports, import cycles) never see a tree:
only these records, which are cheap to keep for every file of a project, to cache, and to
send between processes.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Location:
    """A span in a file: 1-based lines and columns, end column exclusive."""

    line: int
    column: int
    end_line: int
    end_column: int


@dataclass(frozen=True)
class ServerFact:
    """A `FastMCP(...)` (or subclass) construction."""

    location: Location
    at_import_time: bool
    bound_at_module_level: bool


@dataclass(frozen=True)
class StartFact:
    """A server start or app build, with its transport (None: default; "unknown": computed)."""

    location: Location
    method: str
    transport: str | None


@dataclass
class FileFacts:
    """Everything project rules know about one file."""

    path: str
    module: str | None = None
    imports_fastmcp: bool = False
    servers: list[ServerFact] = field(default_factory=list)
    module_servers: list[str] = field(default_factory=list)
    health: list[Location] = field(default_factory=list)
    starts: list[StartFact] = field(default_factory=list)
    mounted: list[str] = field(default_factory=list)
    #: Suppression comments by line ("*" suppresses every rule), for project diagnostics too.
    noqa: dict[int, list[str]] = field(default_factory=dict)
    file_noqa: list[str] | None = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> FileFacts:
        return cls(
            path=data["path"],
            module=data["module"],
            imports_fastmcp=data["imports_fastmcp"],
            servers=[ServerFact(Location(**s["location"]), s["at_import_time"],
                                s["bound_at_module_level"]) for s in data["servers"]],
            module_servers=list(data["module_servers"]),
            health=[Location(**h) for h in data["health"]],
            starts=[StartFact(Location(**s["location"]), s["method"], s["transport"])
                    for s in data["starts"]],
            mounted=list(data["mounted"]),
            noqa={int(k): list(v) for k, v in data["noqa"].items()},
            file_noqa=data["file_noqa"],
        )
