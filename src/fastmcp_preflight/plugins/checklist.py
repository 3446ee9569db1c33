"""The production deployment checklist as a scorecard: each item pass, fail or not found.

The scorecard has the reference's twelve items, its three anti-patterns, and the sections
beyond them (tool interface, security, versions), so that every rule's findings appear on it.

An item fails when a rule that serves it reported something; it passes when its rules ran
clean, or (for practices no rule can fail, such as caching) when the project shows evidence
of it; it is "not found" when such evidence is missing, and "not checked" when none of its
rules ran. Rules join an item through their `checklist` metadata, so plugins count too.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from fastmcp_preflight.api import Diagnostic
from fastmcp_preflight.project.facts import FileFacts

Status = Literal["pass", "fail", "not found", "not checked"]


class Serving(Protocol):
    """What the scorecard needs of a rule (its class or its metadata)."""

    @property
    def code(self) -> str: ...

    @property
    def name(self) -> str: ...

    @property
    def checklist(self) -> str: ...


Kind = Literal["item", "anti-pattern", "section"]


@dataclass(frozen=True)
class Item:
    """An entry of the scorecard: `key` is what a rule's `checklist` names (RULES.md's
    "checklist item" column), `title` what the scorecard shows, `evidence` the kind of facts'
    features that shows the practice (for items no rule can fail)."""

    key: str
    kind: Kind = "item"
    title: str = ""
    evidence: str | None = None
    #: Rules (by name) that serve this entry besides those naming its key: a rule names one
    #: key, and FML202 finds both a hidden circular import and the factory that hides it.
    also: tuple[str, ...] = ()

    @property
    def shown(self) -> str:
        return self.title or self.key


#: The production reference's twelve checklist items, its three anti-patterns, and the
#: sections beyond them that rules serve. Every rule names one of these keys (the registry
#: refuses a rule that names another), so every finding has a place on the scorecard.
CHECKLIST: tuple[Item, ...] = (
    Item("module-level server object"),
    Item("environment variables for all config"),
    Item("connection pooling", title="connection pooling for HTTP clients"),
    Item("retry logic for transient failures", evidence="retry"),
    Item("caching for expensive operations", evidence="cache"),
    Item("structured error responses"),
    Item("health check endpoint"),
    Item("logging configured", evidence="logging"),
    Item("no circular imports"),
    Item("no import-time async execution"),
    Item("rate limiting if needed", evidence="rate-limit"),
    Item("graceful shutdown handling", evidence="shutdown"),
    Item("factory functions in __init__.py", "anti-pattern",
         also=("factory-import-in-init",)),
    Item("no blocking operations in async", "anti-pattern", "blocking operations in async"),
    Item("no global mutable state", "anti-pattern", "global mutable state"),
    Item("lazy initialization", "section", "lazy initialization (no I/O at import time)"),
    Item("(tool quality)", "section", "tool interface the model sees"),
    Item("(security)", "section", "security of tool input"),
    Item("(versions)", "section", "FastMCP and MCP SDK versions"),
)
#: The keys a rule's `checklist` may name.
CHECKLIST_KEYS: frozenset[str] = frozenset(item.key for item in CHECKLIST)


@dataclass(frozen=True)
class Score:
    """One scored entry: its status and the evidence for it (`path:line: what`)."""

    number: int
    title: str
    status: Status
    evidence: tuple[str, ...]
    codes: tuple[str, ...]
    kind: Kind = "item"


def _serves(rule: Serving, item: Item) -> bool:
    return rule.checklist == item.key or rule.name in item.also


def _found(facts: Sequence[FileFacts], item: Item) -> list[str]:
    """Evidence of an item in the facts: the practice's features, or the item's own proofs."""
    found: list[str] = []
    for f in facts:
        if item.evidence is not None:
            found += [f"{f.path}:{x.location.line}: {x.what}" for x in f.features
                      if x.kind == item.evidence]
        elif item.key == "module-level server object":
            found += [f"{f.path}: `{name}`" for name in f.module_servers]
        elif item.key == "health check endpoint":
            found += [f"{f.path}:{x.line}: health route" for x in f.health]
    return sorted(set(found))


def score(diagnostics: Iterable[Diagnostic], facts: Sequence[FileFacts],
          rules: Iterable[Serving]) -> list[Score]:
    """Score every entry from a run's diagnostics, facts and the rules that ran."""
    enabled = list(rules)
    found = list(diagnostics)
    scores: list[Score] = []
    for number, item in enumerate(CHECKLIST, 1):
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
        scores.append(Score(number, item.shown, status, lines, codes, item.kind))
    return scores


def as_json(scores: Sequence[Score]) -> tuple[dict[str, Any], ...]:
    """The scorecard as the JSON report's `checklist` carries it."""
    return tuple({"item": s.number, "kind": s.kind, "title": s.title, "status": s.status,
                  "codes": list(s.codes), "evidence": list(s.evidence)} for s in scores)
