"""Test harness for rule authors: check a rule the way the built-in rules are checked.

`check_examples(Rule)` runs a rule's `VALID` and `INVALID` examples (positions, messages,
fixes); `check_fixture(folder, [Rule])` lints a folder of real-looking source as one project
and compares the findings with the `# expect: CODE` comments on its lines, then checks that
`# noqa` silences each of them. Each raises `AssertionError` saying what differs, so it works
under pytest, unittest or a plain script; it needs no test framework.

    from fastmcp_preflight.testing import check_examples, check_fixture

    def test_examples():
        check_examples(NoEvalInTools)

    def test_fixtures(tmp_path):
        check_fixture(Path(__file__).parent / "fixtures" / "eval_in_tools", [NoEvalInTools],
                      scratch=tmp_path)
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from fastmcp_preflight.api import BaseRule, Diagnostic, Invalid, Valid
from fastmcp_preflight.running.results import Settings

if TYPE_CHECKING:
    from fastmcp_preflight.running.results import Settings

#: `# expect: FML101` or `# expect: FML101@9, FML301` at the end of a line.
EXPECT = re.compile(r"#\s*expect:\s*(?P<codes>[A-Z0-9@,\s]+)")

#: (file relative to the folder, line, code, column or None).
Expected = tuple[str, int, str, "int | None"]

__all__ = ["EXPECT", "check_example", "check_examples", "check_fixture", "examples",
           "expectations", "lint_example", "lint_folder"]


def examples(rule: type[BaseRule]) -> list[Valid | Invalid]:
    """A rule's examples, VALID then INVALID (a bare string is a `Valid`)."""
    found: list[Valid | Invalid] = [Valid(e) if isinstance(e, str) else e for e in rule.VALID]
    return found + list(rule.INVALID)


def check_example(rule: type[BaseRule], example: Valid | Invalid) -> None:
    """One example: a `Valid` gives no diagnostic; an `Invalid` gives exactly its positions
    (and `message`, when given), and its fix gives `fixed`, which fixes to itself."""
    from fastmcp_preflight.running.engine import fix_source  # LibCST: only when testing

    found = lint_example(rule, example)
    if isinstance(example, Valid):
        _same([], found, f"{rule.code} VALID example reports", example.code)
        return
    _same([(rule.code, line, column) for line, column in example.at],
          [(d.code, d.line, d.column) for d in found],
          f"{rule.code} INVALID example reports", example.code)
    if example.message is not None:
        wrong = [d.message for d in found if example.message not in d.message]
        if wrong:
            raise AssertionError(f"{rule.code} INVALID example: message {wrong[0]!r} does not "
                                 f"contain {example.message!r}\n{example.code}")
    if example.fixed is not None:
        settings = example_settings(rule, example)
        fixed = fix_source(example.code, [rule], example.path, allow=("safe", "unsafe"),
                           settings=settings)
        _same(example.fixed, fixed, f"{rule.code} INVALID example fixes to", example.code)
        again = fix_source(fixed, [rule], example.path, allow=("safe", "unsafe"),
                           settings=settings)
        _same(fixed, again, f"{rule.code} fixed example fixes again to", fixed)


def lint_example(rule: type[BaseRule], example: Valid | Invalid) -> list[Diagnostic]:
    """The example's diagnostics; with `others` ((path, code) pairs), linted as one project
    with those files (a project rule's example may need two modules), reporting only on
    the example's own file."""
    from fastmcp_preflight.running.engine import lint_sources

    settings = example_settings(rule, example)
    files = [(example.path, example.code), *example.others]
    return lint_sources(files, [rule], settings, reported=1).diagnostics


def example_settings(rule: type[BaseRule], example: Valid | Invalid) -> Settings | None:
    """The settings an example is linted with: its rule options, checked as the config's."""
    if not example.options and not example.settings:
        return None
    from fastmcp_preflight.plugins.options import check_rule_options

    return Settings(options=dict(example.settings), rule_options=check_rule_options(
        {rule.code: rule}, {rule.code: example.options},
        lambda code: f"{code} example options") if example.options else ())


def check_examples(rule: type[BaseRule]) -> None:
    """Every example of `rule` (see `check_example`); a rule must have both kinds."""
    if not rule.VALID or not rule.INVALID:
        raise AssertionError(f"{rule.code} needs VALID and INVALID examples")
    for example in examples(rule):
        check_example(rule, example)


def expectations(folder: Path) -> set[Expected]:
    """The `# expect:` comments of every `.py` file under `folder`."""
    expected: set[Expected] = set()
    for path in sorted(folder.rglob("*.py")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            match = EXPECT.search(line)
            if match is None:
                continue
            for item in match.group("codes").replace(",", " ").split():
                code, _, column = item.partition("@")
                expected.add((path.relative_to(folder).as_posix(), number, code,
                              int(column) if column else None))
    return expected


@contextlib.contextmanager
def _inside(folder: Path) -> Iterator[None]:
    """Run with `folder` as the current folder: display paths are relative to it."""
    previous = os.getcwd()
    os.chdir(folder)
    try:
        yield
    finally:
        os.chdir(previous)


def lint_folder(folder: Path, rules: Sequence[type[BaseRule]]) -> list[Diagnostic]:
    """Every `.py` file under `folder` linted as one run with `rules` (project rules see
    all of them), paths relative to `folder`."""
    from fastmcp_preflight.running.discovery import display_path
    from fastmcp_preflight.running.engine import lint_paths

    with _inside(folder):
        files = sorted(Path(".").rglob("*.py"))
        return lint_paths([(path, display_path(path)) for path in files], rules).diagnostics


def check_fixture(folder: Path, rules: Sequence[type[BaseRule]],
                  scratch: Path | None = None) -> None:
    """The folder's findings are exactly its `# expect:` comments (a column, when given,
    must be one of the line's); with `scratch` (an empty folder to copy into), a copy with
    `# noqa` on each of those lines gives no finding."""
    expected = expectations(folder)
    found = lint_folder(folder, rules)
    _same(sorted({(path, line, code) for path, line, code, _ in expected}),
          sorted({(d.path, d.line, d.code) for d in found}), f"{folder.name} reports", "")
    columns: dict[tuple[str, int, str], set[int]] = {}
    for d in found:
        columns.setdefault((d.path, d.line, d.code), set()).add(d.column)
    for path, line, code, column in sorted(expected, key=str):
        if column is not None and column not in columns[(path, line, code)]:
            raise AssertionError(f"{folder.name}: {path}:{line} reports {code} at columns "
                                 f"{sorted(columns[(path, line, code)])}, not {column}")
    if scratch is not None:
        copy = _with_noqa(folder, scratch / folder.name)
        silenced = lint_folder(copy, rules)
        _same([], [(d.path, d.line, d.code) for d in silenced],
              f"{folder.name} with `# noqa` on its expected lines reports", "")


def _with_noqa(folder: Path, target: Path) -> Path:
    shutil.copytree(folder, target)
    for path in target.rglob("*.py"):
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
        path.write_text("".join(line.rstrip("\n") + "  # noqa\n" if EXPECT.search(line)
                                else line for line in lines), encoding="utf-8")
    return target


def _same(expected: object, actual: object, what: str, code: str) -> None:
    if expected != actual:
        shown = f"\n--- source ---\n{code}" if code else ""
        raise AssertionError(f"{what} {actual!r}, expected {expected!r}{shown}")
