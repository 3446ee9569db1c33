"""Where a function's parameters go: the FML9xx part of its project summary.

A tool's input followed through the project (RULES.md, FML9xx) needs, per function, which
sinks each parameter reaches unchecked, which project calls it is passed to, whether it comes
back in a return value, and whether the function raises or returns early unless the
parameter passes a check (a guard). This replays the walk's record of the function's data
flow (`dataflow.FunctionFlow`, the one the rules use in tools) over all its parameters, so
no node is visited again; `summarize.py` turns the nodes into positions and references.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

import libcst as cst

from fastmcp_preflight.model.dataflow import FunctionFlow, call_arguments
from fastmcp_preflight.model.scopes import Scope
from fastmcp_preflight.model.sinks import SinkUse, sink_uses

if TYPE_CHECKING:
    from fastmcp_preflight.model.file_model import FileModel


class FunctionInputs(NamedTuple):
    """A function's tool-input facts, still as nodes."""

    #: (parameter, the sink, the call, what the caller's value must also be, the places of
    #: the calls whose result reaches it: one must return what it was given; none: direct)
    sinks: list[tuple[str, SinkUse, cst.Call, str, tuple[int, ...]]]
    #: (the call, the callee expression, per argument: key, parameters, flags; its place
    #: among the function's calls of what may be project functions; per argument that is
    #: the result of such calls: key, parameters, the places of those calls)
    calls: list[tuple[cst.Call, cst.BaseExpression,
                      tuple[tuple[str, tuple[str, ...], str], ...], int,
                      tuple[tuple[str, tuple[str, ...], tuple[int, ...]], ...]]]
    returns: tuple[str, ...]
    guards: tuple[str, ...]
    #: The calls whose results it returns (their places, see `InputSummary.returned_calls`).
    returned_calls: tuple[int, ...]


def function_inputs(model: FileModel, function: cst.FunctionDef,
                    scope: Scope) -> FunctionInputs | None:
    """The facts of one function, None when it has no parameters or nothing to say; worked
    out once per file (the FML9xx rules ask for the callees of tools, the project summary
    for every function)."""
    key = ("inputs", function)
    if key not in model.tool_input_memo:
        model.tool_input_memo[key] = _function_inputs(model, function, scope)
    known: FunctionInputs | None = model.tool_input_memo[key]
    return known


def _function_inputs(model: FileModel, function: cst.FunctionDef,
                     scope: Scope) -> FunctionInputs | None:
    params = function.params
    names = [p.name.value for p in [*params.posonly_params, *params.params,
                                    *params.kwonly_params]
             if p.name.value not in ("self", "cls")]
    events = model.flow_collector.events.get(function)
    if not names or not events:
        return None
    flow = FunctionFlow(events, names, scope, package=model.package)
    places = {call: index for index, call in enumerate(flow.project_calls)}
    sinks: list[tuple[str, SinkUse, cst.Call, str, tuple[int, ...]]] = []
    for call, (seq, block) in flow.calls.items():
        for use in sink_uses(call, scope, model):
            for param, (need, via) in _reaching(flow, use, seq, block).items():
                through = tuple(places[c] for c in via if c in places)
                if through or not via:
                    sinks.append((param, use, call, need, through))
    calls = []
    for index, (call, (callee, shift)) in enumerate(flow.project_calls.items()):
        seq, block = flow.calls[call]
        args = []
        results = []
        derived = False
        for key, value in call_arguments(call, shift):
            taint = flow.taint(value, seq, block)
            if taint is None:
                continue
            derived = True
            left = flow.unchecked(taint, seq)
            if left is None:
                continue
            if not taint.via:
                args.append((key, left.parameters, left.flags))
            elif through := tuple(places[c] for c in taint.via if c in places):
                # derived if one of those calls returns what it was given
                results.append((key, left.parameters, through))
        if derived:
            calls.append((call, callee, tuple(args), index, tuple(results)))
    returns = tuple(dict.fromkeys(p for taint in flow.returns if not taint.via
                                  for p in taint.parameters))
    guards = tuple(sorted(_guards(function, flow)))
    recorded = {call: index for call, _, _, index, _ in calls}
    returned_calls = tuple(dict.fromkeys(recorded[call] for taint in flow.returns
                                         for call in taint.via if call in recorded))
    if not (sinks or calls or returns or guards):
        return None
    return FunctionInputs(sinks, calls, returns, guards, returned_calls)


def _reaching(flow: FunctionFlow, use: SinkUse, seq: int, block: object
              ) -> dict[str, tuple[str, tuple[cst.Call, ...]]]:
    """The parameters that reach a sink unchecked, each with what its caller's value must
    also be for the sink to be reported, and the project calls whose result reaches it
    (none when the parameter does directly)."""
    found: dict[str, tuple[str, tuple[cst.Call, ...]]] = {}
    for value in use.values:
        taint = flow.taint(value, seq, block)  # type: ignore[arg-type]
        if taint is None:
            continue
        need = use.need
        if need == "starts":
            if not taint.leading:
                continue
            taint = taint.head()
        elif need == "path" and taint.path:
            need = ""
        if taint.via and need:
            continue  # a helper's result neither begins with the input nor is a building
        left = flow.unchecked(taint, seq)
        for param in left.parameters if left is not None else ():
            if param not in found or (found[param][1] and not taint.via):
                found[param] = (need, taint.via)
    return found


def _guards(function: cst.FunctionDef, flow: FunctionFlow) -> set[str]:
    """The parameters the function raises or returns early for unless a check passes:
    `if <check>: raise/return` (or its `else`), `assert <check>`, or a check call on a
    line of its own (`validate(p)`). Bodies are taken apart by hand: LibCST's generic
    `children` is slow."""
    found: set[str] = set()
    if not flow.guard_nodes:
        return found
    stack: list[cst.CSTNode] = [function.body]
    while stack:
        node = stack.pop()
        kind = type(node)
        if kind is cst.IndentedBlock or kind is cst.Else or kind is cst.Finally:
            body = node.body  # type: ignore[attr-defined]
            stack.extend(body.body if isinstance(body, cst.BaseSuite) else body)
        elif kind is cst.If:
            assert isinstance(node, cst.If)
            otherwise = node.orelse
            if _exits(node.body) or (isinstance(otherwise, cst.Else)
                                     and _exits(otherwise.body)):
                found |= _checked(node.test, flow)
            stack.append(node.body)
            if otherwise is not None:
                stack.append(otherwise)
        elif kind is cst.SimpleStatementLine:
            for small in node.body:  # type: ignore[attr-defined]
                if type(small) is cst.Assert:
                    found |= _checked(small.test, flow)
                elif type(small) is cst.Expr and small.value in flow.guard_nodes:
                    found |= flow.guard_nodes[small.value]
        elif kind is cst.Try or kind is cst.TryStar:
            assert isinstance(node, (cst.Try, cst.TryStar))
            stack.append(node.body)
            stack.extend(handler.body for handler in node.handlers)
            stack.extend(part for part in (node.orelse, node.finalbody) if part is not None)
        elif kind is cst.With or kind is cst.For or kind is cst.While:
            stack.append(node.body)  # type: ignore[attr-defined]
            otherwise = getattr(node, "orelse", None)
            if otherwise is not None:
                stack.append(otherwise)
    return found


_REFUSALS = (cst.SimpleString, cst.ConcatenatedString, cst.FormattedString, cst.Integer,
             cst.Dict, cst.List, cst.Tuple)


def _exits(body: cst.BaseSuite) -> bool:
    """Whether a branch refuses: it raises, or returns nothing, a constant or a message
    (`return None`, `return False`, `return f"denied: {p}"`; not `return CACHE[p]`, the
    normal path of a function that returns early when it can)."""
    for statement in body.body:
        small = statement.body if isinstance(statement, cst.SimpleStatementLine) else (
            [statement] if isinstance(statement, cst.BaseSmallStatement) else [])
        for s in small:
            if isinstance(s, cst.Raise):
                return True
            if isinstance(s, cst.Return) and (
                    s.value is None or isinstance(s.value, _REFUSALS) or (
                        isinstance(s.value, cst.Name)
                        and s.value.value in ("None", "False", "True"))):
                return True
    return False


def _checked(test: cst.BaseExpression, flow: FunctionFlow) -> set[str]:
    """The parameters the checks in a test cover (`not`, `and`/`or` taken apart)."""
    found: set[str] = set()
    stack = [test]
    while stack:
        node = stack.pop()
        guarded = flow.guard_nodes.get(node)
        if guarded is not None:
            found |= guarded
        elif type(node) is cst.UnaryOperation:
            stack.append(node.expression)
        elif type(node) is cst.BooleanOperation:
            stack.extend((node.left, node.right))
    return found


__all__ = ["FunctionInputs", "function_inputs"]
