"""Reading a source file: bytes to text, keeping what a fix must write back unchanged.

The encoding comes from a BOM or a PEP 263 cookie (as Python itself decides); the BOM and
the newline style are remembered so a fixed file is written in the same form. Anything that
stops a file from being read or decoded is a SourceError whose message says what is wrong
with the file, never a traceback.
"""

from __future__ import annotations

import codecs
import errno
import io
import os
import stat
import tokenize
from dataclasses import dataclass
from pathlib import Path

#: Files larger than this are reported, not parsed: LibCST needs about 700 MB of memory and
#: 15 s a megabyte of source, so a generated 50 MB module would take the whole run down.
MAX_FILE_SIZE = 4 * 1024 * 1024


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
    #: Whether encoding `text` gives back the file's bytes (false for codecs such as
    #: `unicode_escape` or `utf-7` that a PEP 263 cookie may name); fixes need it.
    exact: bool = True

    def encode(self, text: str) -> bytes:
        """`text` as bytes in this file's encoding, BOM included.

        Raises SourceError when that would not preserve the rest of the file.
        """
        if not self.exact:
            raise SourceError(f"the file's encoding ({self.encoding}) does not give back the "
                              "bytes it was read from, so it is not rewritten")
        try:
            data = text.encode(self.encoding)
        except UnicodeEncodeError as error:
            raise SourceError(f"the fixed text cannot be written in the file's encoding "
                              f"({self.encoding}): {error.reason}") from None
        return codecs.BOM_UTF8 + data if self.bom else data


_WIDE_BOMS = (
    (codecs.BOM_UTF32_LE, "UTF-32"), (codecs.BOM_UTF32_BE, "UTF-32"),
    (codecs.BOM_UTF16_LE, "UTF-16"), (codecs.BOM_UTF16_BE, "UTF-16"),
)


def _line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def _column_of(data: bytes, offset: int) -> int:
    return offset - (data.rfind(b"\n", 0, offset) + 1) + 1


def _undecodable(data: bytes, encoding: str, error: UnicodeDecodeError,
                 advice: str = "") -> SourceError:
    """'not valid ENCODING at line L: byte 0xNN (reason)' pointing at the bad byte."""
    start = error.start
    bad = " ".join(f"0x{byte:02x}" for byte in data[start:min(error.end, start + 4)])
    return SourceError(
        f"not valid {encoding}: byte {bad} at line {_line_of(data, start)} ({error.reason})"
        + advice, _line_of(data, start), _column_of(data, start))


def _encoding_problem(data: bytes, message: str) -> SourceError:
    """Explain why tokenize.detect_encoding refused the file."""
    bom = data.startswith(codecs.BOM_UTF8)
    if message.startswith("unknown encoding"):
        name = message.split(":", 1)[-1].strip()
        return SourceError(f"unknown encoding {name!r} in the coding declaration")
    if message.startswith("encoding problem") and bom:
        # detect_encoding names the BOM's encoding here, not the cookie's
        return SourceError("the file starts with a UTF-8 byte order mark but its coding "
                           "declaration names another encoding")
    if message.startswith("invalid or missing encoding declaration"):
        try:
            data.decode("utf-8")
        except UnicodeDecodeError as error:
            return _undecodable(data, "utf-8", error, "; save the file as UTF-8 or declare "
                                "its encoding on line 1 or 2")
    return SourceError(f"cannot determine the encoding: {message}")


def decode(data: bytes) -> SourceText:
    """Decode source bytes as the interpreter would."""
    for mark, name in _WIDE_BOMS:
        if data.startswith(mark):
            raise SourceError(f"the file is {name} (it starts with a {name} byte order mark); "
                              "Python source must be UTF-8 or an ASCII-based encoding")
    nul = data.find(b"\x00")
    if nul != -1:
        raise SourceError(f"the file contains a NUL byte at line {_line_of(data, nul)} "
                          "(a binary file?)", _line_of(data, nul), _column_of(data, nul))
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as error:
        raise _encoding_problem(data, str(error.msg)) from None
    bom = data.startswith(codecs.BOM_UTF8)
    if bom:
        data = data[len(codecs.BOM_UTF8):]
        encoding = "utf-8"
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as error:
        advice = "" if encoding != "utf-8" or bom else (
            "; save the file as UTF-8 or declare its encoding on line 1 or 2")
        raise _undecodable(data, encoding, error, advice) from None
    except LookupError as error:  # a cookie naming a bytes-to-bytes codec such as `hex`
        raise SourceError(f"cannot decode with the declared encoding {encoding!r}: "
                          f"{error}") from None
    except Exception as error:  # a codec's own failure on hostile bytes (unicode_escape)
        raise SourceError(f"cannot decode with the declared encoding {encoding!r}: "
                          f"{type(error).__name__}: {error}") from None
    encoding = "utf-8" if encoding == "utf-8-sig" else encoding
    try:
        exact = encoding == "utf-8" or text.encode(encoding) == data
    except Exception:
        exact = False
    return SourceText(text, encoding, bom, exact)


def read_source(path: Path) -> SourceText:
    """Read and decode a file; raise SourceError with a useful message if that fails."""
    return decode(read_bytes(path))


def read_bytes(path: Path) -> bytes:
    """A file's bytes; raise SourceError with a useful message if they can't be read.

    Only regular files are read (a FIFO or device swapped in after discovery would block or
    never end), and only up to MAX_FILE_SIZE.
    """
    try:
        handle = os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0)
                         | getattr(os, "O_NONBLOCK", 0))
    except OSError as error:
        raise SourceError(f"cannot read the file: {_reason(error, path)}") from None
    try:
        status = os.fstat(handle)  # before open(), which refuses a directory's descriptor
        if stat.S_ISDIR(status.st_mode):
            raise SourceError("is a directory, not a file")
        if not stat.S_ISREG(status.st_mode):
            raise SourceError("not a regular file (a FIFO, socket or device?)")
        if status.st_size > MAX_FILE_SIZE:
            raise _too_large(status.st_size)
        with open(handle, "rb", closefd=False) as stream:
            data = stream.read(MAX_FILE_SIZE + 1)
    except OSError as error:
        raise SourceError(f"cannot read the file: {_reason(error, path)}") from None
    finally:
        os.close(handle)
    if len(data) > MAX_FILE_SIZE:  # it grew after fstat
        raise _too_large(len(data))
    return data


def _too_large(size: int) -> SourceError:
    return SourceError(f"the file is too large to check ({size / 2**20:.1f} MiB; the limit is "
                       f"{MAX_FILE_SIZE // 2**20} MiB): exclude it if it is generated, or "
                       "split it")


def _reason(error: OSError, path: Path) -> str:
    if error.errno == errno.ENOENT:
        if os.path.islink(path):
            return "it is a symbolic link to a file that does not exist"
        return "it no longer exists (deleted while the linter ran?)"
    if error.errno == errno.ELOOP:
        return "it is a symbolic link loop"
    if error.errno == errno.EISDIR:
        return "it is a directory"
    return error.strerror or str(error)
