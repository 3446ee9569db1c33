"""`--fix` and `--diff`: apply fixes to files, safely.

A file is fixed in memory, pass after pass (fixes that overlap wait for the next pass), until
nothing changes; every pass must still parse. It is written only if it changed, atomically
(a temporary file in the same folder, then a rename), in its own encoding, BOM, line endings
and permissions. A file that does not parse, or is read-only, is never touched.
"""

from __future__ import annotations

import contextlib
import difflib
import os
import stat
import tempfile
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from fastmcp_preflight.api import Applicability, Diagnostic
from fastmcp_preflight.project.modules import module_name_for
from fastmcp_preflight.running.checker import Checker
from fastmcp_preflight.running.fixes import fix_text
from fastmcp_preflight.running.results import Conditions, FileResult, Settings, syntax_error
from fastmcp_preflight.source.lines import lines_with_breaks
from fastmcp_preflight.source.reading import SourceError, SourceText, read_source

MAX_PASSES = 10


@dataclass
class FixOutcome:
    """What fixing one file did: its remaining diagnostics, and the text before and after."""

    path: str
    remaining: list[Diagnostic]
    before: str = ""
    after: str = ""
    fixed: int = 0
    errors: list[Diagnostic] = field(default_factory=list)
    #: Code -> how many of its findings the fixes removed (for `--show-fixes`).
    fixed_codes: dict[str, int] = field(default_factory=dict)
    #: The file's result for the text it ends with, for the run to conclude with.
    result: FileResult | None = None
    #: The findings and result of the text as it was, should the fixes be given up.
    original: list[Diagnostic] = field(default_factory=list)
    original_result: FileResult | None = None

    def give_up(self, error: Diagnostic) -> None:
        """Leave the file as it was, saying why."""
        self.errors.append(error)
        self.after, self.fixed, self.fixed_codes = self.before, 0, {}
        self.remaining, self.result = self.original, self.original_result

    @property
    def changed(self) -> bool:
        return self.before != self.after

    def diff(self) -> str:
        return "".join(difflib.unified_diff(
            lines_with_breaks(self.before), lines_with_breaks(self.after),
            fromfile=f"a/{self.path}", tofile=f"b/{self.path}"))


def fix_file(checker: Checker, path: Path, display: str, allow: Sequence[Applicability],
             *, write: bool, settings: Settings | None = None,
             conditions: Conditions | None = None) -> FixOutcome:
    """Fix one file (in memory; on disk too when `write`), applying only the fixes of
    findings the run's project `conditions` keep."""
    try:
        source = read_source(path)
    except SourceError as error:
        return FixOutcome(display, [syntax_error(display, str(error), error.line)])
    module_name, package = module_name_for(path.absolute())
    outcome = fix_source_text(checker, source, display, module_name, package, allow,
                              settings=settings, conditions=conditions)
    if write and outcome.changed:
        try:
            problem = write_atomically(path, source.encode(outcome.after))
        except SourceError as error:  # an encoding that can't give the same bytes back
            problem = str(error)
        if problem is not None:
            outcome.give_up(syntax_error(display, f"fixes not written: {problem}"))
    return outcome


def fix_source_text(checker: Checker, source: SourceText, display: str,
                    module_name: str | None, package: str | None,
                    allow: Sequence[Applicability], *, settings: Settings | None = None,
                    conditions: Conditions | None = None) -> FixOutcome:
    """Fix a file's text in memory (a file on disk, stdin, an editor's buffer), applying
    only the fixes of findings the project's `conditions` keep."""
    text = source.text

    def lint(source: SourceText) -> tuple[FileResult, list[Diagnostic]]:
        result = checker.check(source, display, module_name, package, settings)
        return result, [d for d in result.diagnostics
                        if conditions is None or conditions.allows(d)]

    first, original = lint(source)
    result, kept = first, original
    for _ in range(MAX_PASSES):
        if any(d.code == "FML000" for d in kept):
            break
        fixed = fix_text(text, kept, allow)
        if fixed is None or fixed == text:
            break
        text = fixed
        result, kept = lint(type(source)(text, source.encoding, source.bom))
    outcome = FixOutcome(display, kept, source.text, text, max(len(original) - len(kept), 0),
                         result=result, original=original, original_result=first)
    outcome.fixed_codes = dict(Counter(d.code for d in original) - Counter(d.code for d in kept))
    broken = _breaks_compilation(source.text, text, display) if outcome.changed else None
    if broken is not None:
        outcome.give_up(syntax_error(display, f"fixes not applied: {broken}"))
    return outcome


def _breaks_compilation(before: str, after: str, display: str) -> str | None:
    """Why the fixed text would not compile when the original does, or None.

    LibCST parses more than CPython compiles (a module-level `await`, `return` outside a
    function), so a fix that parses can still break the file. `compile` only compiles: the
    code is never run.
    """
    try:
        compile(after, display, "exec", dont_inherit=True)
        return None
    except (SyntaxError, ValueError, RecursionError, MemoryError) as error:
        problem = error
    try:
        compile(before, display, "exec", dont_inherit=True)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None  # newer syntax than this Python compiles: the parse is all we can check
    where = f" (line {problem.lineno})" if isinstance(problem, SyntaxError) else ""
    return (f"the fixed code would not compile: {type(problem).__name__}: "
            f"{getattr(problem, 'msg', None) or problem}{where}")


def write_atomically(path: Path, data: bytes) -> str | None:
    """Replace the file's bytes all at once, keeping its mode; return a problem or None."""
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
        if not mode & stat.S_IWUSR:
            return "the file is read-only"
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.",
                                             suffix=".fastmcp-lint")
    except OSError as error:
        return error.strerror or str(error)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException as error:  # never leave the temporary file behind, even on Ctrl-C
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        if not isinstance(error, OSError):
            raise
        return error.strerror or str(error)
    return None
