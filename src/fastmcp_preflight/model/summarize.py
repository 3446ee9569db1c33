"""Summaries of a file's functions and classes for the project index (see
`project/summaries.py` for what they hold).

Built after the model's walk from what the walk already collected (calls, definitions,
assignments, returns, yields), not by another walk: the cost is one pass over those lists
and the positions of the calls kept. Calls that can lead nowhere (an unannotated
parameter's methods, most builtins) are left out, so that positions are computed only for
calls the index may use.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import libcst as cst

from fastmcp_preflight.model.scopes import Binding, Scope, dotted, qualname
from fastmcp_preflight.model.walker import mentioned_names
from fastmcp_preflight.project.records import Location
from fastmcp_preflight.project.summaries import (
    CallSummary,
    ClassSummary,
    FunctionSummary,
    InputCall,
    InputSink,
    InputSummary,
    Ref,
)

if TYPE_CHECKING:
    from fastmcp_preflight.model.input_summary import FunctionInputs

#: How many local assignments a reference is followed through.
_DEPTH = 4
#: How many references one expression may have (a name assigned in many places).
_MAX_REFS = 6
#: Builtins that may block (FML102) or write to stdout (FML601); calls of other builtins
#: are not kept.
_BLOCKING_BUILTINS = frozenset({"builtins.open", "builtins.input", "builtins.print"})
_OPTIONAL_WRAPPERS = frozenset({"Optional", "Annotated", "Union", "Final", "ClassVar"})


@dataclass
class SummaryInput:
    """What the model's walk collected that the summaries need."""

    #: (call, the scope it is in, the innermost function or lambda around it)
    calls: list[tuple[cst.Call, Scope, cst.CSTNode | None]] = field(default_factory=list)
    functions: list[tuple[cst.FunctionDef, Scope]] = field(default_factory=list)
    classes: list[tuple[cst.ClassDef, Scope]] = field(default_factory=list)
    #: (target, value, annotation, scope) of every assignment
    assignments: list[tuple[cst.BaseExpression, cst.BaseExpression | None,
                            cst.BaseExpression | None, Scope]] = field(default_factory=list)
    returns: list[tuple[cst.FunctionDef, cst.BaseExpression]] = field(default_factory=list)
    yields: list[tuple[cst.FunctionDef, cst.BaseExpression]] = field(default_factory=list)
    #: ids of the expressions under an `await`
    awaited: set[int] = field(default_factory=set)


@dataclass
class Summaries:
    functions: list[FunctionSummary]
    classes: list[ClassSummary]
    globals: dict[str, tuple[Ref, ...]]


class _Namer:
    """References of expressions, seen from a scope of one module."""

    def __init__(self, module: str, scopes: dict[cst.CSTNode, Scope]) -> None:
        self.module = module
        self.scopes = scopes
        #: A local name's references, once worked out: (its scope's id, the name) -> refs;
        #: () while being worked out, so `x = x.strip()` ends.
        self._locals: dict[tuple[int, str], tuple[Ref, ...]] = {}

    def qualname(self, scope: Scope) -> str:
        prefix = qualname(scope)
        return f"{self.module}.{prefix}" if prefix else self.module

    def name_of(self, node: cst.FunctionDef | cst.ClassDef, defined_in: Scope) -> str:
        return f"{self.qualname(defined_in)}.{node.name.value}"

    def global_name(self, expr: cst.BaseExpression, scope: Scope) -> str | None:
        """The dotted name of a class or function an annotation or base names: through
        imports, or a definition of this module (`pkg.mod.Store`)."""
        if isinstance(expr, cst.SimpleString):
            text = expr.evaluated_value
            if isinstance(text, str) and text.replace(".", "").replace("_", "").isalnum():
                try:
                    expr = cst.parse_expression(text)
                except Exception:
                    return None
            else:
                return None
        resolved = scope.resolve(expr)
        if resolved is not None:
            return resolved
        if isinstance(expr, cst.Name):
            found = scope.lookup(expr.value)
            if found is not None and found[0].kind == "module":
                return f"{self.module}.{expr.value}"
        elif isinstance(expr, cst.Attribute):
            base = self.global_name(expr.value, scope)
            return None if base is None else f"{base}.{expr.attr.value}"
        return None

    def annotation_types(self, annotation: cst.BaseExpression | None,
                         scope: Scope) -> tuple[Ref, ...]:
        """`t:` references for the types an annotation names (`X | None`, `Optional[X]`,
        `Annotated[X, ...]`, `"X"`)."""
        if annotation is None:
            return ()
        if isinstance(annotation, cst.BinaryOperation) and isinstance(annotation.operator,
                                                                      cst.BitOr):
            return (self.annotation_types(annotation.left, scope)
                    + self.annotation_types(annotation.right, scope))
        if isinstance(annotation, cst.Subscript):
            head = dotted(annotation.value) or ""
            if head.rpartition(".")[2] in _OPTIONAL_WRAPPERS:
                found: tuple[Ref, ...] = ()
                for element in annotation.slice:
                    if isinstance(element.slice, cst.Index):
                        found += self.annotation_types(element.slice.value, scope)
                    if head.endswith("Annotated"):
                        break
                return found
            return ()
        name = self.global_name(annotation, scope)
        if name is None or name.startswith("builtins.") or name in ("None", "typing.Any"):
            return ()
        return (("t:" + name,),)

    def refs(self, expr: cst.BaseExpression, scope: Scope, depth: int = 0
             ) -> tuple[Ref, ...]:
        """The references an expression may be (empty: not tracked)."""
        if depth > _DEPTH:
            return ()
        kind = type(expr)
        if kind is cst.Await:
            return self.refs(expr.expression, scope, depth)  # type: ignore[attr-defined]
        if kind is cst.Name:
            return self._name(expr.value, scope, depth)  # type: ignore[attr-defined]
        if kind is cst.Attribute:
            assert isinstance(expr, cst.Attribute)
            attr = expr.attr.value
            if attr == "lifespan_context":
                return (("ctx",),)
            resolved = scope.resolve(expr)
            if resolved is not None:
                return (("g:" + resolved,),)
            return tuple((*ref, "." + attr) for ref in self.refs(expr.value, scope, depth))
        if kind is cst.Call:
            assert isinstance(expr, cst.Call)
            func = expr.func
            if type(func) is cst.Name and func.value == "super":
                return (("super",),)
            if type(func) is cst.Attribute and func.attr.value == "get" and expr.args:
                key = _literal(expr.args[0].value)
                if key is not None and not expr.args[0].keyword:
                    return tuple((*ref, f"[{key}]")
                                 for ref in self.refs(func.value, scope, depth))
            if expr.args and _literal(expr.args[0].value) == ":memory:":
                return ()  # an in-memory database does no I/O
            return tuple((*ref, "()") for ref in self.refs(func, scope, depth))
        if kind is cst.Subscript:
            assert isinstance(expr, cst.Subscript)
            if len(expr.slice) == 1 and isinstance(expr.slice[0].slice, cst.Index):
                key = _literal(expr.slice[0].slice.value)
                if key is not None:
                    return tuple((*ref, f"[{key}]")
                                 for ref in self.refs(expr.value, scope, depth))
            return ()
        return ()

    def _name(self, name: str, scope: Scope, depth: int) -> tuple[Ref, ...]:
        found = scope.lookup(name)
        if found is None:
            resolved = scope.resolve_name(name)
            return (("g:" + resolved,),) if resolved else ()
        owner, bindings = found
        if all(b.kind in ("import", "module") for b in bindings):
            return (("g:" + (bindings[0].qualified or name),),)
        if owner.kind == "module":
            return (("g:" + f"{self.module}.{name}",),)
        if owner.kind == "class":
            return ()
        key = (id(owner), name)
        known = self._locals.get(key)
        if known is not None:
            return known
        self._locals[key] = ()
        found_refs: list[Ref] = []
        for binding in bindings:
            found_refs.extend(self._binding(binding, owner, depth))
        result = tuple(dict.fromkeys(found_refs))[:_MAX_REFS]
        self._locals[key] = result
        return result

    def _binding(self, binding: Binding, owner: Scope, depth: int) -> tuple[Ref, ...]:
        node = binding.node
        if binding.kind == "param" and isinstance(node, cst.Param):
            function = owner.node
            if (isinstance(function, cst.FunctionDef) and owner.parent is not None
                    and owner.parent.kind == "class" and _first_param(function) is node
                    and not _is_static(function)):
                return (("self",),)
            annotation = node.annotation.annotation if node.annotation else None
            return self.annotation_types(annotation, owner)
        if binding.kind in ("def", "class") and isinstance(node, (cst.FunctionDef,
                                                                  cst.ClassDef)):
            return (("g:" + self.name_of(node, owner),),)
        found: tuple[Ref, ...] = ()
        if isinstance(node, cst.AnnAssign):
            found = self.annotation_types(node.annotation.annotation, owner)
        if binding.value is not None:
            found += self.refs(binding.value, owner, depth + 1)
        return found


def _literal(expr: cst.BaseExpression) -> str | None:
    if isinstance(expr, (cst.SimpleString, cst.ConcatenatedString)):
        value = expr.evaluated_value
        return value if isinstance(value, str) else None
    return None


def _first_param(function: cst.FunctionDef) -> cst.Param | None:
    params = [*function.params.posonly_params, *function.params.params]
    return params[0] if params else None


def _is_static(function: cst.FunctionDef) -> bool:
    return any(dotted(d.decorator) in ("staticmethod",) for d in function.decorators)


def _own_function(scope: Scope) -> cst.FunctionDef | None:
    node = scope.node
    return node if isinstance(node, cst.FunctionDef) and scope.kind == "function" else None


#: Standard-library modules some of whose calls block (FML101/102), write to stdout (`sys`,
#: FML601) or build a client of the catalog (sqlite3): calls through any other
#: standard-library module are not kept.
_STDLIB_KEPT = frozenset({"time", "subprocess", "os", "socket", "urllib", "http", "sqlite3",
                          "pathlib", "builtins", "shutil", "sys"})
_STDLIB = frozenset(sys.stdlib_module_names)


class _Quiet:
    """Which callees cannot lead the index anywhere: most builtins, the standard library
    outside the modules that block, and module-level names bound only to those
    (`logger = logging.getLogger(...)`). Keeping a call costs its position."""

    def __init__(self, module: str, module_globals: dict[str, list[Ref]]) -> None:
        self.prefix = "g:" + module + "."
        self.module_globals = module_globals

    def ignorable(self, ref: Ref, depth: int = 0) -> bool:
        base = ref[0]
        if not base.startswith("g:"):
            return False
        if base.startswith("g:builtins."):
            return base not in _BLOCKING_BUILTINS_REFS
        if base.startswith(self.prefix) and depth == 0:
            bound = self.module_globals.get(base[len(self.prefix):])
            return bound is not None and all(self.ignorable(r, 1) for r in bound) and bool(
                bound)
        top = base[2:].partition(".")[0]
        return top in _STDLIB and top not in _STDLIB_KEPT


_BLOCKING_BUILTINS_REFS = frozenset("g:" + name for name in _BLOCKING_BUILTINS)


def summarize(data: SummaryInput, module: str, scopes: dict[cst.CSTNode, Scope],
              module_scope: Scope, locate: Callable[[cst.CSTNode], Location],
              expect: Callable[[int], None] | None = None,
              inputs: Callable[[cst.FunctionDef, Scope], FunctionInputs | None] | None = None,
              ) -> Summaries:
    """The summaries of a file's functions and classes, and its module-level bindings.

    `expect` is told how many nodes `locate` will be asked for, before it is; `inputs`
    gives where a function's parameters go (`input_summary.py`)."""
    namer = _Namer(module, scopes)
    derived = _Derived()
    attributes: dict[cst.ClassDef, dict[str, list[Ref]]] = {}
    module_globals: dict[str, list[Ref]] = {}
    for target, value, annotation, scope in data.assignments:
        found = [*namer.annotation_types(annotation, scope),
                 *(namer.refs(value, scope) if value is not None else ())]
        if isinstance(target, cst.Name) and (scope is module_scope
                                             or target.value in scope.globals):
            if found:
                module_globals.setdefault(target.value, []).extend(found)
            continue
        if scope.kind == "class" and isinstance(target, cst.Name):
            assert isinstance(scope.node, cst.ClassDef)
            if found:
                attributes.setdefault(scope.node, {}).setdefault(target.value, []).extend(found)
            continue
        function = _own_function(scope)
        if (function is None or not isinstance(target, cst.Attribute)
                or not isinstance(target.value, cst.Name) or scope.parent is None
                or scope.parent.kind != "class" or not found):
            continue
        receiver = _first_param(function)
        if receiver is None or receiver.name.value != target.value.value:
            continue
        owner = scope.parent.node
        assert isinstance(owner, cst.ClassDef)
        attributes.setdefault(owner, {}).setdefault(target.attr.value, []).extend(found)
    calls: dict[cst.FunctionDef, list[CallSummary]] = {}
    quiet = _Quiet(module, module_globals)
    kept: list[tuple[cst.Call, Scope, cst.FunctionDef, tuple[Ref, ...]]] = []
    for call, where, around in data.calls:
        if not isinstance(around, cst.FunctionDef) or where.node is not around:
            continue
        refs = namer.refs(call.func, where)
        if refs and not all(quiet.ignorable(ref) for ref in refs):
            kept.append((call, where, around, refs))
    raw_inputs: dict[cst.FunctionDef, FunctionInputs | None] = {}
    if inputs is not None:
        for function, _ in data.functions:
            own = scopes.get(function)
            raw_inputs[function] = inputs(function, own) if own is not None else None
    if expect is not None:
        expect(len(kept) + len(data.functions) + len(data.classes) + sum(
            len(raw.sinks) + len(raw.calls) for raw in raw_inputs.values() if raw is not None))
    for call, where, around, refs in kept:
        first = call.args[0] if call.args else None
        literal = (_literal(first.value) if first is not None and first.keyword is None
                   else None)
        calls.setdefault(around, []).append(CallSummary(
            locate(call), refs, _text(call.func), id(call) in data.awaited, literal,
            _arguments(call), derived.arguments(call, where)))
    returns: dict[cst.FunctionDef, list[Ref]] = {}
    returns_params: dict[cst.FunctionDef, set[str]] = {}
    for function, returned in data.returns:
        inside = scopes.get(function)
        if inside is not None:
            returns.setdefault(function, []).extend(namer.refs(returned, inside))
            returns_params.setdefault(function, set()).update(derived.of(returned, inside))
    yields: dict[cst.FunctionDef, list[tuple[str, tuple[Ref, ...]]]] = {}
    for function, yielded in data.yields:
        inside = scopes.get(function)
        if inside is not None:
            yields.setdefault(function, []).extend(_yielded(namer, yielded, inside))
    functions: list[FunctionSummary] = []
    for function, defined_in in data.functions:
        own = scopes.get(function)
        if own is None:
            continue
        params = function.params
        annotation = function.returns.annotation if function.returns else None
        function_returns = [*namer.annotation_types(annotation, defined_in),
                            *returns.get(function, ())]
        functions.append(FunctionSummary(
            namer.name_of(function, defined_in), function.asynchronous is not None,
            locate(function.name),
            tuple(p.name.value for p in [*params.posonly_params, *params.params,
                                         *params.kwonly_params]),
            tuple(calls.get(function, ())), tuple(dict.fromkeys(function_returns)),
            tuple(filter(None, (namer.global_name(_decorator_head(d.decorator), defined_in)
                                for d in function.decorators))),
            tuple(yields.get(function, ())),
            tuple(sorted(returns_params.get(function, ()))),
            _inputs(raw_inputs.get(function), namer, own, locate)))
    classes = [ClassSummary(
        namer.name_of(node, defined_in), locate(node.name),
        tuple(filter(None, (namer.global_name(base.value, defined_in)
                            for base in node.bases if base.keyword is None))),
        tuple((attr, tuple(dict.fromkeys(refs)))
              for attr, refs in attributes.get(node, {}).items()))
        for node, defined_in in data.classes]
    return Summaries(functions, classes, {name: tuple(dict.fromkeys(refs))
                                          for name, refs in module_globals.items()})


def _inputs(raw: FunctionInputs | None, namer: _Namer, scope: Scope,
            locate: Callable[[cst.CSTNode], Location]) -> InputSummary:
    """A function's tool-input facts with positions and references."""
    if raw is None:
        return InputSummary()
    return InputSummary(
        tuple(InputSink(param, use.code, use.label, use.name, use.tail, locate(call).line, need,
                        results)
              for param, use, call, need, results in raw.sinks),
        tuple(InputCall(locate(call), namer.refs(callee, scope), _text(callee), args, index,
                        results)
              for call, callee, args, index, results in raw.calls),
        raw.returns, raw.guards, raw.returned_calls)


class _Derived:
    """Which of a function's parameters an expression derives from: named in it, or
    through locals assigned from expressions that name them (two levels); a local name's
    answer is worked out once."""

    def __init__(self) -> None:
        self._names: dict[tuple[int, str], frozenset[str]] = {}

    def of(self, expr: cst.BaseExpression, scope: Scope, depth: int = 0) -> set[str]:
        found: set[str] = set()
        for name in mentioned_names(expr, lambdas=False, format_specs=False):
            found |= self._name(name.value, scope, depth)
        return found

    def _name(self, name: str, scope: Scope, depth: int) -> frozenset[str]:
        key = (id(scope), name)
        known = self._names.get(key)
        if known is not None:
            return known
        self._names[key] = frozenset()  # a name assigned from itself ends here
        found: set[str] = set()
        bindings = scope.bindings.get(name, ())
        for binding in bindings:
            if binding.kind == "param":
                found.add(name)
            elif binding.value is not None and depth < 2:
                found |= self.of(binding.value, scope, depth + 1)
        result = frozenset(found)
        self._names[key] = result
        return result

    def arguments(self, call: cst.Call, scope: Scope) -> tuple[tuple[str, tuple[str, ...]], ...]:
        """Per argument (its position as a string, or its keyword), the parameters it
        derives from; only for a function with parameters."""
        if scope.kind != "function" or not any(
                b.kind == "param" for bindings in scope.bindings.values() for b in bindings):
            return ()
        found: list[tuple[str, tuple[str, ...]]] = []
        for position, arg in enumerate(call.args):
            if arg.star:
                continue
            derived = self.of(arg.value, scope)
            if derived:
                key = arg.keyword.value if arg.keyword is not None else str(position)
                found.append((key, tuple(sorted(derived))))
        return tuple(found)


def _arguments(call: cst.Call) -> tuple[int, tuple[str, ...]]:
    """How many positional arguments a call passes (-1 with `*args`), and its keywords."""
    positional = 0
    keywords: list[str] = []
    for arg in call.args:
        if arg.star == "**":
            keywords.append("**")
        elif arg.star == "*":
            positional = -1
        elif arg.keyword is not None:
            keywords.append(arg.keyword.value)
        elif positional >= 0:
            positional += 1
    return positional, tuple(keywords)


def _decorator_head(expr: cst.BaseExpression) -> cst.BaseExpression:
    return expr.func if isinstance(expr, cst.Call) else expr


def _yielded(namer: _Namer, value: cst.BaseExpression, scope: Scope,
             depth: int = 0) -> list[tuple[str, tuple[Ref, ...]]]:
    """A lifespan's context by key: a dict literal's entries, a constructor's keywords."""
    found: list[tuple[str, tuple[Ref, ...]]] = [("", namer.refs(value, scope))]
    if isinstance(value, cst.Dict):
        for element in value.elements:
            if isinstance(element, cst.DictElement):
                key = _literal(element.key)
                if key is not None:
                    found.append((key, namer.refs(element.value, scope)))
    elif isinstance(value, cst.Call):
        for arg in value.args:
            if arg.keyword is not None:
                found.append((arg.keyword.value, namer.refs(arg.value, scope)))
    elif isinstance(value, cst.Name) and depth < 2:
        located = scope.lookup(value.value)
        if located is not None:
            for binding in located[1]:
                if binding.value is not None:
                    found.extend(_yielded(namer, binding.value, located[0], depth + 1))
    return [(key, refs) for key, refs in found if refs]


def _text(func: cst.BaseExpression) -> str:
    """The callee as written, on one line, shortened (`ctx.lifespan_context["r"].get`)."""
    name = dotted(func)
    if name is not None:
        return name
    text = " ".join(cst.Module([]).code_for_node(func).split())
    return text if len(text) <= 60 else "..." + text[-57:]




__all__ = ["Summaries", "SummaryInput", "summarize"]
