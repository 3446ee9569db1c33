"""Baselines: adopt the linter on a codebase that already has findings.

`--write-baseline FILE` records the current findings; `--baseline FILE` then reports only the
findings that are not in it. A finding is matched by its code, its path (relative to the
baseline file's folder, so the file works from any working directory) and a fingerprint of the
flagged line and the lines before and after it, whitespace-collapsed: not by line number, so
edits elsewhere in the file do not bring it back, while a change to the flagged code itself
does. Each entry has a count, and matches at most that many findings: a second copy of the
same problem is new. Entries that matched nothing are stale (the problem was fixed, or its code
changed), and the summary says how many. FML000 (a file that could not be checked) is never
recorded nor hidden: like `# noqa`, a baseline cannot make an unchecked file pass.

The file is JSON, sorted and indented, so that rewriting it after unrelated changes gives the
same bytes and a review shows only real changes. The fingerprint is a hash, so the baseline
does not copy source lines (and any secret in them) into another file; the message is kept
for people to read.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fastmcp_preflight.errors import UserError
from fastmcp_preflight.source.lines import split_lines
from fastmcp_preflight.source.reading import SourceError, read_source

if TYPE_CHECKING:
    from fastmcp_preflight.api import Diagnostic

#: Bumped when an older fastmcp-lint could not read the file correctly.
BASELINE_VERSION = 1
TOOL_NAME = "fastmcp-lint"
#: Codes a baseline never records nor hides.
NEVER_BASELINED = frozenset({"FML000"})

#: A finding's identity in a baseline: (code, path, fingerprint).
Key = tuple[str, str, str]
#: The lines of a file by its display path (empty when it cannot be read).
LineSource = Callable[[str], Sequence[str]]


def normalise(line: str) -> str:
    """A line with its whitespace collapsed: re-indenting or re-spacing it keeps the match."""
    return " ".join(line.split())


def fingerprint(lines: Sequence[str], line: int) -> str:
    """The hash of the flagged line (1-based) and its neighbours, normalised."""
    context = [normalise(lines[number - 1]) if 1 <= number <= len(lines) else ""
               for number in (line - 1, line, line + 1)]
    return hashlib.sha256("\n".join(context).encode("utf-8")).hexdigest()[:16]


def read_lines(path: str) -> list[str]:
    """The lines of a file as the engine numbers them; empty when it cannot be read."""
    try:
        text = read_source(Path(path)).text
    except (SourceError, OSError):
        return []
    return split_lines(text)


class _Lines:
    """Each file's lines, read once."""

    def __init__(self, read: LineSource) -> None:
        self._read = read
        self._files: dict[str, Sequence[str]] = {}

    def __call__(self, path: str) -> Sequence[str]:
        if path not in self._files:
            self._files[path] = self._read(path)
        return self._files[path]


@dataclass(frozen=True)
class Baseline:
    """The findings a baseline file holds: key -> how many, and a message for each key."""

    folder: Path
    counts: dict[Key, int]

    @staticmethod
    def key(diagnostic: Diagnostic, lines: Sequence[str], folder: Path) -> Key:
        absolute = os.path.abspath(diagnostic.path)
        try:
            path = Path(os.path.relpath(absolute, folder)).as_posix()
        except ValueError:  # another drive on Windows
            path = Path(absolute).as_posix()
        return (diagnostic.code, path, fingerprint(lines, diagnostic.line))

    @classmethod
    def load(cls, file: Path) -> Baseline:
        """Read a baseline file; anything wrong with it is a UserError (exit 2)."""
        where = f"--baseline {file}"
        try:
            raw = file.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise UserError(f"{where}: no such file (create it with --write-baseline)") from None
        except (OSError, UnicodeDecodeError) as error:
            reason = error.strerror if isinstance(error, OSError) else str(error)
            raise UserError(f"{where}: cannot read: {reason or error}") from None
        try:
            data = json.loads(raw)
        except json.JSONDecodeError as error:
            raise UserError(f"{where}: not valid JSON: {error.msg} at line {error.lineno}, "
                            f"column {error.colno}") from None
        counts = _parse(data, where)
        return cls(Path(os.path.abspath(file)).parent, counts)

    def split(self, diagnostics: Iterable[Diagnostic],
              read: LineSource = read_lines) -> tuple[list[Diagnostic], int, int]:
        """The diagnostics not in the baseline, how many were, and how many entries are stale.

        Order is kept; each entry hides at most `count` findings, the first ones in order.
        """
        lines = _Lines(read)
        left = Counter(self.counts)
        kept: list[Diagnostic] = []
        hidden = 0
        for diagnostic in diagnostics:
            if diagnostic.code in NEVER_BASELINED:
                kept.append(diagnostic)
                continue
            key = self.key(diagnostic, lines(diagnostic.path), self.folder)
            if left[key] > 0:
                left[key] -= 1
                hidden += 1
            else:
                kept.append(diagnostic)
        return kept, hidden, sum(left.values())


def _parse(data: Any, where: str) -> dict[Key, int]:
    def bad(what: str) -> UserError:
        return UserError(f"{where}: not a fastmcp-lint baseline: {what}")

    if not isinstance(data, dict) or data.get("tool") != TOOL_NAME:
        raise bad(f'expected an object with "tool": "{TOOL_NAME}"')
    if data.get("version") != BASELINE_VERSION:
        raise bad(f"version {data.get('version')!r} (this fastmcp-lint reads version "
                  f"{BASELINE_VERSION})")
    findings = data.get("findings")
    if not isinstance(findings, list):
        raise bad('"findings" must be a list')
    counts: dict[Key, int] = {}
    for index, entry in enumerate(findings):
        if not isinstance(entry, dict):
            raise bad(f"findings[{index}] must be an object")
        values = [entry.get(name) for name in ("code", "path", "fingerprint")]
        if not all(isinstance(value, str) and value for value in values):
            raise bad(f'findings[{index}] needs non-empty strings "code", "path" and '
                      '"fingerprint"')
        count = entry.get("count", 1)
        if not isinstance(count, int) or isinstance(count, bool) or count < 1:
            raise bad(f'findings[{index}]: "count" must be a positive integer')
        key: Key = (str(values[0]), str(values[1]), str(values[2]))
        counts[key] = counts.get(key, 0) + count
    return counts


def render_baseline(diagnostics: Iterable[Diagnostic], folder: Path,
                    read: LineSource = read_lines) -> str:
    """The baseline file for `diagnostics`, its paths relative to `folder`."""
    lines = _Lines(read)
    counts: Counter[Key] = Counter()
    messages: dict[Key, str] = {}
    for diagnostic in diagnostics:
        if diagnostic.code in NEVER_BASELINED:
            continue
        key = Baseline.key(diagnostic, lines(diagnostic.path), folder)
        counts[key] += 1
        messages[key] = min(messages.get(key, diagnostic.message), diagnostic.message)
    findings = [
        {"code": code, "path": path, "fingerprint": digest, "count": counts[(code, path, digest)],
         "message": messages[(code, path, digest)]}
        for code, path, digest in sorted(counts, key=lambda k: (k[1], k[0], k[2]))
    ]
    document = {"tool": TOOL_NAME, "version": BASELINE_VERSION, "findings": findings}
    return json.dumps(document, indent=2, ensure_ascii=True) + "\n"


def write_baseline(file: Path, diagnostics: Iterable[Diagnostic],
                   read: LineSource = read_lines) -> int:
    """Write the baseline of `diagnostics` to `file`; returns how many findings it holds."""
    found = [d for d in diagnostics if d.code not in NEVER_BASELINED]
    text = render_baseline(found, Path(os.path.abspath(file)).parent, read)
    try:
        file.write_text(text, encoding="utf-8")
    except OSError as error:
        raise UserError(f"--write-baseline: cannot write {file}: "
                        f"{error.strerror or error}") from None
    return len(found)
