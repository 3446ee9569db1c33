"""The fastmcp and MCP SDK versions a project targets (RULES.md, "FML8xx").

Read from the project's own files: the `fastmcp` / `mcp` requirements in `pyproject.toml`
(PEP 621 and Poetry), `requirements*.txt`, `setup.cfg` and `setup.py` `install_requires`, and
the version pinned in `uv.lock` / `poetry.lock`. The target is the locked version when there is
one, else the newest version DRIFT.md knows that the requirement allows; config
`target-fastmcp` / `target-mcp` overrides both. Requirement syntax is parsed by `packaging`
(PEP 440/508), not by hand: specifiers such as `~=2.3`, `!=2.0.*` and markers are easy to get
subtly wrong. No LibCST here: a cached run reports targets too.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from packaging.specifiers import SpecifierSet
    from packaging.version import Version

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised only on Python 3.10
    import tomli as tomllib  # type: ignore[import-not-found,unused-ignore]

#: The packages the version rules know.
PACKAGES = ("fastmcp", "mcp")

#: Every release DRIFT.md names, per package (its "Dep"/"Gone" columns and the current
#: release): a requirement targets the newest of these it allows.
KNOWN_VERSIONS: Mapping[str, tuple[str, ...]] = {
    "fastmcp": ("2.0.0", "2.2.11", "2.3.0", "2.3.2", "2.3.4", "2.3.5", "2.5.0", "2.5.2",
                "2.7.0", "2.7.1", "2.8.0", "2.8.1", "2.9.0", "2.11.0", "2.11.4", "2.12.0",
                "2.13.0", "2.14.0", "2.14.1", "3.0.0", "3.2.4", "3.3.0", "3.4.7", "4.0.0",
                "4.1.6"),
    "mcp": ("1.0.0", "1.24.0", "1.29.0", "2.0.0", "2.3.0"),
}

#: The config keys that override the targets.
OVERRIDE_KEYS: Mapping[str, str] = {"fastmcp": "target-fastmcp", "mcp": "target-mcp"}

_LOCK_FILES = ("uv.lock", "poetry.lock")
_LOCKED = re.compile(r'^\[\[package\]\]\s*\nname\s*=\s*"(?P<name>[^"]+)"\s*\n'
                     r'version\s*=\s*"(?P<version>[^"]+)"', re.MULTILINE)


@dataclass(frozen=True)
class Target:
    """One package's target: `version` None means the project declares no requirement (the
    version rules stay silent about the package)."""

    package: str
    version: str | None
    #: Where the version comes from: a lock file, a requirement file, or the config key.
    source: str = ""
    #: The requirement as declared (the specifiers, `>=3.2,<4`), "" when none; several
    #: declarations are joined.
    requirement: str = ""
    #: The files that declare a requirement for the package.
    declared_in: tuple[str, ...] = ()

    def describe(self) -> str:
        """One line for `--verbose`."""
        if self.version is None:
            return (f"{self.package}: no requirement declared, the version rules say nothing "
                    f"about it (add it to the project's requirements or set "
                    f"`{OVERRIDE_KEYS.get(self.package, 'target-' + self.package)}` in "
                    "[tool.fastmcp-lint])")
        text = f"{self.package} {self.version} ({self.source}"
        if self.requirement.startswith("==") and "," not in self.requirement:
            text += f": pinned by `{self.requirement}`"
        elif self.requirement and "lock" not in self.source and "config" not in self.source:
            text += f": the newest release DRIFT.md knows that `{self.requirement}` allows"
        elif self.requirement:
            text += f"; requirement `{self.requirement}`"
        return text + ")"

    def as_json(self) -> dict[str, object]:
        return {"package": self.package, "version": self.version, "source": self.source,
                "requirement": self.requirement}

    def straddles(self, version: str) -> bool:
        """Whether the requirement allows both a release before `version` (the project was
        written for it) and `version` or a later one (a fresh install may get it)."""
        from packaging.version import Version
        spec = _specifier(self.requirement) if self.declared_in else None
        if spec is None:
            return False
        floor = Version(version)
        older = [Version(v) for v in KNOWN_VERSIONS.get(self.package, ()) if Version(v) < floor]
        older.append(Version(f"{floor.major - 1}.99") if floor.major else Version("0.1"))
        return self.allows(version) and any(spec.contains(v, prereleases=False)
                                            for v in older)

    def allows(self, version: str) -> bool:
        """Whether a fresh install of the declared requirement may resolve to `version`
        or a later release (no upper bound excludes it)."""
        from packaging.version import Version
        if not self.declared_in:
            return False
        spec = _specifier(self.requirement)
        if spec is None:
            return False
        floor = Version(version)
        candidates = [floor, Version(f"{floor.major}.99"), Version(f"{floor.major + 1}.0")]
        candidates += [Version(v) for v in KNOWN_VERSIONS.get(self.package, ())
                       if Version(v) >= floor]
        return any(spec.contains(v, prereleases=False) for v in candidates)


@dataclass(frozen=True)
class ProjectTargets:
    """The targets of one project, one per package of `PACKAGES`."""

    root: str
    targets: tuple[Target, ...]
    #: The project's `requires-python` (PEP 621), "" when it declares none.
    python: str = ""

    def python_below(self, version: str) -> bool:
        """Whether the project supports a Python older than `version` (by `requires-python`;
        a project that declares none is taken to support only current Pythons)."""
        from packaging.version import Version
        spec = _specifier(self.python) if self.python else None
        if spec is None:
            return False
        floor = Version(version)
        return any(spec.contains(f"3.{minor}") for minor in range(6, floor.minor)
                   if floor.major == 3)

    def get(self, package: str) -> Target | None:
        return next((t for t in self.targets if t.package == package), None)

    def version(self, package: str) -> Version | None:
        """The target version of `package`, or None when there is none."""
        from packaging.version import InvalidVersion, Version
        target = self.get(package)
        if target is None or target.version is None:
            return None
        try:
            return Version(target.version)
        except InvalidVersion:
            return None


NO_TARGETS = ProjectTargets("", tuple(Target(p, None) for p in PACKAGES))


class TargetResolver:
    """Finds each project's targets once (per root), with config overrides applied."""

    def __init__(self, overrides: Mapping[str, str] | None = None) -> None:
        self._overrides = dict(overrides or {})
        self._memo: dict[str, ProjectTargets] = {}

    def seed(self, known: Iterable[ProjectTargets]) -> None:
        """Use targets the run has read already."""
        for targets in known:
            self._memo.setdefault(targets.root, targets)

    def of_root(self, root: str) -> ProjectTargets:
        found = self._memo.get(root)
        if found is None:
            found = self._memo[root] = project_targets(root, self._overrides)
        return found


#: Engine options (not config keys) that add a declared requirement, as if a requirement file
#: said it: what a rule's examples use, having no project files.
REQUIREMENT_KEYS: Mapping[str, str] = {"fastmcp": "requirement-fastmcp",
                                       "mcp": "requirement-mcp"}


def overrides_of(options: Mapping[str, object]) -> dict[str, str]:
    """The `target-fastmcp` / `target-mcp` settings (and `requirement-*` options, keyed
    `=package`) among the engine's options."""
    found = {package: str(options[key]) for package, key in OVERRIDE_KEYS.items()
             if options.get(key)}
    found.update({f"={package}": str(options[key]) for package, key in REQUIREMENT_KEYS.items()
                  if options.get(key)})
    return found


def project_targets(root: str, overrides: Mapping[str, str] | None = None) -> ProjectTargets:
    """The targets of the project at `root` (see the module docstring).

    A requirement on the project's own distribution (the fastmcp or SDK repository itself,
    whose dev group says `fastmcp[tasks]` to install its extras) is no target: the project
    is that package, at whatever version its own tree is, and uv resolves the requirement to
    the working tree; targeting the newest release would report the tree's own modules.
    """
    declared: dict[str, list[tuple[str, str]]] = {p: [] for p in PACKAGES}
    own = own_name(root)
    for source, name, specifier in requirements_of(root):
        if name in declared and name != own:
            declared[name].append((source, specifier))
    for package in PACKAGES:
        extra = (overrides or {}).get(f"={package}")
        if extra is not None:
            declared[package].append(("settings", extra))
    locked = _locked_versions(root)
    targets = []
    for package in PACKAGES:
        found = declared[package]
        requirement = ",".join(s for _, s in found if s)
        files = tuple(dict.fromkeys(source for source, _ in found))
        override = (overrides or {}).get(package)
        if override:
            version: str | None = override
            source = f"config {OVERRIDE_KEYS[package]}"
        elif package in locked and found:
            version, source = locked[package]
        elif found:
            version, source = newest_allowed(package, requirement), " and ".join(files)
        else:
            version, source = None, ""
        targets.append(Target(package, version, source, requirement, files))
    return ProjectTargets(root, tuple(targets), _requires_python(root))


def own_name(root: str) -> str:
    """The canonical distribution name the project at `root` declares (PEP 621 or Poetry),
    "" when none."""
    path = os.path.join(root, "pyproject.toml")
    if not os.path.isfile(path):
        return ""
    try:
        document = tomllib.loads(_read(path))
    except tomllib.TOMLDecodeError:
        return ""
    project = document.get("project")
    name = project.get("name") if isinstance(project, dict) else None
    if not isinstance(name, str):
        tool = document.get("tool")
        poetry = tool.get("poetry") if isinstance(tool, dict) else None
        name = poetry.get("name") if isinstance(poetry, dict) else None
    return canonicalize_name(name) if isinstance(name, str) else ""


def _requires_python(root: str) -> str:
    path = os.path.join(root, "pyproject.toml")
    if not os.path.isfile(path):
        return ""
    try:
        project = tomllib.loads(_read(path)).get("project")
    except tomllib.TOMLDecodeError:
        return ""
    value = project.get("requires-python") if isinstance(project, dict) else None
    return value if isinstance(value, str) else ""


def newest_allowed(package: str, requirement: str) -> str | None:
    """The newest release DRIFT.md knows that `requirement` allows (the newest of all when
    it is unbounded); None when it allows none of them."""
    from packaging.version import Version
    spec = _specifier(requirement)
    known = sorted(KNOWN_VERSIONS.get(package, ()), key=Version, reverse=True)
    if spec is None:
        return known[0] if known else None
    for version in known:
        if spec.contains(version, prereleases=True):
            return version
    # Pinned to a release DRIFT.md does not list (`==2.10.1`): that release itself.
    pinned = [s.version for s in spec if s.operator in ("==", "===") and "*" not in s.version]
    return pinned[0] if pinned else None


def _specifier(text: str) -> SpecifierSet | None:
    from packaging.specifiers import InvalidSpecifier, SpecifierSet
    try:
        return SpecifierSet(text)
    except InvalidSpecifier:
        return None


# -- reading the project's files ----------------------------------------------------------------


def requirements_of(root: str) -> Iterator[tuple[str, str, str]]:
    """(file, canonical package name, specifier text) of every requirement the project's
    files declare for a package of `PACKAGES`."""
    pyproject = os.path.join(root, "pyproject.toml")
    if os.path.isfile(pyproject):
        yield from _pyproject(pyproject)
    try:
        names = sorted(os.listdir(root))
    except OSError:
        names = []
    for name in names:
        if name.startswith("requirements") and name.endswith((".txt", ".in")):
            yield from _pep508_lines("requirements", name, _read(os.path.join(root, name)))
    setup_cfg = os.path.join(root, "setup.cfg")
    if os.path.isfile(setup_cfg):
        yield from _setup_cfg(setup_cfg)
    setup_py = os.path.join(root, "setup.py")
    if os.path.isfile(setup_py):
        yield from _pep508("setup.py", _setup_py_requires(_read(setup_py)))


def _read(path: str) -> str:
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            return handle.read()
    except OSError:
        return ""


def canonicalize_name(name: str) -> str:
    """A distribution name as PEP 503 normalises it (`Fast_MCP` -> `fast-mcp`)."""
    return re.sub(r"[-_.]+", "-", name).lower()


_NAME = re.compile(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)")


def _pep508(source: str, lines: Iterable[str]) -> Iterator[tuple[str, str, str]]:
    # Only the requirements of the packages the version rules know are parsed, and
    # `packaging.requirements` (it pulls in markers and tags) is imported only for them.
    lines = [line for line in lines if _names_a_package(line)]
    if not lines:
        return
    from packaging.requirements import InvalidRequirement, Requirement

    for line in lines:
        try:
            requirement = Requirement(line.strip())
        except InvalidRequirement:
            continue
        name = canonicalize_name(requirement.name)
        if name in PACKAGES:
            yield source, name, str(requirement.specifier)


def _names_a_package(line: str) -> bool:
    """Whether a requirement line may name one of `PACKAGES` (its leading name does)."""
    found = _NAME.match(line)
    return found is not None and canonicalize_name(found.group(1)) in PACKAGES


def _pep508_lines(kind: str, name: str, text: str) -> Iterator[tuple[str, str, str]]:
    """A requirements file: one requirement a line; options, includes and URLs skipped."""
    lines = []
    for raw in text.splitlines():
        line = raw.split(" #", 1)[0].strip()
        if line and not line.startswith(("#", "-", "git+", "http:", "https:", "file:")):
            lines.append(line)
    return _pep508(name, lines)


def _pyproject(path: str) -> Iterator[tuple[str, str, str]]:
    try:
        document = tomllib.loads(_read(path))
    except tomllib.TOMLDecodeError:
        return
    project = document.get("project")
    if isinstance(project, dict):
        lines = _strings(project.get("dependencies"))
        optional = project.get("optional-dependencies")
        if isinstance(optional, dict):
            for group in optional.values():
                lines += _strings(group)
        yield from _pep508("pyproject.toml", lines)
    groups = document.get("dependency-groups")
    if isinstance(groups, dict):
        for group in groups.values():
            yield from _pep508("pyproject.toml", _strings(group))
    tool = document.get("tool")
    poetry = tool.get("poetry") if isinstance(tool, dict) else None
    if isinstance(poetry, dict):
        tables = [poetry.get("dependencies")]
        group_tables = poetry.get("group")
        if isinstance(group_tables, dict):
            tables += [g.get("dependencies") for g in group_tables.values()
                       if isinstance(g, dict)]
        for table in tables:
            if not isinstance(table, dict):
                continue
            for name, value in table.items():
                package = canonicalize_name(name)
                if package in PACKAGES:
                    yield "pyproject.toml", package, poetry_specifier(value)


def _strings(value: object) -> list[str]:
    return [item for item in value if isinstance(item, str)] if isinstance(value, list) else []


def poetry_specifier(value: object) -> str:
    """A Poetry constraint (`^2.3`, `~2.3`, `2.3.*`, `>=2,<3`, `{version = ...}`) as PEP 440."""
    if isinstance(value, dict):
        value = value.get("version", "*")
    if isinstance(value, list):  # several constraints with markers: the first
        value = value[0].get("version", "*") if value and isinstance(value[0], dict) else "*"
    text = str(value).strip()
    parts = []
    for part in text.split(","):
        part = part.strip()
        if not part or part == "*":
            continue
        if part.startswith("^"):
            parts += _caret(part[1:].strip())
        elif part.startswith("~") and not part.startswith("~="):
            parts += _tilde(part[1:].strip())
        elif part[0].isdigit():
            parts.append(f"=={part}")
        else:
            parts.append(part)
    return ",".join(parts)


def _release(text: str) -> list[int]:
    from packaging.version import InvalidVersion, Version
    try:
        return list(Version(text).release)
    except InvalidVersion:
        return [0]


def _caret(text: str) -> list[str]:
    release = _release(text)
    for index, number in enumerate(release):
        if number != 0 or index == len(release) - 1:
            upper = [*release[:index], number + 1]
            return [f">={text}", f"<{'.'.join(map(str, upper))}"]
    return [f">={text}"]


def _tilde(text: str) -> list[str]:
    release = _release(text)
    upper = [release[0] + 1] if len(release) == 1 else [release[0], release[1] + 1]
    return [f">={text}", f"<{'.'.join(map(str, upper))}"]


def _setup_cfg(path: str) -> Iterator[tuple[str, str, str]]:
    import configparser

    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read_string(_read(path))
    except configparser.Error:
        return
    if parser.has_option("options", "install_requires"):
        lines = parser.get("options", "install_requires").splitlines()
        yield from _pep508("setup.cfg", [line for line in lines if line.strip()])


def _setup_py_requires(text: str) -> list[str]:
    """The string items of `install_requires=[...]` in a setup.py, read (never run)."""
    import ast

    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return []
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.keyword) and node.arg == "install_requires" and isinstance(
                node.value, (ast.List, ast.Tuple)):
            found += [item.value for item in node.value.elts
                      if isinstance(item, ast.Constant) and isinstance(item.value, str)]
    return found


def _locked_versions(root: str) -> dict[str, tuple[str, str]]:
    """Package -> (version, lock file) for the packages a lock file pins."""
    locked: dict[str, tuple[str, str]] = {}
    for name in _LOCK_FILES:
        path = os.path.join(root, name)
        if not os.path.isfile(path):
            continue
        for match in _LOCKED.finditer(_read(path)):
            package = canonicalize_name(match.group("name"))
            if package in PACKAGES and package not in locked:
                locked[package] = (match.group("version"), name)
    return locked
