"""Which bytes each file had when it was last read, by its stat, so that a run over files
that have not changed (the other 999 files of a pre-commit run, a warm run) need not read
and hash them again.

An entry maps a file's absolute path to its (mtime_ns, ctime_ns, size, inode) and the digest
of its bytes; it is trusted only while all four are unchanged. A file changed less than
`RACY_NS` before it was read is not recorded: a second change within the same timestamp
tick could keep all four (git's "racily clean" problem). The index is one JSON file,
replaced atomically and merged with what is on disk, so two runs sharing it can lose each
other's new entries (costing speed) but never pair a stat with the wrong bytes.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from pathlib import Path

from fastmcp_preflight.running.storage import write_atomic
from fastmcp_preflight.source.reading import read_bytes

#: A file modified this recently (ns) when it is read is not recorded.
RACY_NS = 2_000_000_000

Stamp = tuple[int, int, int, int]


def content_digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _stamp(status: os.stat_result) -> Stamp:
    return (status.st_mtime_ns, status.st_ctime_ns, status.st_size, status.st_ino)


class FileIndex:
    """The digests of files by stat, kept in `path` (in the cache folder `root`), loaded on
    first use."""

    def __init__(self, root: Path, path: Path) -> None:
        self.root = root
        self.path = path
        self._entries: dict[str, list[object]] | None = None
        self._new: dict[str, list[object]] = {}

    def _read(self) -> dict[str, list[object]]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def _known(self, name: str, stamp: Stamp) -> str | None:
        if self._entries is None:
            self._entries = self._read()
        entry = self._entries.get(name)
        if (isinstance(entry, list) and len(entry) == 5 and tuple(entry[:4]) == stamp
                and isinstance(entry[4], str)):
            return entry[4]
        return None

    def digest(self, path: Path) -> tuple[str, bytes | None]:
        """The digest of the file's bytes, and the bytes when they had to be read.

        Raises SourceError (from reading) when the file cannot be read.
        """
        name = os.path.abspath(path)
        try:
            status = os.stat(path)  # before reading: a change after it makes a new stamp
        except OSError:
            status = None
        if status is not None:
            known = self._known(name, _stamp(status))
            if known is not None:
                return known, None
        data = read_bytes(path)
        digest = content_digest(data)
        if status is not None and time.time_ns() - max(status.st_mtime_ns,
                                                       status.st_ctime_ns) > RACY_NS:
            self._new[name] = [*_stamp(status), digest]
        return digest, data

    def save(self) -> None:
        """Write the new entries (merged with the file's current ones, less those of files
        that no longer exist, so renames don't grow it forever); failing to only costs
        speed."""
        if not self._new:
            return
        entries = {name: entry for name, entry in self._read().items()
                   if os.path.lexists(name)}
        entries.update(self._new)
        if write_atomic(self.root, self.path, json.dumps(entries, separators=(",", ":"))):
            self._entries = entries
            self._new = {}
