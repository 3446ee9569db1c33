"""The plugin API: what a rule module imports to define a rule.

A rule is a class with metadata (code, name, severity, checklist item, docs, examples) and
visitor methods named after LibCST node types (`visit_Call`, `leave_FunctionDef`), like
Fixit's `LintRule`. The engine calls the visitors of every enabled rule in one traversal;
a rule reports with `self.report(node, message, fix=...)`. A `ProjectRule` instead sees the
plain facts of every file of the project (see `facts.py`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar, Literal

from fastmcp_preflight.project.facts import (
    BUILDS_A_SERVER,
    CALLED_DIRECTLY,
    CLIENT_THROUGH_HELPER,
    MAY_RUN_OVER_STDIO,
    ON_REQUEST_PATH,
    REGISTERED_ELSEWHERE,
    RUNS_IN_A_SERVER,
    STDOUT_REACHES_STDIO_SERVER,
    VIA,
    FileFacts,
    ImportGraph,
    Location,
    ProjectServers,
    import_graph_of,
    index_of,
    servers_of,
)
from fastmcp_preflight.project.index import (
    Blocking,
    ChainStep,
    ProjectIndex,
    ResolvedCall,
    Sink,
    Value,
    format_chain,
)
from fastmcp_preflight.project.summaries import (
    CallSummary,
    ClassSummary,
    FunctionSummary,
    Ref,
)

if TYPE_CHECKING:
    # Only for types: a run whose every file is cached reports from plain data (diagnostics,
    # rule metadata) that this module defines, and must not import LibCST to do it.
    import libcst as cst

    from fastmcp_preflight.model.context import Tracker
    from fastmcp_preflight.model.file_model import FileModel
    from fastmcp_preflight.model.scopes import Scope
    from fastmcp_preflight.source.positions import Positions

__all__ = [
    "BUILDS_A_SERVER",
    # Conditions of findings through the project (see `project/through.py`).
    "CALLED_DIRECTLY",
    "CLIENT_THROUGH_HELPER",
    "MAY_RUN_OVER_STDIO",
    "ON_REQUEST_PATH",
    "REGISTERED_ELSEWHERE",
    "RUNS_IN_A_SERVER",
    "STDOUT_REACHES_STDIO_SERVER",
    "VIA",
    "Applicability",
    "BaseRule",
    # The project index (DESIGN.md, "The project index").
    "Blocking",
    "CallSummary",
    "ChainStep",
    "ClassSummary",
    "Diagnostic",
    "DiagnosticFix",
    "Edit",
    "FileContext",
    "FileFacts",
    "Finding",
    "Fix",
    "FunctionSummary",
    "ImportGraph",
    "Invalid",
    "Location",
    "ProjectFinding",
    "ProjectIndex",
    "ProjectRule",
    "ProjectServers",
    "Ref",
    "ResolvedCall",
    "Rule",
    "Scope",
    "Severity",
    "Sink",
    "ToolCallRule",
    "Valid",
    "Value",
    "format_chain",
    "import_graph_of",
    "index_of",
    "servers_of",
]


def __getattr__(name: str) -> object:
    """`Scope` (the type of `context.scope` and of `ToolCallRule.check_call`'s scope) is
    public here, but imported only when asked for: it needs LibCST, which a cached run never
    imports."""
    if name == "Scope":
        from fastmcp_preflight.model.scopes import Scope

        return Scope
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

Severity = Literal["error", "warning"]
Applicability = Literal["safe", "unsafe"]
SEVERITIES: tuple[Severity, ...] = ("error", "warning")


@dataclass(frozen=True)
class Valid:
    """Code that the rule must not report. `path` names the file when it matters."""

    code: str
    path: str = "server.py"
    #: The project's other files, (path, code): a project rule's example may need two
    #: modules (an import cycle). Only `code` is reported on.
    others: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Invalid:
    """Code the rule must report exactly at `at` ((line, column) pairs, 1-based).

    `fixed` is the source after the rule's fixes (safe and unsafe) are applied, when it has one;
    `message`, when given, is text every one of its diagnostics' messages must contain.
    """

    code: str
    at: tuple[tuple[int, int], ...] = ((1, 1),)
    fixed: str | None = None
    path: str = "server.py"
    message: str | None = None
    #: The project's other files, (path, code), as for `Valid`.
    others: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Fix:
    """A rewrite: replace each old node by its new node, and add `import X` lines if missing."""

    applicability: Applicability
    replacements: tuple[tuple[cst.CSTNode, cst.CSTNode], ...]
    imports: tuple[str, ...] = ()
    description: str = ""


@dataclass(frozen=True)
class Edit:
    """A text edit of a fix: replace [start, end) with `content` (1-based lines and columns)."""

    line: int
    column: int
    end_line: int
    end_column: int
    content: str


@dataclass(frozen=True)
class DiagnosticFix:
    applicability: Applicability
    edits: tuple[Edit, ...]
    description: str = ""


@dataclass(frozen=True)
class Diagnostic:
    """One finding, ready to report: plain data, picklable, cacheable."""

    code: str
    name: str
    severity: Severity
    message: str
    path: str
    line: int
    column: int
    end_line: int
    end_column: int
    checklist: str = ""
    hint: str = ""
    fix: DiagnosticFix | None = None
    #: A project condition the finding holds under (see `facts.CONDITIONS`); the engine
    #: drops the diagnostic once the project shows the condition is false.
    condition: str = ""
    #: For a finding through the project: the calls from the reported one to the blocking
    #: call at the end (RULES.md, "Across functions and modules").
    chain: tuple[ChainStep, ...] = ()

    def sort_key(self) -> tuple[str, int, int, str, str]:
        return (self.path, self.line, self.column, self.code, self.message)


@dataclass
class Finding:
    """What `Rule.report` records; the engine turns it into a Diagnostic with a position."""

    rule: type[BaseRule]
    node: cst.CSTNode
    message: str
    fix: Fix | None = None
    condition: str = ""


@dataclass
class FileContext:
    """What a rule sees of the file it checks: the tree, the model and where the walk is."""

    path: str
    source: str
    module: cst.Module
    model: FileModel
    where: Tracker
    module_name: str | None = None
    options: dict[str, object] = field(default_factory=dict)
    #: The model walk's nodes in the order it met them, which makes positions cheaper.
    walk_order: Sequence[cst.CSTNode] = field(default=(), repr=False)
    #: Positions of this file's nodes, computed on first use and shared with the engine.
    positions: Positions = field(init=False, repr=False)
    #: id(expression) -> (the expression, the scope it was resolved in, its dotted name):
    #: many rules ask the same question about the same call. The expression is kept so
    #: that its id can't be reused by another (a node a rule made on the fly).
    _resolved: dict[int, tuple[cst.BaseExpression, Scope, str | None]] = field(
        default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        from fastmcp_preflight.source.positions import (
            Positions,  # LibCST: only when a file is checked
        )

        self.positions = Positions(self.module, self.source, self.walk_order)

    @property
    def scope(self) -> Scope:
        return self.where.scope

    def resolve(self, expr: cst.BaseExpression) -> str | None:
        """The dotted name of `expr` at the current point (`t.sleep` -> `time.sleep`)."""
        scope = self.where.scope
        known = self._resolved.get(id(expr))
        if known is not None and known[0] is expr and known[1] is scope:
            return known[2]
        name = scope.resolve(expr)
        self._resolved[id(expr)] = (expr, scope, name)
        return name

    @property
    def is_package_init(self) -> bool:
        return self.path.replace("\\", "/").rsplit("/", 1)[-1] == "__init__.py"

    def line_of(self, node: cst.CSTNode) -> int:
        """The line `node` starts on, for messages that point at a second place ("assigned
        at line 12"). Positions cost a code generation of the file, done once on first use
        (the engine reuses them for the diagnostics)."""
        return self.positions.of(node).line


class BaseRule:
    """Metadata every rule carries; the registry checks it when the rule is loaded."""

    code: ClassVar[str] = ""
    name: ClassVar[str] = ""
    severity: ClassVar[Severity] = "warning"
    checklist: ClassVar[str] = ""
    summary: ClassVar[str] = ""
    what: ClassVar[str] = ""
    why: ClassVar[str] = ""
    instead: ClassVar[str] = ""
    hint: ClassVar[str] = ""
    fix_safety: ClassVar[str] = ""
    tags: ClassVar[tuple[str, ...]] = ()
    #: For rules tagged `security`: how severe a finding is, 0.0 to 10.0 (CVSS-like), which
    #: SARIF carries as `security-severity` so code scanning ranks it critical/high/medium.
    security_severity: ClassVar[float | None] = None
    default_enabled: ClassVar[bool] = True
    fixable: ClassVar[Applicability | None] = None
    VALID: ClassVar[Sequence[Valid | str]] = ()
    INVALID: ClassVar[Sequence[Invalid]] = ()

    #: Where the rule was loaded from (the registry sets it), for error messages.
    origin: ClassVar[str] = ""

    REQUIRED: ClassVar[tuple[str, ...]] = (
        "code", "name", "severity", "checklist", "summary", "what", "why", "instead",
    )


class Rule(BaseRule):
    """A rule over one file. Subclasses define `visit_<Node>`/`leave_<Node>` methods."""

    #: Cheap pre-check: if set, a file whose text contains none of these strings cannot be
    #: reported by this rule, and the engine may skip its traversal (and even its parse).
    needles: ClassVar[tuple[str, ...] | None] = None

    def __init__(self, context: FileContext) -> None:
        self.context = context
        self.findings: list[Finding] = []

    def report(self, node: cst.CSTNode, message: str | None = None, *,
               fix: Fix | None = None, condition: str = "") -> None:
        """Record a finding at `node` (its start is the reported position).

        `condition` names a condition the finding depends on: a project condition
        (`MAY_RUN_OVER_STDIO`, `BUILDS_A_SERVER`), or a per-file one
        (`f"{RUNS_IN_A_SERVER}:{path}"`); it is reported only if the project meets it. Any
        other text is an error of the rule.
        """
        self.findings.append(Finding(type(self), node, message or self.summary, fix, condition))


class ToolCallRule(Rule):
    """A rule about the calls a tool function makes (the security sinks): the model keeps
    each tool's calls, so the rule looks at those instead of visiting every call."""

    #: The condition of findings in the tool being checked (see `FileModel.tool_condition`):
    #: a function that only another module may register is a tool only if one does.
    _tool_condition: str = ""

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        model = self.context.model
        calls = model.tool_calls(node)
        if not calls:
            return
        self._tool_condition = model.tool_condition(model.tool_of(node), self.context.path)
        try:
            for call in calls:
                self.check_call(call, model.scopes[node])
        finally:
            self._tool_condition = ""

    def report(self, node: cst.CSTNode, message: str | None = None, *,
               fix: Fix | None = None, condition: str = "") -> None:
        super().report(node, message, fix=fix, condition=condition or self._tool_condition)

    def check_call(self, node: cst.Call, scope: Scope) -> None:
        raise NotImplementedError


@dataclass(frozen=True)
class ProjectFinding:
    """A project rule's finding: a file and a location from that file's facts."""

    path: str
    location: Location
    message: str
    #: The chain of calls the finding follows through the project, if any.
    chain: tuple[ChainStep, ...] = ()


class ProjectRule(BaseRule):
    """A rule over the whole project's facts (health check, import cycles, server object)."""

    def check(self, files: Sequence[FileFacts]) -> Iterable[ProjectFinding]:
        raise NotImplementedError
