"""Positions of the few nodes that are reported, worked out only when a file has any.

LibCST's `PositionProvider` costs a code generation of the whole file, so it runs at most
once per file, and only for files with something to report. Facts that every file has
(its imports) are located more cheaply: a small node's own code is searched for in the
source text, in source order, which LibCST's exact round trip makes reliable.
"""

from __future__ import annotations

import libcst as cst
from libcst.metadata import CodeRange, MetadataWrapper, PositionProvider

from fastmcp_lint.facts import Location


class Positions:
    """Lazily computed 1-based positions (end column exclusive) of a module's nodes."""

    def __init__(self, module: cst.Module, text: str) -> None:
        self._module = module
        self._text = text
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

    def of_statements(self, nodes: list[cst.CSTNode]) -> list[Location]:
        """Locations of small statements given in source order, found in the text.

        Each must start a statement (only indentation or `;` before it on its line);
        anything not found that way falls back to the full computation.
        """
        if self._ranges is not None:
            return [self.of(node) for node in nodes]
        text, cursor, found = self._text, 0, []
        for node in nodes:
            code = self._module.code_for_node(node)
            start = text.find(code, cursor)
            while start != -1:
                line_start = text.rfind("\n", 0, start) + 1
                before = text[line_start:start].strip()
                if not before or before.endswith(";"):
                    break
                start = text.find(code, start + 1)
            if start == -1 or not code:
                return [self.of(node) for node in nodes]
            end = start + len(code)
            found.append(Location(text.count("\n", 0, start) + 1, start - line_start + 1,
                                  text.count("\n", 0, end) + 1,
                                  end - (text.rfind("\n", 0, end) + 1) + 1))
            cursor = end
        return found

    def near(self, node: cst.CSTNode) -> Location:
        """Where `node`'s code first appears: exact for unique code, good enough for
        evidence (the checklist's "found at"), and it costs no code generation of the file."""
        if self._ranges is not None:
            return self.of(node)
        code = self._module.code_for_node(node).strip()
        start = self._text.find(code) if code else -1
        if start == -1:
            return self.of(node)
        line_start = self._text.rfind("\n", 0, start) + 1
        line = self._text.count("\n", 0, start) + 1
        return Location(line, start - line_start + 1, line, start - line_start + 1)
