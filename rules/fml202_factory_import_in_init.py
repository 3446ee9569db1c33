"""FML202 factory-import-in-init."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from fastmcp_preflight.api import (
    FileFacts,
    Invalid,
    ProjectFinding,
    ProjectRule,
    Valid,
    import_graph_of,
)


class FactoryImportInInit(ProjectRule):
    """An import inside a function of `__init__.py` that hides a circular import."""

    code = "FML202"
    name = "factory-import-in-init"
    severity = "warning"
    checklist = "no circular imports"
    summary = "import inside a function in `__init__.py` hides a circular import"
    what = (
        "A project rule: in a file named `__init__.py`, finds import statements inside a "
        "function (at any depth: methods and nested functions too) that import from the "
        "package itself (a relative import such as `from .server import create`, or an "
        "absolute import of the same package or one of its submodules), and reports one only "
        "when moving it to module level would close a cycle in FML205's import graph: the "
        "imported module imports the package back at import time, directly or through other "
        "modules of the project. A deferred import with no cycle behind it (an optional "
        "dependency, a heavy module loaded on first use, an import after configuration) is "
        "not reported. Reported at the import inside the function; the message names the "
        "cycle it hides."
    )
    why = (
        "A factory in `__init__.py` that imports the package's modules when called, because "
        "those modules import the package back, is a workaround for a circular import: the "
        "cycle is still there, only hidden until the first call, where it fails in "
        "production (`cannot import name`, `partially initialized module`) instead of at "
        "start-up."
    )
    instead = (
        "Move the factory into its own module (`mypkg/app.py`) that imports what it needs "
        "at module level, and break the cycle by moving the shared piece both sides need "
        "into a third module that does not import the package."
    )
    hint = "move the factory to its own module and break the cycle it hides"

    VALID = (
        Valid("from .server import create_server\n\n__all__ = ['create_server']\n",
              path="mypkg/__init__.py"),
        Valid("def create():\n    from .server import build\n    return build()\n",
              path="mypkg/factory.py"),
        Valid("def create():\n    import json\n    return json\n", path="mypkg/__init__.py"),
        Valid("def create():\n    from otherpkg.server import build\n    return build()\n",
              path="mypkg/__init__.py"),
        Valid("def version():\n    from importlib.metadata import version\n"
              "    return version('mypkg')\n", path="mypkg/__init__.py"),
        # No cycle behind it: `mypkg.server` is not part of the project here, and a lazy
        # import of a module that does not import the package back is just lazy.
        Valid("def create_app():\n    from .server import mcp\n    return mcp\n",
              path="mypkg/__init__.py"),
        Valid("def main():\n    from . import cli\n    cli.run()\n", path="mypkg/__init__.py"),
    )
    INVALID = (
        Invalid("def create_app():\n    from .server import mcp\n    return mcp\n",
                at=((2, 5),), path="mypkg/__init__.py",
                others=(("mypkg/server.py", "import mypkg\n\nmcp = mypkg\n"),)),
        Invalid("class App:\n    def build(self):\n        def inner():\n"
                "            from mypkg import tools\n            return tools\n"
                "        return inner()\n", at=((4, 13),), path="mypkg/__init__.py",
                others=(("mypkg/tools.py", "from mypkg.config import X\n"),
                        ("mypkg/config.py", "from mypkg import __version__ as X\n"))),
    )

    def check(self, files: Sequence[FileFacts]) -> Iterable[ProjectFinding]:
        graph = import_graph_of(files)
        for init in files:
            for fact in init.own_deferred_imports:
                for candidates in fact.targets:
                    target = graph.resolve(init, candidates)
                    if target is None or target == init.path:
                        continue
                    back = graph.path_between(target, init.path)
                    if not back:
                        continue
                    cycle = [graph.label(init.path)] + [graph.label(m) for m, _ in back] + [
                        graph.label(init.path)]
                    yield ProjectFinding(
                        init.path, fact.location,
                        f"this import of `{graph.label(target)}` is deferred to a function, "
                        f"hiding the import cycle {' -> '.join(cycle)}: it fails on first "
                        "call instead of at start-up")
                    break
