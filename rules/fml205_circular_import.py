"""FML205 circular-import."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from fastmcp_lint.api import FileFacts, Invalid, Location, ProjectFinding, ProjectRule, Valid


class CircularImport(ProjectRule):
    """An import cycle among the project's own modules, through imports run at import time."""

    code = "FML205"
    name = "circular-import"
    severity = "error"
    checklist = "no circular imports"
    summary = "import cycle between the project's modules"
    what = (
        "A project rule: builds the import graph of the project's own modules (module names "
        "come from the folders holding `__init__.py`, so `src/` layouts work; relative "
        "imports are made absolute; `from pkg import sub` is an import of `pkg.sub` when "
        "that is a module of the project, else of `pkg`) from the imports that run at import "
        "time: at module level (also in module-level `if`/`try`/`with` blocks), not under "
        "`if TYPE_CHECKING:`, not under `if __name__ == \"__main__\":` and not inside "
        "functions. Importing a submodule is an edge to that submodule only (not to every "
        "package above it). Each strongly connected group of modules is one cycle: one "
        "diagnostic, at the import statement that starts the cycle in the module whose path "
        "sorts first; the message lists the shortest cycle through that module "
        "(`a.b -> a.c -> a.b`)."
    )
    why = (
        "A module in a cycle is used while it is only half executed: names defined below "
        "the import do not exist yet, which raises `ImportError: cannot import name` or "
        "`AttributeError: partially initialized module` — often only in production, where "
        "the entry point (`fastmcp run`, a platform's loader) imports modules in a different "
        "order than your tests do."
    )
    instead = (
        "Move what both modules need into a third module that imports neither, or register "
        "tools in the tool modules on a server imported from a small `server.py` that "
        "imports no tool module."
    )
    hint = "move the shared piece into a module that imports neither side"

    VALID = (
        Valid("from pkg.b import x\n", path="pkg/a.py"),
        Valid("from typing import TYPE_CHECKING\n\nif TYPE_CHECKING:\n    from pkg import a\n",
              path="pkg/b.py"),
        Valid("def late():\n    from . import self_module\n    return self_module\n",
              path="pkg/self_module.py"),
    )
    INVALID = (
        Invalid("from fastmcp import FastMCP\nfrom . import server\n\nmcp = FastMCP('x')\n",
                at=((2, 1),), path="pkg/server.py"),
    )

    def check(self, files: Sequence[FileFacts]) -> Iterable[ProjectFinding]:
        modules = {f.module: f for f in files if f.module}
        graph: dict[str, list[tuple[str, Location]]] = {}
        for name, facts in modules.items():
            edges = graph.setdefault(name, [])
            for fact in facts.imports:
                for candidates in fact.targets:
                    target = next((c for c in candidates if c in modules), None)
                    if target is not None:
                        edges.append((target, fact.location))
        for group in _cycles(graph):
            first = min(group, key=lambda module: modules[module].path)
            path = _shortest_cycle(graph, first, group)
            if not path:
                continue
            names = [module for module, _ in path] + [first]
            yield ProjectFinding(modules[first].path, path[0][1],
                                 "import cycle: " + " -> ".join(names))


def _cycles(graph: dict[str, list[tuple[str, Location]]]) -> list[set[str]]:
    """Strongly connected groups with a cycle (Tarjan's algorithm, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[set[str]] = []
    counter = 0
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, 0)]
        while work:
            node, position = work.pop()
            if position == 0:
                index[node] = low[node] = counter
                counter += 1
                stack.append(node)
                on_stack.add(node)
            edges = graph.get(node, [])
            if position < len(edges):
                work.append((node, position + 1))
                target = edges[position][0]
                if target not in index:
                    work.append((target, 0))
                elif target in on_stack:
                    low[node] = min(low[node], index[target])
                continue
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                group: set[str] = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.add(member)
                    if member == node:
                        break
                self_loop = any(t == node for t, _ in graph.get(node, []))
                if len(group) > 1 or self_loop:
                    groups.append(group)
    return groups


def _shortest_cycle(graph: dict[str, list[tuple[str, Location]]], start: str,
                    group: set[str]) -> list[tuple[str, Location]]:
    """The shortest path start -> ... -> start inside the group, as (module, import) steps."""
    previous: dict[str, tuple[str, Location]] = {}
    frontier = [start]
    seen = {start}
    while frontier:
        following: list[str] = []
        for node in frontier:
            for target, location in graph.get(node, []):
                if target not in group:
                    continue
                if target == start:
                    steps = [(node, location)]
                    while node != start:
                        node, location = previous[node]
                        steps.append((node, location))
                    return list(reversed(steps))
                if target not in seen:
                    seen.add(target)
                    previous[target] = (node, location)
                    following.append(target)
        frontier = following
    return []
