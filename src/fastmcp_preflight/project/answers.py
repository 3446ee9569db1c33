"""A condition's answers for one project, each worked out when a finding first asks for it.

A run asks for the few keys its findings name, not for every function of the project, so the
conditions that look through the project (`through.py`, `tool_input.py`) answer per key.
"""

from __future__ import annotations

from collections.abc import Callable

from fastmcp_preflight.project.facts import Via


class LazyAnswers(dict[str, "bool | Via"]):
    """Answers by key, from `answer` on first use and kept for the run."""

    def __init__(self, answer: Callable[[str], bool | Via]) -> None:
        super().__init__()
        self._answer = answer

    def get(self, key: str, default: object = None) -> bool | Via:
        if key not in self:
            self[key] = self._answer(key)
        return dict.__getitem__(self, key)
