"""Print the requirements of a PEP 735 dependency group of pyproject.toml, one a line.

For `.ci/run`: any pip installs them with `-r`, while `pip install --group` needs pip 25.1.
Groups that include other groups (`{include-group = "x"}`) are expanded.
"""

from __future__ import annotations

import sys
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # a dependency of the project below 3.11
    import tomli as tomllib


def requirements(groups: dict[str, list[object]], name: str,
                 seen: tuple[str, ...] = ()) -> list[str]:
    if name in seen:
        raise SystemExit(f"dependency group {name!r} includes itself")
    if name not in groups:
        raise SystemExit(f"no dependency group {name!r} in pyproject.toml")
    found: list[str] = []
    for item in groups[name]:
        if isinstance(item, dict):
            found += requirements(groups, str(item["include-group"]), (*seen, name))
        else:
            found.append(str(item))
    return found


def main() -> None:
    root = Path(__file__).resolve().parent.parent
    document = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    groups = document.get("dependency-groups", {})
    for name in sys.argv[1:]:
        print("\n".join(requirements(groups, name)))


if __name__ == "__main__":
    main()
