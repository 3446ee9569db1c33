"""The README is generated where it can be, and true where it can't."""

from __future__ import annotations

import re
from pathlib import Path

from fastmcp_preflight.plugins.docs import TABLE_END, TABLE_START, rules_table
from fastmcp_preflight.plugins.registry import Registry

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _setup_commands() -> list[str]:
    section = README.split("## Set-up", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```sh\n(.+?)\n```", section)


def test_rule_table_matches_the_registry(registry: Registry) -> None:
    start = README.index(TABLE_START) + len(TABLE_START) + 1
    end = README.index(TABLE_END)
    assert README[start:end] == rules_table(registry.rules.values()), (
        "README rule table is stale: regenerate it with fastmcp_preflight.plugins.docs.rules_table")


def test_two_setup_commands_and_ci_runs_the_test_one() -> None:
    install_and_run, install_and_test = _setup_commands()
    assert "fastmcp-lint fixtures/" in install_and_run
    sample = install_and_run.rsplit(" ", 1)[1]
    assert (ROOT / sample).is_dir()
    assert "[test]" in install_and_test and "pytest" in install_and_test
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert install_and_test in ci.splitlines()


def test_every_rule_has_an_explain_section_in_sync(registry: Registry) -> None:
    for code in registry.rules:
        assert f"| {code} |" in README


def test_the_sample_server_finds_what_the_readme_says(registry: Registry) -> None:
    from fastmcp_preflight.testing import lint_folder

    words = ["no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
    said = re.search(r"it finds (\w+) problems? and exits", README)
    assert said is not None
    sample = ROOT / _setup_commands()[0].rsplit(" ", 1)[1]
    found = lint_folder(sample, [r for r in registry.rules.values() if r.default_enabled])
    assert words[len(found)] == said.group(1)


REPOSITORY = "https://github.com/fastmcp-preflight/fastmcp-preflight"


def test_the_changelog_has_this_version_so_a_tag_can_match() -> None:
    from fastmcp_preflight import __version__

    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert re.fullmatch(r"\d+\.\d+\.\d+", __version__)
    assert f"## [{__version__}] - " in changelog
    assert f"[{__version__}]: {REPOSITORY}/compare/" in changelog
    assert f"v{__version__}" in changelog
    assert "fastmcp_lint.rules" in changelog  # the deprecated entry-point group is announced


def test_one_repository_address_everywhere() -> None:
    from fastmcp_preflight import __version__
    from fastmcp_preflight.plugins.docs import HOMEPAGE
    from fastmcp_preflight.reports.sarif import INFORMATION_URI

    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    urls = pyproject.split("[project.urls]", 1)[1].split("\n[", 1)[0]
    names = re.findall(r"^(\w+) = \"(.+)\"$", urls, re.M)
    assert [name for name, _ in names] == [
        "Homepage", "Documentation", "Repository", "Issues", "Changelog"]
    assert all(url.startswith(REPOSITORY) for _, url in names)
    assert HOMEPAGE == INFORMATION_URI == REPOSITORY
    hooks = (ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8")
    for text in (README, hooks):
        assert "your-org" not in text and "<owner>" not in text
        for address in re.findall(r"https://github\.com/fastmcp[\w-]*/[\w.-]+", text):
            assert address == REPOSITORY, address
        for rev in re.findall(r"rev: (\S+)", text):
            assert rev == f"v{__version__}"
    for action in re.findall(r"fastmcp-preflight/fastmcp-preflight@(\S+)", README):
        assert action == f"v{__version__}"
    assert f"pip install fastmcp-preflight=={__version__}" in README
    assert "pip install fastmcp-lint" not in README


def test_every_command_line_option_is_documented() -> None:
    from fastmcp_preflight.cli import command

    options = [name for param in command.params for name in param.opts
               if name.startswith("--") and name not in ("--help", "--version")]
    missing = [name for name in options if f"`{name}" not in README]
    assert not missing, f"options missing from the README: {missing}"


def test_fixes_are_documented_for_users() -> None:
    section = README.split("\n## Fixes\n", 1)[1].split("\n## ", 1)[0]
    for option in ("--fix", "--unsafe-fixes", "--diff"):
        assert f"fastmcp-lint {option}" in section or f"fastmcp-lint --fix {option}" in section
    for code in re.findall(r"\| (FML\d+) \| [^\n]*\| (?:safe|unsafe) \|", README):
        assert code in section, f"{code} has a fix that the Fixes section does not describe"


def test_internals_live_in_docs_and_are_linked() -> None:
    for name in ("performance.md", "development.md"):
        assert (ROOT / "docs" / name).is_file()
        assert f"](docs/{name})" in README
    assert "\n## Performance" not in README
    performance = (ROOT / "docs" / "performance.md").read_text(encoding="utf-8")
    assert "bench/benchmark.py" in performance and "| what |" in performance


def test_adoption_guide_covers_baseline_per_file_ignores_and_tests() -> None:
    section = README.split("\n## Adopt it on an existing codebase\n", 1)[1].split("\n## ", 1)[0]
    for needed in ("--write-baseline", "per-file-ignores", "Test code is skipped",
                   "--add-noqa"):
        assert needed in section, needed
