"""The tool snapshot of FML710: every server's tools, resources and prompts as the model
sees them, written by `--write-tool-baseline FILE` and compared by `--tool-baseline FILE`.

The file is JSON with sorted keys and one value a line, so a pull request that changes a
tool's interface shows up as a small, readable diff of the committed snapshot. Servers are
named `module:name` (the object the tools are registered on); tools and prompts by name,
resources by URI; parameters by name with their type as written, whether they are
required, and their default as written.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastmcp_preflight.errors import UserError
from fastmcp_preflight.project.facts import FileFacts, Location

SNAPSHOT_VERSION = 1
_KINDS = {"tool": "tools", "resource": "resources", "prompt": "prompts"}


def snapshot(files: Sequence[FileFacts]) -> dict[str, Any]:
    """The snapshot of these files' servers."""
    servers: dict[str, dict[str, dict[str, Any]]] = {}
    for facts in sorted(files, key=lambda f: f.path):
        for item in facts.interfaces:
            kinds = servers.setdefault(item.server, {k: {} for k in _KINDS.values()})
            kinds[_KINDS[item.kind]].setdefault(item.key, {
                "description": item.description,
                "parameters": {name: {"type": kind, "required": required, "default": default}
                               for name, kind, required, default in item.parameters},
            })
    return {"version": SNAPSHOT_VERSION, "servers": servers}


def render(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=True) + "\n"


def write_snapshot(path: Path, files: Sequence[FileFacts]) -> int:
    """Write the snapshot; the number of tools, resources and prompts it holds."""
    data = snapshot(files)
    try:
        path.write_text(render(data), encoding="utf-8")
    except OSError as error:
        raise UserError(f"--write-tool-baseline: cannot write {path}: "
                        f"{error.strerror or error}") from None
    return sum(len(items) for server in data["servers"].values() for items in server.values())


def load_snapshot(path: Path) -> dict[str, Any]:
    """Read a snapshot, or raise UserError saying what is wrong with the file."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise UserError(f"--tool-baseline: cannot read {path}: {error.strerror or error}"
                        ) from None
    except ValueError as error:
        raise UserError(f"--tool-baseline: {path} is not JSON: {error}") from None
    if not (isinstance(data, dict) and data.get("version") == SNAPSHOT_VERSION
            and isinstance(data.get("servers"), dict)):
        raise UserError(f"--tool-baseline: {path} is not a tool snapshot (write one with "
                        "--write-tool-baseline)")
    return data


@dataclass(frozen=True)
class Change:
    """One breaking change since the snapshot, and where to report it."""

    path: str
    location: Location
    message: str


def breaking_changes(old: dict[str, Any], files: Sequence[FileFacts]) -> Iterator[Change]:
    """What changed in a way that breaks clients, for the servers of these files' modules."""
    current = snapshot(files)["servers"]
    modules = {f.module for f in files if f.module} | {f.path for f in files}
    where: dict[tuple[str, str, str], tuple[str, Location]] = {}
    servers_at: dict[str, tuple[str, Location]] = {}
    for facts in sorted(files, key=lambda f: f.path):
        for item in facts.interfaces:
            where.setdefault((item.server, _KINDS[item.kind], item.key),
                             (facts.path, item.location))
            servers_at.setdefault(item.server, (facts.path, item.location))
        for name, location in facts.server_sites.items():
            servers_at[name] = (facts.path, location)
    for server, kinds in sorted(old.get("servers", {}).items()):
        if not isinstance(kinds, dict) or server.partition(":")[0] not in modules:
            continue
        now = current.get(server, {})
        for kind, items in sorted(kinds.items()):
            if not isinstance(items, dict):
                continue
            noun = kind[:-1]
            for key, before in sorted(items.items()):
                after = now.get(kind, {}).get(key)
                if after is None:
                    at = servers_at.get(server)
                    if at is not None:
                        yield Change(at[0], at[1], f"{noun} `{key}` of server `{server}` is "
                                     "gone since the tool snapshot: clients and models that "
                                     "call it break")
                    continue
                at = where[(server, kind, key)]
                for message in _parameter_changes(before.get("parameters", {}),
                                                  after["parameters"]):
                    yield Change(at[0], at[1], f"{noun} `{key}`: {message} since the tool "
                                 "snapshot: clients and models that learned the old "
                                 "interface break")


def _parameter_changes(before: dict[str, Any], after: dict[str, Any]) -> Iterator[str]:
    added = sorted(set(after) - set(before))
    renames: set[str] = set()
    for name in sorted(before):
        old = before[name] if isinstance(before[name], dict) else {}
        new = after.get(name)
        if new is None:
            # The likeliest new name: same type, and as required as the old one was.
            renamed = sorted((a for a in added if after[a].get("type") == old.get("type")
                              and a not in renames),
                             key=lambda a: after[a].get("required") != old.get("required"))
            renames.update(renamed[:1])
            yield (f"parameter `{name}` was removed" + (
                f" or renamed (to `{renamed[0]}`?)" if renamed else ""))
            continue
        if new["required"] and not old.get("required", False):
            yield f"parameter `{name}` is required now (it defaulted to {old.get('default')})"
        if narrowed(str(old.get("type", "")), new["type"]):
            yield (f"the type of parameter `{name}` narrowed from `{old.get('type') or 'any'}` "
                   f"to `{new['type']}`")
    for name in added:
        if after[name]["required"] and name not in renames:
            yield f"new required parameter `{name}`"


_WIDER = {"int": {"float", "complex"}, "float": {"complex"}, "bool": {"int", "float"}}


def narrowed(old: str, new: str) -> bool:
    """Whether a value the old type accepted may be refused now."""
    if old == new or not new:
        return False
    if not old:
        return True
    before, after = _members(old), _members(new)
    if "Any" in after or "object" in after:
        return False
    return any(member not in after and not (_WIDER.get(member, set()) & after)
               for member in before)


def _members(annotation: str) -> set[str]:
    """The members of a union as written (`Optional[X]` and `Union[...]` unpacked)."""
    text = annotation.strip().strip("'\"")
    match = re.fullmatch(r"(?:typing\.)?Optional\[(.*)\]", text)
    if match:
        return _members(match.group(1)) | {"None"}
    match = re.fullmatch(r"(?:typing\.)?Union\[(.*)\]", text)
    parts = _split(match.group(1), ",") if match else _split(text, "|")
    if len(parts) == 1:
        return {" ".join(parts[0].split())}
    return set().union(*(_members(p) for p in parts))


def _split(text: str, separator: str) -> list[str]:
    """Split on `separator` outside brackets."""
    parts, depth, current = [], 0, ""
    for char in text:
        if char in "[(":
            depth += 1
        elif char in "])":
            depth -= 1
        if char == separator and depth == 0:
            parts.append(current.strip())
            current = ""
        else:
            current += char
    parts.append(current.strip())
    return [p for p in parts if p]
