"""FML202 factory-import-in-init."""

from __future__ import annotations

import libcst as cst

from fastmcp_lint.api import Invalid, Rule, Valid
from fastmcp_lint.model import dotted


class FactoryImportInInit(Rule):
    """An import of the package's own modules inside a function of its `__init__.py`."""

    code = "FML202"
    name = "factory-import-in-init"
    severity = "warning"
    checklist = "no circular imports"
    summary = "import of the package itself inside a function in `__init__.py`"
    what = (
        "In a file named `__init__.py`, finds import statements inside a function (at any "
        "depth: methods and nested functions too) that import from the package itself: a "
        "relative import (`from . import x`, `from .server import create`) or an absolute "
        "import of the same package or one of its submodules (`from mypkg.server import "
        "create` in `mypkg/__init__.py`). The package is the one the `__init__.py` defines, "
        "named from the folders that hold an `__init__.py`."
    )
    why = (
        "A factory in `__init__.py` that imports the package's modules when called is almost "
        "always a workaround for a circular import: the cycle is still there, only hidden "
        "until the first call, where it fails in production instead of at start-up. It also "
        "makes `import mypkg` cheap but the first request slow and fragile."
    )
    instead = (
        "Move the factory into its own module (`mypkg/app.py`) that imports what it needs "
        "at module level, and break the cycle by moving the shared piece both sides need "
        "into a third module."
    )
    hint = "move the factory to its own module and import at module level"
    needles = ("import",)

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
    )
    INVALID = (
        Invalid("def create_app():\n    from .server import mcp\n    return mcp\n",
                at=((2, 5),), path="mypkg/__init__.py"),
        Invalid("def create_app():\n    from mypkg.server import mcp\n    return mcp\n",
                at=((2, 5),), path="mypkg/__init__.py"),
        Invalid("class App:\n    def build(self):\n        def inner():\n"
                "            from . import tools\n            return tools\n"
                "        return inner()\n", at=((4, 13),), path="mypkg/__init__.py"),
        Invalid("def create_app():\n    import mypkg.server as server\n    return server.mcp\n",
                at=((2, 5),), path="src/mypkg/__init__.py"),
        Invalid("def create_app():\n    from ..core import build\n    return build()\n",
                at=((2, 5),), path="mypkg/sub/__init__.py"),
    )

    def _own(self, module: str) -> bool:
        package = self.context.module_name
        return package is not None and (module == package or module.startswith(package + "."))

    def _check(self, node: cst.Import | cst.ImportFrom) -> None:
        if not self.context.is_package_init or self.context.where.function is None:
            return
        if isinstance(node, cst.ImportFrom):
            if node.relative:
                what = "." * len(node.relative) + (dotted(node.module) or "")
            elif node.module is not None and self._own(dotted(node.module) or ""):
                what = dotted(node.module) or ""
            else:
                return
        else:
            names = [dotted(alias.name) or "" for alias in node.names]
            own = [name for name in names if self._own(name)]
            if not own:
                return
            what = own[0]
        function = self.context.where.function
        label = function.name.value if isinstance(function, cst.FunctionDef) else "<lambda>"
        self.report(node, f"`{label}()` in `__init__.py` imports `{what}` from its own package "
                          "when called: this hides a circular import until run time")

    def visit_Import(self, node: cst.Import) -> None:
        self._check(node)

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        self._check(node)
