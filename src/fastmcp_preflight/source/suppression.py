"""`# noqa` comments: per line (`# noqa`, `# noqa: FML101, FML301`) and per file
(`# fastmcp-lint: noqa[: CODES]` on a line of its own).

Comments are found with the tokenizer, so `"# noqa"` inside a string is not a suppression.
Codes and kebab-case names are both accepted.

Each directive remembers which of its codes suppressed something, so that
`--report-unused-noqa` can report the ones that did not (FML001, like ruff's RUF100). Only
codes that belong to fastmcp-lint count: a registered code or rule name, or a code with a
registered prefix (`FML999`); `# noqa: E501` for another tool is never reported.
"""

from __future__ import annotations

import re
import tokenize
from collections.abc import Iterable
from dataclasses import dataclass, field

from fastmcp_preflight.api import Diagnostic
from fastmcp_preflight.plugins.meta_codes import SyntaxErrorCode, UnusedNoqa
from fastmcp_preflight.source.lines import split_lines

#: A noqa comment with its optional codes (`--add-noqa` merges into one with it too).
NOQA_COMMENT = re.compile(r"#\s*noqa(?![\w-])(?P<sep>\s*:\s*(?P<codes>[\w\-][\w\-,\s]*))?", re.I)
_FILE = re.compile(r"^#\s*fastmcp-lint\s*:\s*noqa(?:\s*:\s*(?P<codes>[\w\-][\w\-,\s]*))?\s*$",
                   re.I)
_CODE = re.compile(r"^(?:[A-Z]+[0-9]+|[a-z][a-z0-9]*(?:-[a-z0-9]+)+)$")
_PREFIX = re.compile(r"^[A-Z]+(?=[0-9])")
ALL = "*"


def noqa_codes(text: str | None) -> list[str]:
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
class Directive:
    """One noqa comment: where it is (1-based, end exclusive), what it names, what it used."""

    line: int
    column: int
    end_column: int
    codes: list[str]
    file_level: bool = False
    used: set[str] = field(default_factory=set)
    #: Other lines it covers: a comment after a multi-line string covers the string's lines.
    also: tuple[int, ...] = ()


@dataclass
class Suppressions:
    """The suppressions of one file.

    `lines` and `file` are what suppression needs (and what a file's facts keep);
    `directives` are the comments themselves, present when the file's text was scanned.
    """

    lines: dict[int, list[str]] = field(default_factory=dict)
    file: list[str] | None = None
    directives: list[Directive] = field(default_factory=list)

    def suppresses(self, line: int, code: str, name: str) -> bool:
        """Whether a finding is suppressed; every directive that matches it counts as used."""
        found = False
        for codes in (self.file, self.lines.get(line)):
            if codes is not None and (ALL in codes or code in codes or name in codes):
                found = True
        if found:
            for directive in self.directives:
                if directive.file_level or directive.line == line or line in directive.also:
                    directive.used.update(c for c in directive.codes
                                          if c in (ALL, code, name))
        return found


@dataclass(frozen=True)
class NoqaCodes:
    """What `--report-unused-noqa` needs to know of the rules: which exist, which ran."""

    #: Registered rule code -> name.
    registered: dict[str, str]
    enabled: frozenset[str]

    @classmethod
    def of(cls, registered: Iterable[tuple[str, str]], enabled: Iterable[str]) -> NoqaCodes:
        return cls(dict(registered), frozenset(enabled))

    def kind(self, token: str) -> str | None:
        """"unused", "non-enabled" or "unknown" for a code in a directive that suppressed
        nothing; None for a code that is not ours (or is FML001 itself)."""
        if token in (UnusedNoqa.code, UnusedNoqa.name):
            return None
        if token in (SyntaxErrorCode.code, SyntaxErrorCode.name):
            return "unused"
        code = next((c for c, n in self.registered.items() if n == token), token)
        if code in self.registered:
            return "unused" if code in self.enabled else "non-enabled"
        prefix = _PREFIX.match(token)
        prefixes = {m.group() for c in self.registered if (m := _PREFIX.match(c))}
        if prefix is not None and prefix.group() in prefixes | {"FML"}:
            return "unknown"
        return None


def unused_noqa(suppressions: Suppressions, path: str, codes: NoqaCodes) -> list[Diagnostic]:
    """FML001 diagnostics for the directives of a file whose codes suppressed nothing.

    Call it once every finding of the file (project rules included) went through
    `suppresses`. A directive that names FML001 (or a file directive that does) keeps it.
    """
    keep_all = any(d.file_level and _names_fml001(d) for d in suppressions.directives)
    diagnostics: list[Diagnostic] = []
    for directive in suppressions.directives:
        if keep_all or _names_fml001(directive):
            continue
        what = "file-level `noqa` directive" if directive.file_level else "`noqa` directive"
        if directive.codes == [ALL]:
            if directive.used:
                continue
            message = f"unused blanket {what}"
        else:
            by_kind: dict[str, list[str]] = {}
            for token in directive.codes:
                kind = codes.kind(token)
                if kind is not None and token not in directive.used:
                    by_kind.setdefault(kind, []).append(token)
            if not by_kind:
                continue
            parts = [f"{kind}: {', '.join(by_kind[kind])}"
                     for kind in ("unused", "non-enabled", "unknown") if kind in by_kind]
            message = f"unused {what} ({'; '.join(parts)})"
        diagnostics.append(Diagnostic(
            UnusedNoqa.code, UnusedNoqa.name, UnusedNoqa.severity, message, path,
            directive.line, directive.column, directive.line, directive.end_column,
            UnusedNoqa.checklist, "remove it, or the codes that no longer apply"))
    return diagnostics


def _names_fml001(directive: Directive) -> bool:
    return UnusedNoqa.code in directive.codes or UnusedNoqa.name in directive.codes


def find_suppressions(source: str) -> Suppressions:
    """Scan a file's comments for noqa directives (only if it mentions noqa at all).

    A `# noqa` after a multi-line string (a docstring's closing quotes) also covers the
    string's other lines, as in ruff: a comment cannot be put on them.
    """
    found = Suppressions()
    if "noqa" not in source and "NOQA" not in source.upper():
        return found
    try:
        lines = split_lines(source)  # the engine's lines: a lone "\r" ends one too
        readline = iter([*(line + "\n" for line in lines[:-1]), lines[-1]]).__next__
        tokens = list(tokenize.generate_tokens(readline))
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return found
    strings: dict[int, tuple[int, ...]] = {}
    for token in tokens:
        if token.type == tokenize.STRING and token.end[0] > token.start[0]:
            strings[token.end[0]] = tuple(range(token.start[0], token.end[0]))
        if token.type != tokenize.COMMENT:
            continue
        line, start = token.start
        end = start + len(token.string.rstrip()) + 1
        whole = _FILE.match(token.string)
        if whole is not None and token.line.strip() == token.string.strip():
            codes = noqa_codes(whole.group("codes"))
            found.file = codes if found.file is None or ALL in codes else found.file + codes
            found.directives.append(Directive(line, start + 1, end, codes, file_level=True))
            continue
        match = NOQA_COMMENT.search(token.string)
        if match is not None:
            codes = noqa_codes(match.group("codes")) if match.group("sep") else [ALL]
            also = strings.get(line, ())
            for covered in (line, *also):
                found.lines.setdefault(covered, []).extend(codes)
            found.directives.append(Directive(line, start + match.start() + 1, end, codes,
                                              also=also))
    return found
