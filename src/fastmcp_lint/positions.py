"""Positions of the few nodes that are reported, worked out only when a file has any.

LibCST's `PositionProvider` costs a code generation of the whole file, so it runs at most
once per file, and only for files with something to report.
"""

from __future__ import annotations

import libcst as cst
from libcst.metadata import CodeRange, MetadataWrapper, PositionProvider

from fastmcp_lint.facts import Location


class Positions:
    """Lazily computed 1-based positions (end column exclusive) of a module's nodes."""

    def __init__(self, module: cst.Module) -> None:
        self._module = module
        self._ranges: dict[cst.CSTNode, CodeRange] | None = None

    def of(self, node: cst.CSTNode) -> Location:
        if self._ranges is None:
            wrapper = MetadataWrapper(self._module, unsafe_skip_copy=True)
            self._ranges = dict(wrapper.resolve(PositionProvider))
        found = self._ranges.get(node)
        if found is None:
            return Location(1, 1, 1, 1)
        return Location(found.start.line, found.start.column + 1,
                        found.end.line, found.end.column + 1)
