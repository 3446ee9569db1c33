"""Code blocks of the README, for the tests that run what the README tells users to run."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
_BLOCK = re.compile(r"^```(\w*)\n(.*?)^```", re.S | re.M)


def section(title: str) -> str:
    """The text of `## title` up to the next `## ` heading (subsections included)."""
    return README.split(f"\n## {title}\n", 1)[1].split("\n## ", 1)[0]


def blocks(text: str, language: str | None = None) -> list[str]:
    """The fenced code blocks of `text` (of one language, when given)."""
    return [body for lang, body in _BLOCK.findall(text) if language in (None, lang)]


def named_files(text: str) -> dict[str, str]:
    """Blocks whose first line is a comment naming a relative path (`# acme/rule.py`): path
    -> the block, as the user would save it."""
    files: dict[str, str] = {}
    for body in blocks(text):
        first = body.split("\n", 1)[0]
        match = re.fullmatch(r"# ([\w./-]+\.(?:py|toml|ya?ml))", first)
        if match:
            files[match.group(1)] = body
    return files


def shell_commands(block: str) -> list[str]:
    """The commands of a `sh` block, comments dropped."""
    commands = []
    for line in block.splitlines():
        command = re.sub(r"\s+#.*$", "", line).strip()
        if command and not command.startswith("#"):
            commands.append(command)
    return commands
