"""`--add-noqa`: silence every current finding with a `# noqa: CODE` comment on its line.

It is how a codebase adopts a rule without fixing everything first (ruff's `--add-noqa`). An
existing `# noqa: A` gains the new codes (`# noqa: A, FML101`); any other comment is kept and
the directive follows it. A finding on a line inside a multi-line string is silenced after the
string's closing quotes (where the suppression looks for it). A line that ends in a backslash
continuation cannot take a comment, and is reported instead.

A file is never damaged: the edited text must give the same syntax tree as the original (a
comment changes nothing else) and must suppress every finding it was meant to; otherwise the
file is left as it was and the reason is reported. It is written atomically, in its own
encoding and line endings.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from fastmcp_preflight.api import Diagnostic
from fastmcp_preflight.running.fixing import write_atomically
from fastmcp_preflight.source.lines import LINE_BREAK, lines_with_breaks
from fastmcp_preflight.source.reading import SourceError, read_source
from fastmcp_preflight.source.suppression import (
    ALL,
    NOQA_COMMENT,
    find_suppressions,
    noqa_codes,
)

#: Codes no comment can silence (FML000) or that a new comment would only create (FML001).
NEVER = frozenset({"FML000", "FML001"})


@dataclass
class NoqaOutcome:
    """What `--add-noqa` did to one file."""

    path: str
    added: int = 0
    problems: list[str] = field(default_factory=list)


def add_noqa(files: Sequence[tuple[Path, str]], diagnostics: Iterable[Diagnostic]
             ) -> list[NoqaOutcome]:
    """Add directives for `diagnostics` to the files they are in (`files`: path, display)."""
    wanted: dict[str, dict[int, set[tuple[str, str]]]] = {}
    for d in diagnostics:
        if d.code not in NEVER:
            wanted.setdefault(d.path, {}).setdefault(d.line, set()).add((d.code, d.name))
    return [add_to_file(path, display, wanted[display])
            for path, display in files if display in wanted]


def add_to_file(path: Path, display: str, lines: dict[int, set[tuple[str, str]]]
                ) -> NoqaOutcome:
    """Add `# noqa` codes to one file: line -> the (code, name) pairs to silence there."""
    outcome = NoqaOutcome(display)
    try:
        source = read_source(path)
    except SourceError as error:
        outcome.problems.append(str(error))
        return outcome
    text = source.text
    targets = _targets(text, lines, outcome)
    edited = _edit(text, targets)
    if edited == text:
        return outcome
    problem = _check(text, edited, lines)
    if problem is None:
        problem = write_atomically(path, source.encode(edited))
    if problem is not None:
        outcome.problems.append(f"no `# noqa` added: {problem}")
        return outcome
    outcome.added = sum(len(codes) for codes, _ in targets.values())
    return outcome


def _targets(text: str, lines: dict[int, set[tuple[str, str]]], outcome: NoqaOutcome
             ) -> dict[int, tuple[set[str], int | None]]:
    """The line each code's comment goes on (its own, or the end of the multi-line string it
    is in), with the column where that line's comment starts (None: no comment). Lines that
    can't take a comment are reported in `outcome`."""
    string_end: dict[int, int] = {}
    comments: dict[int, int] = {}
    plain = LINE_BREAK.sub("\n", text)  # same line numbers, one kind of break
    try:
        for token in tokenize.generate_tokens(io.StringIO(plain).readline):
            if token.type == tokenize.COMMENT:
                comments[token.start[0]] = token.start[1]
            elif token.start[0] < token.end[0] and token.type == tokenize.STRING:
                for inside in range(token.start[0], token.end[0]):
                    string_end[inside] = token.end[0]
    except (tokenize.TokenError, SyntaxError):
        pass
    source_lines = plain.split("\n")
    targets: dict[int, tuple[set[str], int | None]] = {}
    for number, codes in sorted(lines.items()):
        target = string_end.get(number, number)
        line = source_lines[target - 1] if 1 <= target <= len(source_lines) else ""
        if line.endswith("\\") and target not in comments:
            outcome.problems.append(
                f"line {number}: a line continued with a backslash can't take a comment")
            continue
        targets.setdefault(target, (set(), comments.get(target)))[0].update(
            code for code, _ in codes)
    return targets


def _edit(text: str, targets: dict[int, tuple[set[str], int | None]]) -> str:
    pieces = lines_with_breaks(text) or [""]
    if text.endswith(("\n", "\r")):
        pieces.append("")
    for number, (codes, comment) in targets.items():
        if not 1 <= number <= len(pieces):
            continue
        piece = pieces[number - 1]
        body = piece.rstrip("\r\n")
        pieces[number - 1] = _with_codes(body, sorted(codes), comment) + piece[len(body):]
    return "".join(pieces)


def _with_codes(line: str, codes: list[str], comment: int | None) -> str:
    """`line` with a directive naming `codes`: merged into its `# noqa: ...` if it has one."""
    match = NOQA_COMMENT.search(line, comment) if comment is not None else None
    if match is not None:
        if not match.group("sep"):
            return line  # a directive without codes silences everything already
        present = noqa_codes(match.group("codes"))
        missing = [code for code in codes if code not in present]
        if ALL in present or not missing:
            return line
        tokens = list(re.finditer(r"[^,\s]+", match.group("codes")))
        end = match.start("codes") + tokens[len(present) - 1].end()
        return f"{line[:end]}, {', '.join(missing)}{line[end:]}"
    return line.rstrip(" \t") + "  # noqa: " + ", ".join(codes)


def _check(before: str, after: str, lines: dict[int, set[tuple[str, str]]]) -> str | None:
    """Why the edited text is not safe to write, or None."""
    try:
        same = ast.dump(ast.parse(before)) == ast.dump(ast.parse(after))
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        same = None
    if same is False:
        return "the edit would change the code"
    suppressions = find_suppressions(after)
    for number, codes in lines.items():
        for code, name in codes:
            if not suppressions.suppresses(number, code, name):
                return f"line {number} would still report {code}"
    return None
