"""FML205 circular-import."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from fastmcp_preflight.api import (
    FileFacts,
    Invalid,
    Location,
    ProjectFinding,
    ProjectRule,
    Valid,
    import_graph_of,
)


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
        "(`a.b -> a.c -> a.b`). A module never forms a cycle with itself (`from . import "
        "server` in `server.py`); `from . import x` where `x` is not a module or subpackage "
        "of the project (a data folder, a missing file, a name) adds no edge; folders without "
        "`__init__.py` below a source root (the nearest `src` folder, else the linted root) "
        "are namespace packages and their modules take part, relative imports in them too."
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
        # A module never forms a cycle with itself.
        Valid("from fastmcp import FastMCP\nfrom . import server\n\nmcp = FastMCP('x')\n",
              path="pkg/server.py"),
        # `from . import data` names a data folder, not a module: no edge to the package.
        Valid("from . import data\n", path="pkg/loader.py",
              others=(("pkg/__init__.py", "from .loader import load\n"),)),
        Valid("from pkg.a import x\n", path="pkg/b.py",
              others=(("pkg/a.py", "def f():\n    from pkg import b\n    return b\n"),)),
    )
    INVALID = (
        Invalid("from pkg.b import helper\n\nVALUE = 1\n", at=((1, 1),), path="pkg/a.py",
                others=(("pkg/b.py", "from pkg.a import VALUE\n\nhelper = VALUE\n"),)),
        # Folders without `__init__.py` are namespace packages: their modules take part.
        Invalid("from .tools import register\n", at=((1, 1),), path="app/server.py",
                others=(("app/tools.py", "from . import server\n\nregister = 1\n"),)),
    )

    def check(self, files: Sequence[FileFacts]) -> Iterable[ProjectFinding]:
        graph = import_graph_of(files)
        for group in _cycles(graph.edges):
            first = min(group)
            path = graph.path_between(first, first)
            if not path:
                continue
            names = [graph.label(module) for module, _ in path] + [graph.label(first)]
            yield ProjectFinding(first, path[0][1], "import cycle: " + " -> ".join(names))


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
                if len(group) > 1:
                    groups.append(group)
    return groups
