"""Reading a source file: bytes to text, keeping what a fix must write back unchanged.

The encoding comes from a BOM or a PEP 263 cookie (as Python itself decides); the BOM and
the newline style are remembered so a fixed file is written in the same form.
"""

from __future__ import annotations

import codecs
import io
import tokenize
from dataclasses import dataclass
from pathlib import Path


class SourceError(Exception):
    """A file that cannot be read or decoded: becomes an FML000 diagnostic."""

    def __init__(self, message: str, line: int = 1, column: int = 1) -> None:
        super().__init__(message)
        self.line = line
        self.column = column


@dataclass(frozen=True)
class SourceText:
    text: str
    encoding: str
    bom: bool

    @property
    def newline(self) -> str:
        """The file's newline style, judged by its first line ending."""
        first = self.text.find("\n")
        if first > 0 and self.text[first - 1] == "\r":
            return "\r\n"
        if first == -1 and "\r" in self.text:
            return "\r"
        return "\n"

    def encode(self, text: str) -> bytes:
        """`text` as bytes in this file's encoding, BOM included."""
        data = text.encode(self.encoding)
        return codecs.BOM_UTF8 + data if self.bom else data


def decode(data: bytes) -> SourceText:
    """Decode source bytes as the interpreter would."""
    if b"\x00" in data:
        raise SourceError("file contains NUL bytes (binary file?)")
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as error:
        raise SourceError(f"cannot determine the encoding: {error.msg}") from None
    bom = data.startswith(codecs.BOM_UTF8)
    if bom:
        data = data[len(codecs.BOM_UTF8):]
        encoding = "utf-8"
    try:
        text = data.decode(encoding)
    except (UnicodeDecodeError, LookupError) as error:
        line = data[: getattr(error, "start", 0)].count(b"\n") + 1
        raise SourceError(f"cannot decode as {encoding}: {error}", line) from None
    return SourceText(text, "utf-8" if encoding == "utf-8-sig" else encoding, bom)


def read_source(path: Path) -> SourceText:
    """Read and decode a file; raise SourceError with a useful message if that fails."""
    try:
        data = path.read_bytes()
    except IsADirectoryError:
        raise SourceError("is a directory, not a file") from None
    except OSError as error:
        raise SourceError(f"cannot read file: {error.strerror or error}") from None
    return decode(data)
