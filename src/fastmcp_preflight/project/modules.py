"""The dotted module name of a source file, as the project's imports would name it."""

from __future__ import annotations

import os
from pathlib import Path


def module_name_for(path: Path) -> tuple[str | None, str | None]:
    """The dotted module name of a file and its package, from the `__init__.py` files above.

    A folder named `src` ends the package even if it has a stray `__init__.py` (src layout).
    """
    parts: list[str] = [] if path.name == "__init__.py" else [path.stem]
    folder = path.parent
    while (folder / "__init__.py").is_file() and folder.name and folder.name != "src":
        parts.insert(0, folder.name)
        folder = folder.parent
    module = ".".join(parts) or None
    if path.name == "__init__.py":
        return module, module
    return module, ".".join(parts[:-1]) or None


def virtual_module_name(path: str) -> tuple[str | None, str | None]:
    """Module name of a path that is not on disk: every folder is taken to be a package."""
    parts = [p for p in path.replace("\\", "/").split("/") if p and p != "."]
    if parts and parts[0] == "src":
        parts.pop(0)
    if not parts or not parts[-1].endswith(".py"):
        return None, None
    last = parts.pop()
    if last != "__init__.py":
        parts.append(last[:-3])
        return ".".join(parts), ".".join(parts[:-1]) or None
    module = ".".join(parts) or None
    return module, module


class ModuleNames:
    """`module_name_for` for many files, asking each folder once whether it is a package."""

    def __init__(self) -> None:
        self._packages: dict[str, tuple[str, ...]] = {}

    def _package(self, folder: str) -> tuple[str, ...]:
        """The dotted parts of the package chain that ends at `folder` (empty if none)."""
        known = self._packages.get(folder)
        if known is None:
            name = os.path.basename(folder)
            if name and name != "src" and os.path.isfile(os.path.join(folder, "__init__.py")):
                known = (*self._package(os.path.dirname(folder)), name)
            else:
                known = ()
            self._packages[folder] = known
        return known

    def of(self, path: Path) -> tuple[str | None, str | None]:
        """The same as `module_name_for(path.absolute())`."""
        absolute = path if path.is_absolute() else path.absolute()
        package = self._package(os.path.dirname(absolute))
        if absolute.name == "__init__.py":
            module = ".".join(package) or None
            return module, module
        return ".".join((*package, absolute.stem)), ".".join(package) or None


def importable_tail(parts: list[str]) -> list[str]:
    """The longest tail of a path's parts (`.py` file last) that names a module: every folder
    an identifier, `__init__.py` standing for its package; [] when the file is not `.py`."""
    if not parts or not parts[-1].endswith(".py"):
        return []
    parts = [*parts[:-1], parts[-1][:-3]]
    if parts[-1] == "__init__":
        parts.pop()
    start = len(parts)
    while start > 0 and parts[start - 1].isidentifier():
        start -= 1
    return parts[start:]
