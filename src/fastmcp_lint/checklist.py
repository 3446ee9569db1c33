"""The production deployment checklist as a scorecard: each item pass, fail or not found.

An item fails when a rule that serves it reported something; it passes when its rules ran
clean, or (for practices no rule can fail, such as caching) when the project shows evidence
of it; it is "not found" when such evidence is missing, and "not checked" when none of its
rules ran. Rules join an item through their `checklist` metadata, so plugins count too.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from fastmcp_lint.api import Diagnostic
from fastmcp_lint.facts import FileFacts

Status = Literal["pass", "fail", "not found", "not checked"]


class Serving(Protocol):
    """What the scorecard needs of a rule (its class or its metadata)."""

    @property
    def code(self) -> str: ...

    @property
    def checklist(self) -> str: ...


@dataclass(frozen=True)
class Item:
    """A checklist item, and the kind of evidence (facts' features) that shows it."""

    title: str
    evidence: str | None = None


ITEMS: tuple[Item, ...] = (
    Item("module-level server object"),
    Item("environment variables for all config"),
    Item("connection pooling for HTTP clients"),
    Item("retry logic for transient failures", "retry"),
    Item("caching for expensive operations", "cache"),
    Item("structured error responses"),
    Item("health check endpoint"),
    Item("logging configured", "logging"),
    Item("no circular imports"),
    Item("no import-time async execution"),
    Item("rate limiting if needed", "rate-limit"),
    Item("graceful shutdown handling", "shutdown"),
)


@dataclass(frozen=True)
class Score:
    """One scored item: its status and the evidence for it (`path:line: what`)."""

    number: int
    title: str
    status: Status
    evidence: tuple[str, ...]
    codes: tuple[str, ...]


def _serves(rule: Serving, item: Item) -> bool:
    checklist = rule.checklist.strip().lower()
    return bool(checklist) and item.title.startswith(checklist)


def _found(facts: Sequence[FileFacts], item: Item) -> list[str]:
    """Evidence of an item in the facts: the practice's features, or the item's own proofs."""
    found: list[str] = []
    for f in facts:
        if item.evidence is not None:
            found += [f"{f.path}:{x.location.line}: {x.what}" for x in f.features
                      if x.kind == item.evidence]
        elif item.title == "module-level server object":
            found += [f"{f.path}: `{name}`" for name in f.module_servers]
        elif item.title == "health check endpoint":
            found += [f"{f.path}:{x.line}: health route" for x in f.health]
    return sorted(set(found))


def score(diagnostics: Iterable[Diagnostic], facts: Sequence[FileFacts],
          rules: Iterable[Serving]) -> list[Score]:
    """Score every item from a run's diagnostics, facts and the rules that ran."""
    enabled = list(rules)
    found = list(diagnostics)
    scores: list[Score] = []
    for number, item in enumerate(ITEMS, 1):
        codes = tuple(sorted(r.code for r in enabled if _serves(r, item)))
        failing = [d for d in found if d.code in codes]
        evidence = _found(facts, item)
        if failing:
            status: Status = "fail"
            lines = tuple(f"{d.path}:{d.line}: {d.code} {d.message}" for d in failing)
        elif evidence:
            status, lines = "pass", tuple(evidence)
        elif item.evidence is not None:
            status, lines = "not found", ()
        elif codes:
            status, lines = "pass", ()
        else:
            status, lines = "not checked", ()
        scores.append(Score(number, item.title, status, lines, codes))
    return scores


def as_json(scores: Sequence[Score]) -> tuple[dict[str, Any], ...]:
    """The scorecard as the JSON report's `checklist` carries it."""
    return tuple({"item": s.number, "title": s.title, "status": s.status,
                  "codes": list(s.codes), "evidence": list(s.evidence)} for s in scores)
