"""Writing a file of the cache folder: atomically (a temporary file, then a rename), so a run
that reads it at the same time, or a second run writing it, never sees half a file; and the
folder gets its `.gitignore` (like ruff's), so git never sees the cache."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path


def write_atomic(root: Path, path: Path, text: str | bytes) -> bool:
    """Write `text` (UTF-8, or bytes as they are) to `path` (under the cache folder
    `root`); False if it could not be written (a read-only folder, a full disk), which only
    costs speed."""
    temporary = None
    try:
        if not path.parent.is_dir():
            path.parent.mkdir(parents=True, exist_ok=True)
            ignore = root / ".gitignore"
            if not ignore.exists():
                ignore.write_text("# created by fastmcp-lint\n*\n", encoding="utf-8")
        handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        with os.fdopen(handle, "wb") as stream:
            stream.write(text if isinstance(text, bytes) else text.encode("utf-8"))
        os.replace(temporary, path)
        temporary = None
        return True
    except OSError:
        return False
    finally:
        if temporary is not None:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
