"""The result cache: a file's diagnostics and facts, keyed by everything that decides them.

The key is a hash of the tool version and its modules' stamps, the enabled rules (code, where
they come from, and the stamps of the modules beside them), the file's own settings (each
file has its config's, see `ConfigResolver`), its display path and module name,
and the digest of its bytes (which the file index remembers for files whose stat has not
changed). An entry is one small JSON file under `<cache>/v1/`, written atomically
(temporary file, then rename), so two runs can share the cache; an entry that can't be
read or parsed is ignored and rebuilt. The project phase (project rules, unused noqa) is
cached the same way, keyed by every file's entry, so a run whose every file is cached
parses nothing and imports no rule.
"""

from __future__ import annotations

import contextlib
import hashlib
import inspect
import json
import os
import time
import zlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, fields
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from fastmcp_preflight import __version__
from fastmcp_preflight.api import BaseRule, ChainStep, Diagnostic, DiagnosticFix, Edit
from fastmcp_preflight.project.facts import FileFacts, Via
from fastmcp_preflight.running.fileindex import FileIndex, content_digest
from fastmcp_preflight.running.results import FileResult, answers_from_json, answers_to_json
from fastmcp_preflight.running.storage import write_atomic
from fastmcp_preflight.source.reading import SourceError
from fastmcp_preflight.source.suppression import Directive, Suppressions

CACHE_DIR = ".fastmcp-lint-cache"
_LAYOUT = "v1"
#: The cache is pruned at most this often (the check is one `stat` of a marker file)...
PRUNE_EVERY_SECONDS = 24 * 3600
#: ...down to this many entries, or three per file of the run if that is more.
MAX_ENTRIES = 10_000
#: Changes whenever the JSON of an entry does, so an old entry is never read as a new one.
_ENTRY_FORMAT = "3"
#: The facts pack's key for the CRC-32 of its summaries' texts (entry keys are hex digests).
_PACK_CHECK = "crc32"


@runtime_checkable
class RuleSource(Protocol):
    """A rule described by metadata rather than its class: where its class is defined."""

    @property
    def code(self) -> str: ...

    @property
    def origin(self) -> str: ...

    @property
    def source(self) -> str: ...


def rule_source(rule: type[BaseRule]) -> str:
    """The file a rule class is defined in ("" if unknown)."""
    return inspect.getsourcefile(rule) or ""


def fingerprint(rules: Iterable[type[BaseRule] | RuleSource], settings: object) -> str:
    """What, besides a file itself, decides its result: the tool, the rules, the settings.

    The tool is every module of the engine package (the model, the dataflow and the
    reports decide results as much as a rule does); a rule is its code, its plugin and
    every module of the folder its class is defined in (the helpers a plugin imports sit
    beside it). Rules are classes, or their metadata from the manifest (which records
    `source`).
    """
    engine = _package_folder()
    parts: list[str] = [__version__, _tree_stamp(engine)]
    folders: set[str] = set()
    for rule in sorted(rules, key=lambda r: r.code):
        source = rule.source if isinstance(rule, RuleSource) else rule_source(rule)
        parts.append(f"{rule.code}|{rule.origin}|{source}")
        if source:
            folders.add(os.path.dirname(os.path.abspath(source)))
    parts += [f"{folder}|{_tree_stamp(folder, deep=False)}" for folder in sorted(folders)
              if folder != engine]
    parts.append(repr(settings))
    return hashlib.sha256("\n".join(parts).encode("utf-8", "surrogateescape")).hexdigest()


def _package_folder() -> str:
    """The `fastmcp_preflight` package's folder: every stage (source, model, project,
    plugins, running, reports) decides results, not only this module's own."""
    return os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _tree_stamp(folder: str, *, deep: bool = True) -> str:
    """The names, sizes and mtimes of a folder's Python modules (and its subfolders' too,
    when `deep`): any edit, addition or removal changes it."""
    stamps: list[str] = []
    try:
        with os.scandir(folder) as scan:
            for entry in sorted(scan, key=lambda e: e.name):
                if entry.name.endswith(".py") and entry.is_file():
                    status = entry.stat()
                    stamps.append(f"{entry.name}:{status.st_size}:{status.st_mtime_ns}")
                elif (deep and entry.is_dir(follow_symlinks=False)
                      and not entry.name.startswith((".", "__"))):
                    stamps.append(f"{entry.name}/[{_tree_stamp(entry.path)}]")
    except OSError:
        return "?"
    return ",".join(stamps)


def _diagnostic(data: dict[str, Any]) -> Diagnostic:
    fix = data.get("fix")
    return Diagnostic(**{
        **data,
        "fix": None if fix is None else DiagnosticFix(
            fix["applicability"], tuple(Edit(**edit) for edit in fix["edits"]),
            fix.get("description", ""), tuple(fix.get("drop_if_unused", ()))),
        "chain": tuple(ChainStep(*step) for step in data.get("chain", ())),
    })


def _suppressions_json(found: Suppressions | None) -> dict[str, Any] | None:
    if found is None:
        return None
    return {
        "lines": {str(line): codes for line, codes in found.lines.items()},
        "file": found.file,
        "directives": [{**asdict(d), "used": sorted(d.used)} for d in found.directives],
    }


def _suppressions(data: dict[str, Any] | None) -> Suppressions | None:
    if data is None:
        return None
    return Suppressions(
        {int(line): list(codes) for line, codes in data["lines"].items()}, data["file"],
        [_directive(d) for d in data["directives"]])


def _directive(data: dict[str, Any]) -> Directive:
    """A directive back from JSON: its set and tuple fields were written as lists."""
    values = dict(data)
    for item in fields(Directive):
        value = values.get(item.name)
        if isinstance(value, list):
            kind = str(item.type)
            values[item.name] = (set(value) if kind.startswith("set") else
                                 tuple(value) if kind.startswith("tuple") else value)
    return Directive(**values)


class HasDigest(Protocol):
    """Settings, as the cache sees them: a digest of everything they decide."""

    @property
    def digest(self) -> str: ...


Entry = tuple[list[Diagnostic], FileFacts | None, Suppressions | None]
#: A file's part of a run: its result when linted, its facts when it is only context.
Output = FileResult | FileFacts | None


class Cache:
    """Cached results under one folder, for one fingerprint."""

    def __init__(self, directory: Path, run_fingerprint: str) -> None:
        self.root = directory
        self.directory = directory / _LAYOUT
        self._folder = os.fspath(self.directory)
        self.fingerprint = run_fingerprint
        self._index: FileIndex | None = None
        #: The facts pack's entries not yet read (each is decoded once, then dropped: its
        #: JSON lists would otherwise stay alive, for the collector to scan, all run long),
        #: and the keys it had.
        self._pack: dict[str, Any] | None = None
        self._pack_keys: frozenset[str] = frozenset()
        #: The pack's function summaries (see `_facts_pack`).
        self._pack_body = memoryview(b"")

    def key(self, data: bytes, display: str, module: str | None, facts_only: bool,
            settings: HasDigest | None = None) -> str:
        return self.key_of(content_digest(data), display, module, facts_only, settings)

    def key_of(self, digest: str, display: str, module: str | None, facts_only: bool,
               settings: HasDigest | None = None) -> str:
        """The key of a file's entry, from the digest of its bytes and its settings."""
        return self._hash(display, module or "", "facts" if facts_only else "all", digest,
                          settings.digest if settings is not None else "")

    def _hash(self, *parts: str) -> str:
        hashed = hashlib.sha256()
        for part in (_ENTRY_FORMAT, self.fingerprint, *parts):
            hashed.update(part.encode("utf-8", "surrogateescape"))
            hashed.update(b"\0")
        return hashed.hexdigest()

    @property
    def index(self) -> FileIndex:
        """The stat index of the files' digests (see `fileindex`), one per cache object."""
        if self._index is None:
            self._index = FileIndex(self.root, self.directory / "files.json")
        return self._index

    def lookup(self, path: Path, display: str, module: str | None, facts_only: bool,
               settings: HasDigest | None = None,
               ) -> tuple[tuple[str, Output] | None, tuple[str, bytes | None] | None]:
        """A file's result (its facts, if `facts_only`) from the cache alone, never parsing:
        ((the entry's key, the result), None) on a hit. On a miss, (None, (the digest of
        the file's bytes, the bytes if they had to be read)), which the file's check takes
        so as to read and hash it only once; (None, None) when it can't be read. A project
        file that is only context can use the entry of a run that linted it."""
        try:
            known = self.index.digest(path)
        except SourceError:
            return None, None
        digest = known[0]
        key = self.key_of(digest, display, module, False, settings)
        if not facts_only:
            hit = self.get(key)
            return (None, known) if hit is None else ((key, FileResult(display, *hit)), None)
        candidates = [key, self.key_of(digest, display, module, True, settings)]
        pack = self._facts_pack()
        candidates.sort(key=lambda candidate: candidate not in pack)  # no file opened first
        for candidate in candidates:
            facts = self.get_facts(candidate)
            if facts is not None:
                return (candidate, facts[0]), None
        return None, known

    def project_key(self, entries: Sequence[tuple[str, bool, str]]) -> str:
        """The key of a run's project phase from its files' (display, facts only, entry
        key): the same files with the same entries give the same project findings."""
        return self._hash("project", *(f"{display}\0{int(facts_only)}\0{key}"
                                       for display, facts_only, key in entries))

    def answers_key(self, project_key: str) -> str:
        """The key of the conditions' answers a run's project phase gave."""
        return self._hash("answers", project_key)

    def get_answers(self, project_key: str) -> dict[str, bool | Via] | None:
        """The conditions' answers stored for a project phase (None: none readable)."""
        try:
            with open(self._file(self.answers_key(project_key)), encoding="utf-8") as stream:
                return answers_from_json(json.load(stream))
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None

    def put_answers(self, project_key: str, answers: Mapping[str, bool | Via]) -> None:
        """Store the conditions' answers: a warm run then needs no project index."""
        write_atomic(self.root, self._path(self.answers_key(project_key)),
                     json.dumps(answers_to_json(answers), separators=(",", ":")))

    def _path(self, key: str) -> Path:
        return Path(self._file(key))

    def _file(self, key: str) -> str:
        return os.path.join(self._folder, key[:2], key + ".json")

    def get(self, key: str) -> Entry | None:
        """The stored result, or None when there is none (or it is unreadable)."""
        try:
            with open(self._file(key), encoding="utf-8") as stream:
                data = json.load(stream)
            diagnostics = [_diagnostic(item) for item in data["diagnostics"]]
            facts = None if data["facts"] is None else FileFacts.from_json(data["facts"])
            suppressions = _suppressions(data["suppressions"])
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None
        return diagnostics, facts, suppressions

    def get_facts(self, key: str) -> tuple[FileFacts | None] | None:
        """Only the facts of a stored result (a context file's part of a run): (facts,), or
        None when there is no readable entry. From the facts pack when it has them."""
        pack = self._facts_pack()
        try:
            if key in pack:
                packed = pack.pop(key)
                if packed is None:
                    return (None,)
                data, start, end = packed
                return (FileFacts.from_pack(data, bytes(self._pack_body[start:end])),)
            with open(self._file(key), encoding="utf-8") as stream:
                data = json.load(stream)["facts"]
            return (None if data is None else FileFacts.from_json(data),)
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None

    def _pack_file(self) -> str:
        return os.path.join(self._folder, f"facts-{self.fingerprint[:32]}.pack")

    def _facts_pack(self) -> dict[str, Any]:
        """Every file's facts of a recent run, by entry key, in one file: a pre-commit run
        reads the facts of the whole project, and one file decodes much faster than a
        thousand. Entries are keyed by content, so the pack is never stale, only incomplete.

        The pack is a line of JSON, {key: [facts, start, end] or null}, then the function
        summaries' JSON texts one after the other, each file's between its `start` and
        `end`: they are most of the facts, and only a function a run looks at is parsed.
        The line also holds the texts' CRC-32 (they are parsed too late for a damaged one to
        be noticed then): a pack whose texts don't match it is not read."""
        if self._pack is None:
            try:
                with open(self._pack_file(), "rb") as stream:
                    raw = stream.read()
                newline = raw.index(b"\n")
                pack = json.loads(raw[:newline])
                self._pack_body = memoryview(raw)[newline + 1:]
                if pack.pop(_PACK_CHECK, None) != zlib.crc32(self._pack_body):
                    raise ValueError("a damaged facts pack")
            except (OSError, ValueError, TypeError, IndexError, AttributeError):
                pack = {}
            self._pack = pack if isinstance(pack, dict) else {}
            self._pack_keys = frozenset(self._pack)
        return self._pack

    def update_pack(self, facts: Mapping[str, FileFacts | None]) -> None:
        """Rewrite the facts pack with these entries' facts when it lacks more than a few of
        them (a pre-commit run adds one file: the next reads it from its own entry)."""
        self._facts_pack()
        missing = sum(key not in self._pack_keys for key in facts)
        if missing <= max(8, len(facts) // 20):
            return
        # One entry at a time: the whole project's facts as JSON-ready lists at once would
        # be the run's peak memory.
        header: list[str] = []
        texts: list[bytes] = []
        offset = 0
        for key, value in facts.items():
            if value is None:
                header.append(f"{json.dumps(key)}:null")
                continue
            data, text = value.to_pack()
            header.append(f"{json.dumps(key)}:[{json.dumps(data, separators=(',', ':'))},"
                          f"{offset},{offset + len(text)}]")
            texts.append(text)
            offset += len(text)
        self._pack, self._pack_keys = {}, frozenset(facts)
        body = b"".join(texts)
        header.append(f'"{_PACK_CHECK}":{zlib.crc32(body)}')
        # JSON is ASCII here (`ensure_ascii`), and escapes every newline within the header.
        write_atomic(self.root, Path(self._pack_file()),
                     ("{" + ",".join(header) + "}\n").encode("ascii") + body)

    def put(self, key: str, diagnostics: Iterable[Diagnostic], facts: FileFacts | None,
            suppressions: Suppressions | None = None) -> None:
        """Store a result; failing to (read-only folder, full disk) only costs speed."""
        path = self._path(key)
        payload = json.dumps({
            "diagnostics": [asdict(d) for d in diagnostics],
            "facts": None if facts is None else facts.to_json(),
            "suppressions": _suppressions_json(suppressions),
        }, separators=(",", ":"))
        write_atomic(self.root, path, payload)

    def prune(self, used: Iterable[str | None], files: int, *, force: bool = False) -> int:
        """Keep the cache bounded: at most once a day (or when `force`d), delete the
        least recently written entries beyond the limit, never one this run `used`, and
        the facts packs of other fingerprints. Returns how many files were deleted."""
        marker = self.directory / "pruned"
        now = time.time()
        try:
            if not force and now - marker.stat().st_mtime < PRUNE_EVERY_SECONDS:
                return 0
        except OSError:
            pass
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            marker.touch()
        except OSError:
            return 0
        keep = {key for key in used if key is not None}
        entries: list[tuple[float, str]] = []
        stale: list[str] = []
        with contextlib.suppress(OSError), os.scandir(self._folder) as top:
            for folder in top:
                if folder.name.startswith("facts-") and folder.name != os.path.basename(
                        self._pack_file()):
                    stale.append(folder.path)
                if len(folder.name) != 2 or not folder.is_dir(follow_symlinks=False):
                    continue
                with contextlib.suppress(OSError), os.scandir(folder.path) as scan:
                    entries += [(entry.stat().st_mtime, entry.path) for entry in scan
                                if entry.name.endswith(".json")
                                and entry.name[:-5] not in keep]
        limit = max(MAX_ENTRIES, 3 * files) - len(keep)
        entries.sort()
        doomed = stale + [path for _, path in entries[:max(len(entries) - limit, 0)]]
        removed = 0
        for path in doomed:
            with contextlib.suppress(OSError):
                os.unlink(path)
                removed += 1
        return removed
