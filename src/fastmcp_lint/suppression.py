"""`# noqa` comments: per line (`# noqa`, `# noqa: FML101, FML301`) and per file
(`# fastmcp-lint: noqa[: CODES]` on a line of its own).

Comments are found with the tokenizer, so `"# noqa"` inside a string is not a suppression.
Codes and kebab-case names are both accepted.
"""

from __future__ import annotations

import io
import re
import tokenize
from dataclasses import dataclass, field

_LINE = re.compile(r"#\s*noqa(?![\w-])(?P<sep>\s*:\s*(?P<codes>[\w\-][\w\-,\s]*))?", re.I)
_FILE = re.compile(r"^#\s*fastmcp-lint\s*:\s*noqa(?:\s*:\s*(?P<codes>[\w\-][\w\-,\s]*))?\s*$",
                   re.I)
_CODE = re.compile(r"^(?:[A-Z]+[0-9]+|[a-z][a-z0-9]*(?:-[a-z0-9]+)+)$")
ALL = "*"


def _codes(text: str | None) -> list[str]:
    """The leading codes or names of a comma/space separated list; stop at the first word."""
    if not text:
        return [ALL]
    found: list[str] = []
    for token in re.split(r"[,\s]+", text.strip()):
        if not _CODE.match(token):
            break
        found.append(token)
    return found or [ALL]


@dataclass
class Suppressions:
    """The suppressions of one file."""

    lines: dict[int, list[str]] = field(default_factory=dict)
    file: list[str] | None = None

    def suppresses(self, line: int, code: str, name: str) -> bool:
        for codes in (self.file, self.lines.get(line)):
            if codes is not None and (ALL in codes or code in codes or name in codes):
                return True
        return False


def find_suppressions(source: str) -> Suppressions:
    """Scan a file's comments for noqa directives (only if it mentions noqa at all)."""
    found = Suppressions()
    if "noqa" not in source and "NOQA" not in source.upper():
        return found
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return found
    for token in tokens:
        if token.type != tokenize.COMMENT:
            continue
        whole = _FILE.match(token.string)
        if whole is not None and token.line.strip() == token.string.strip():
            codes = _codes(whole.group("codes"))
            found.file = codes if found.file is None or ALL in codes else found.file + codes
            continue
        match = _LINE.search(token.string)
        if match is not None:
            codes = _codes(match.group("codes")) if match.group("sep") else [ALL]
            found.lines.setdefault(token.start[0], []).extend(codes)
    return found
