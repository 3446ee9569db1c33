"""The plugin API: what a rule module imports to define a rule.

A rule is a class with metadata (code, name, severity, checklist item, docs, examples) and
visitor methods named after LibCST node types (`visit_Call`, `leave_FunctionDef`), like
Fixit's `LintRule`. The engine calls the visitors of every enabled rule in one traversal;
a rule reports with `self.report(node, message, fix=...)`. A `ProjectRule` instead sees the
plain facts of every file of the project (see `facts.py`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, ClassVar, Literal, TypeVar

from fastmcp_preflight.project.facts import (
    BUILDS_A_SERVER,
    CALLED_DIRECTLY,
    CLIENT_THROUGH_HELPER,
    MAY_RUN_OVER_STDIO,
    ON_REQUEST_PATH,
    REGISTERED_ELSEWHERE,
    RUNS_IN_A_SERVER,
    RUNS_IN_A_STDIO_SERVER,
    STDOUT_REACHES_STDIO_SERVER,
    TOOL_INPUT_THROUGH,
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
    from fastmcp_preflight.project.drift import UnboundedSite, unbounded_sites
    from fastmcp_preflight.project.tool_snapshot import breaking_changes
    from fastmcp_preflight.project.versions import ProjectTargets
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
    "RUNS_IN_A_STDIO_SERVER",
    "STDOUT_REACHES_STDIO_SERVER",
    "TOOL_INPUT_THROUGH",
    "VIA",
    "Applicability",
    "BaseRule",
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
    "Import",
    "ImportGraph",
    "Invalid",
    "Location",
    "ProjectFinding",
    "ProjectIndex",
    "ProjectRule",
    "ProjectServers",
    "Ref",
    "Reference",
    "ResolvedCall",
    "Rule",
    "Scope",
    "Severity",
    "Sink",
    "ToolCallRule",
    "ToolInputRule",
    "UnboundedSite",
    "Valid",
    "Value",
    "breaking_changes",
    "format_chain",
    "import_graph_of",
    "index_of",
    "servers_of",
    "unbounded_sites",
]


def __getattr__(name: str) -> object:
    """`Scope` (the type of `context.scope` and of `ToolCallRule.check_call`'s scope) is
    public here, but imported only when asked for: it needs LibCST, which a cached run never
    imports."""
    if name == "Scope":
        from fastmcp_preflight.model.scopes import Scope

        return Scope
    # The version and snapshot helpers of FML8xx/FML710: imported when a rule asks.
    if name in ("UnboundedSite", "unbounded_sites"):
        from fastmcp_preflight.project import drift

        return getattr(drift, name)
    if name == "breaking_changes":
        from fastmcp_preflight.project.tool_snapshot import breaking_changes

        return breaking_changes
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _no_targets() -> ProjectTargets:
    """No target versions (a file checked outside a project)."""
    from fastmcp_preflight.project.versions import NO_TARGETS

    return NO_TARGETS


Severity = Literal["error", "warning"]
OptionsT = TypeVar("OptionsT")
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
    #: The rule's options for this example, as the config table writes them
    #: (`{"min-words": 4}`).
    options: Mapping[str, object] = field(default_factory=dict, hash=False)
    #: Engine settings the example is checked with, by config key
    #: (`("target-fastmcp", "2.14")`; for FML710 `("tool-baseline", {...})`).
    settings: tuple[tuple[str, object], ...] = ()


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
    #: The rule's options for this example, as for `Valid`.
    options: Mapping[str, object] = field(default_factory=dict, hash=False)
    #: Engine settings the example is checked with, as for `Valid`.
    settings: tuple[tuple[str, object], ...] = ()


@dataclass(frozen=True)
class Import:
    """An import a fix adds or removes.

    `Import("asyncio")` is `import asyncio`; `Import("fastmcp.server", "create_proxy")` is
    `from fastmcp.server import create_proxy`; `alias` adds `as alias`. `Import.parse` reads
    the same from text (`"from fastmcp.server import create_proxy"`). Wherever a fix takes an
    import, a string is read by `Import.parse`, and a bare module name (`"asyncio"`) means
    `import asyncio`.
    """

    module: str
    name: str | None = None
    alias: str | None = None

    def __post_init__(self) -> None:
        """A malformed import is the rule's error, found when it is made."""
        module = self.module
        parts = module.lstrip(".").split(".") if module.lstrip(".") else []
        if not module or not all(p.isidentifier() for p in parts) or (
                module.startswith(".") and self.name is None):
            raise ValueError(f"not a module name: {module!r}")
        for word in (self.name, self.alias):
            if word is not None and not word.isidentifier():
                raise ValueError(f"not a name: {word!r}")

    @classmethod
    def parse(cls, text: str) -> Import:
        """`"asyncio"`, `"import asyncio as aio"` or `"from x.y import z [as w]"`."""
        words = text.split()
        try:
            if len(words) == 1 and words[0] != "import":
                return cls(words[0])
            if words[0] == "import" and len(words) in (2, 4) and (
                    len(words) == 2 or words[2] == "as"):
                return cls(words[1], alias=words[3] if len(words) == 4 else None)
            if (words[0] == "from" and words[2] == "import" and len(words) in (4, 6)
                    and (len(words) == 4 or words[4] == "as")):
                return cls(words[1], words[3], words[5] if len(words) == 6 else None)
        except IndexError:
            pass
        raise ValueError(f"not a single import: {text!r} (expected `import x`, `import x as y`"
                         " or `from x import y [as z]`)")

    @property
    def bound(self) -> str:
        """The name the import binds in the module (`os` for `import os.path`)."""
        if self.alias is not None:
            return self.alias
        return self.name if self.name is not None else self.module.split(".")[0]

    @property
    def code(self) -> str:
        """The import statement, as it is written into the file."""
        alias = f" as {self.alias}" if self.alias is not None else ""
        if self.name is None:
            return f"import {self.module}{alias}"
        return f"from {self.module} import {self.name}{alias}"


def as_import(value: str | Import) -> Import:
    """An import of a fix, given as an `Import` or as text."""
    return value if isinstance(value, Import) else Import.parse(value)


@dataclass(frozen=True)
class Reference:
    """How code at the current point of the walk can refer to a module or an object (see
    `FileContext.reference`): `text` to write (`asyncio`, `aio`, `create_proxy`), the
    `imports` a fix must add for it, and whether that name is `shadowed` there (bound to
    something else: a parameter, a local, an assignment), so a fix using it is not safe."""

    text: str
    imports: tuple[Import, ...] = ()
    shadowed: bool = False

    def expression(self) -> cst.BaseExpression:
        """`text` as a LibCST expression, to build the replacement node with."""
        import libcst as cst

        return cst.parse_expression(self.text)


@dataclass(frozen=True)
class Fix:
    """A rewrite of the file, made of any of these parts, applied together or not at all:

    - `replacements`: (old node, new node) pairs; the old node's text is replaced;
    - `imports`: imports to add (`Import`, or text for `Import.parse`), each only if the module
      does not have it already: a `from x import y` joins an existing one-line
      `from x import ...`, anything else goes where isort/ruff would put it (after the
      docstring and `__future__` imports, in its section: standard library, third party,
      first party, local; alphabetical within it);
    - `inserts_before`/`inserts_after`: (statement, new statements) pairs: new lines before or
      after a statement of the file, at its indentation;
    - `deletions`: statements of the file to delete (a block left empty gets `pass`);
    - `remove_imports`: imports to remove from the module's top-level imports (the name
      from its statement, the statement when it was the last name);
    - `drop_if_unused`: names bound by top-level imports (`time`, or `nap` for
      `from time import sleep as nap`) whose import is removed when the file no longer uses
      them once the fixes are made (never an import that was unused before).

    Build one with the constructor or the helpers `Fix.replace`, `Fix.insert_before`,
    `Fix.insert_after`, `Fix.delete` and `Fix.add_imports`; join parts with `+`. A fix the
    engine cannot express as text edits (an insertion before a statement that shares its line
    with another) is dropped: the finding is reported without it. The fixed file is written
    only if it still parses and compiles.
    """

    applicability: Applicability
    replacements: tuple[tuple[cst.CSTNode, cst.CSTNode], ...] = ()
    imports: tuple[str | Import, ...] = ()
    description: str = ""
    inserts_before: tuple[tuple[cst.BaseStatement, tuple[cst.BaseStatement | str, ...]],
                          ...] = ()
    inserts_after: tuple[tuple[cst.BaseStatement, tuple[cst.BaseStatement | str, ...]],
                         ...] = ()
    deletions: tuple[cst.BaseStatement, ...] = ()
    remove_imports: tuple[str | Import, ...] = ()
    drop_if_unused: tuple[str, ...] = ()

    @classmethod
    def replace(cls, old: cst.CSTNode, new: cst.CSTNode, *, unsafe: bool = False,
                description: str = "", imports: Sequence[str | Import] = ()) -> Fix:
        """Replace `old` (a node of the file) with `new`, adding `imports`."""
        return cls(_applicability(unsafe), ((old, new),), tuple(imports), description)

    @classmethod
    def insert_before(cls, anchor: cst.BaseStatement, *statements: cst.BaseStatement | str,
                      unsafe: bool = False, description: str = "") -> Fix:
        """Insert `statements` (nodes or code) on lines of their own before `anchor`."""
        return cls(_applicability(unsafe), description=description,
                   inserts_before=((anchor, statements),))

    @classmethod
    def insert_after(cls, anchor: cst.BaseStatement, *statements: cst.BaseStatement | str,
                     unsafe: bool = False, description: str = "") -> Fix:
        """Insert `statements` (nodes or code) on lines of their own after `anchor`."""
        return cls(_applicability(unsafe), description=description,
                   inserts_after=((anchor, statements),))

    @classmethod
    def delete(cls, *statements: cst.BaseStatement, unsafe: bool = False,
               description: str = "") -> Fix:
        """Delete whole statements of the file (their lines)."""
        return cls(_applicability(unsafe), description=description, deletions=statements)

    @classmethod
    def add_imports(cls, *imports: str | Import, unsafe: bool = False,
                    description: str = "") -> Fix:
        """Add imports (only those the module lacks), where isort would put them."""
        return cls(_applicability(unsafe), imports=imports, description=description)

    def __add__(self, other: Fix) -> Fix:
        """Both fixes as one: unsafe if either is; the descriptions joined."""
        description = "; ".join(d for d in (self.description, other.description) if d)
        return Fix(
            "unsafe" if "unsafe" in (self.applicability, other.applicability) else "safe",
            self.replacements + other.replacements, self.imports + other.imports, description,
            self.inserts_before + other.inserts_before, self.inserts_after + other.inserts_after,
            self.deletions + other.deletions, self.remove_imports + other.remove_imports,
            self.drop_if_unused + other.drop_if_unused)

    def unsafe_if(self, condition: bool) -> Fix:
        """This fix, marked unsafe when `condition` holds (a name it uses is shadowed)."""
        return replace(self, applicability="unsafe") if condition else self


def _applicability(unsafe: bool) -> Applicability:
    return "unsafe" if unsafe else "safe"


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
    #: Names whose top-level import goes once the fixes leave them unused (see
    #: `Fix.drop_if_unused`): several fixes can together remove the last use.
    drop_if_unused: tuple[str, ...] = ()


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
    #: Per rule code, its options from the config (dataclass field -> value).
    rule_options: Mapping[str, Mapping[str, object]] = field(default_factory=dict)
    #: The fastmcp / MCP SDK versions the file's project targets (RULES.md, "FML8xx").
    targets: ProjectTargets = field(default_factory=_no_targets)
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

    def reference(self, module: str, name: str | None = None) -> Reference:
        """How code at the current point can use `module` (or `name` from it), for a fix.

        A name already bound to it by an import is used (`aio` after `import asyncio as
        aio`); else the fix adds `import module` (or `from module import name`) and writes
        the plain name, which is `shadowed` when anything else binds that name here (a
        parameter `asyncio`, a local `sys = ...`): mark such a fix unsafe
        (`fix.unsafe_if(reference.shadowed)`).
        """
        target = module if name is None else f"{module}.{name}"
        scope = self.where.scope
        seen: set[str] = set()
        current: Scope | None = scope
        while current is not None:
            for bound, bindings in current.bindings.items():
                if bound in seen or not any(b.kind in ("import", "module") for b in bindings):
                    continue
                seen.add(bound)
                resolved = scope.resolve_name(bound)
                if resolved == target:
                    return Reference(bound)
                if name is not None and resolved == module:
                    return Reference(f"{bound}.{name}")
            current = current.parent
        new = Import(module, name)
        return Reference(target if name is None else name, (new,),
                         scope.lookup(new.bound) is not None)

    @property
    def on_event_loop(self) -> bool:
        """Whether code at the current point runs on the server's event loop: in an async
        function, or in a sync tool function that the target version runs inline (see
        `inline_sync_tool`). The blocking rules (FML101/102/105/106) ask this."""
        return self.where.in_async or self.inline_sync_tool is not None

    @property
    def inline_sync_tool(self) -> str | None:
        """In the body of a sync tool, resource or prompt function that the project's target
        runs on the event loop (fastmcp before 3.0, the MCP SDK before 2.0, or
        `run_in_thread=False`): why, naming the version, for the message; else None."""
        function = self.where.function
        frames = self.where.frames
        if (function is None or not frames or frames[-1].node is not function
                or getattr(function, "asynchronous", True) is not None):
            return None
        from fastmcp_preflight.model.sync_tools import inline_reason

        return inline_reason(self.model, function, self.targets)

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
    #: The rule's options: a frozen dataclass whose fields (bool, int, float, str or
    #: tuple[str, ...]) all have defaults; `[tool.fastmcp-lint.rules.<CODE>]` sets them by
    #: the field names in kebab-case, checked when the config loads. A rule reads them with
    #: `self.options(TheClass)`. `field(metadata={"help": "..."})` documents one in
    #: `--explain`.
    OPTIONS: ClassVar[type[Any] | None] = None

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
        self._options: object = None

    def options(self, kind: type[OptionsT]) -> OptionsT:
        """The rule's options (`kind` is its `OPTIONS` class), as the config sets them."""
        if not isinstance(self._options, kind):
            self._options = kind(**self.context.rule_options.get(self.code, {}))
        assert isinstance(self._options, kind)
        return self._options

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
        self._tool_condition = model.tool_condition(model.tool_of(node, elsewhere=True),
                                                    self.context.path)
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


class ToolInputRule(ToolCallRule):
    """A rule about tool input reaching a dangerous sink (FML901-905): the sinks are
    recognised in the model (`model/sinks.py`), in the tool and, through the project, in
    the project functions it gives its input to (`model/tool_input.py`), once per tool for
    the five rules."""

    #: What each of the five rules' `what` ends with.
    THROUGH_THE_PROJECT: ClassVar[str] = (
        " Through the project: a derived value passed to a project function (also through "
        "`asyncio.to_thread(f, x)` or `loop.run_in_executor(None, f, x)`) is derived in its "
        "matching parameter, and the sinks it reaches there, unchecked, are reported at the "
        "tool's call of the function with the chain in the message (at most 8 calls deep; "
        "recursion and calls that resolve to no project function end the chain); a project "
        "function that returns a value derived from its argument makes its result derived, "
        "there and where it is passed on to another project function (though never a path "
        "object, a URL that starts with tool input or a string building); "
        "one that raises or returns early unless its argument passes a check is a check of "
        "what the tool passed it."
    )

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        from fastmcp_preflight.model.tool_input import findings

        context = self.context
        model = context.model
        if not model.tool_calls(node):
            return
        condition = model.tool_condition(model.tool_of(node, elsewhere=True), context.path)
        for finding in findings(self.code, node, model.scopes[node], model,
                                context.positions, context.path, condition):
            self.report(finding.call, finding.message, condition=finding.condition or condition)

    def check_call(self, node: cst.Call, scope: Scope) -> None:
        """Not used: the findings of a whole tool are worked out at once."""


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

    def __init__(self, option_values: Mapping[str, object] | None = None) -> None:
        """`option_values`: the rule's options from the config (field -> value)."""
        self.option_values: Mapping[str, object] = option_values or {}

    def options(self, kind: type[OptionsT]) -> OptionsT:
        """The rule's options (`kind` is its `OPTIONS` class), as the config sets them."""
        return kind(**self.option_values)

    def check(self, files: Sequence[FileFacts]) -> Iterable[ProjectFinding]:
        raise NotImplementedError
