"""The FML901-905 findings at one call of a tool, shared by the five rules.

A rule sees one file. At a sink in the tool it reports as before; when project functions the
tool called before may guard the input, or a local name is derived only if a project
function returns what it was given, the finding carries the condition `TOOL_INPUT_THROUGH`
with what the project phase must look up. At a call of what may be a project function given
tool input, it reports a finding whose whole text (`VIA`) the project phase writes if the
input reaches one of the rule's sinks through the project (`project/tool_input.py`).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, NamedTuple

import libcst as cst

from fastmcp_preflight.model.dataflow import Taint, call_arguments
from fastmcp_preflight.model.input_summary import function_inputs
from fastmcp_preflight.model.scopes import Scope
from fastmcp_preflight.model.sinks import reached, sink_uses
from fastmcp_preflight.project.facts import TOOL_INPUT_THROUGH, VIA

if TYPE_CHECKING:
    from collections.abc import Callable

    from fastmcp_preflight.model.file_model import FileModel
    from fastmcp_preflight.source.positions import Positions


class ToolInputFinding(NamedTuple):
    call: cst.Call
    message: str
    #: "" for none (the rule's tool condition applies), else a `TOOL_INPUT_THROUGH` one.
    condition: str


def findings(code: str, function: cst.FunctionDef, scope: Scope, model: FileModel,
             positions: Positions, path: str, tool_condition: str) -> list[ToolInputFinding]:
    """What rule `code` reports in the own body of a tool function (the five rules'
    findings in a function are worked out once)."""
    every = model.tool_input_memo.get(function)
    if every is None:
        every = model.tool_input_memo[function] = [
            (call, *found) for call in model.tool_calls(function)
            for found in _findings(call, scope, model, positions, path, tool_condition)]
    local = {call for call, rule, _, _, _ in every if rule == code}
    # a call that is a sink of the rule itself is reported as one, not also through
    return [ToolInputFinding(call, message, condition.replace(_CODE, code))
            for call, rule, message, condition, codes in every
            if rule == code or (not rule and call not in local
                                and (codes is None or code in codes))]


#: Where the condition of a finding through the project names the rule.
_CODE = "<<code>>"


def _findings(call: cst.Call, scope: Scope, model: FileModel, positions: Positions,
              path: str, tool_condition: str
              ) -> list[tuple[str, str, str, frozenset[str] | None]]:
    """(the rule or "" for every rule, message, condition, the rules a finding through
    the project may be of: None for any)."""
    function = scope.node
    qualified = (model.qualified_name(function) if isinstance(function, cst.FunctionDef)
                 else None)
    found: list[tuple[str, str, str, frozenset[str] | None]] = []
    for use in sink_uses(call, scope, model):
        taint = reached(use, lambda value: model.taint_of(value, call),
                        lambda t: model.unchecked(t, call))
        if taint is None:
            continue
        message = taint.reaches(use.label, lambda node: positions.of(node).line) + use.tail
        condition = ""
        if qualified is not None:
            details = _details(call, taint.parameters, taint.via, model)
            if details:
                details["p"] = list(taint.parameters)
                condition = _condition(path, qualified, details, tool_condition)
        found.append((use.code, message, condition, None))
    target = model.flows.project_call(call)
    if target is None or qualified is None:
        return found
    codes = _same_file_codes(target[0], scope, model)
    if codes is not None and not codes:
        return found
    args: list[list[Any]] = []
    for key, value in call_arguments(call, target[1]):
        taint = model.taint_of(value, call)
        left = None if taint is None else model.unchecked(taint, call)
        if left is None:
            continue
        if not left.via:
            args.append([key, list(left.parameters), left.flags])
        elif returns := _returns(left.via, model):
            # the result of other project calls: what the tool passes in is no building
            args.append([key, list(left.parameters), "", returns])
    if args:
        details = _details(call, [p for arg in args for p in arg[1]], (), model)
        details.update({"c": _CODE, "k": model.flows.project_call_index(call), "a": args})
        found.append(("", VIA, _condition(path, qualified, details, tool_condition), codes))
    return found


def _same_file_codes(callee: cst.BaseExpression, scope: Scope,
                     model: FileModel) -> frozenset[str] | None:
    """For a callee this file defines (a function, or a method of the tool's own class)
    that calls nothing it could pass tool input on to: the rules of the sinks it has, so
    that the other rules report nothing through it. None when it may reach further."""
    function: cst.CSTNode | None = None
    if type(callee) is cst.Name:
        found = scope.lookup(callee.value)
        if found is not None and len(found[1]) == 1 and found[1][0].kind == "def":
            function = found[1][0].node
    elif (type(callee) is cst.Attribute and type(callee.value) is cst.Name
          and callee.value.value == "self" and scope.parent is not None
          and scope.parent.kind == "class"):
        owner = scope.parent.node
        assert isinstance(owner, cst.ClassDef)
        function = next((s for s in owner.body.body if type(s) is cst.FunctionDef
                         and s.name.value == callee.attr.value), None)
    own = model.scopes.get(function) if isinstance(function, cst.FunctionDef) else None
    if own is None or not isinstance(function, cst.FunctionDef):
        return None
    inputs = function_inputs(model, function, own)
    if inputs is None:
        return frozenset()
    if inputs.calls:
        return None
    return frozenset(use.code for _, use, _, _, _ in inputs.sinks)


def _details(at: cst.Call, parameters: Any, via: tuple[cst.Call, ...],
             model: FileModel) -> dict[str, Any]:
    """The project calls the finding depends on: `g` those made before `at` that are
    given its parameters (each may be a guard), `r` those whose result the value is (one
    must return what it was given)."""
    wanted = set(parameters)
    details: dict[str, Any] = {}
    guards = []
    for call in model.flows.project_calls_before(at):
        specs = _specs(call, model, lambda taint: bool(wanted & set(taint.parameters)))
        if specs:
            guards.append([model.flows.project_call_index(call), [s for s, _ in specs]])
    if guards:
        details["g"] = guards
    if via:
        details["r"] = _returns(via, model)
    return details


def _returns(via: tuple[cst.Call, ...], model: FileModel) -> list[list[Any]]:
    """The calls whose result a value is, each with the arguments given tool input (one
    must return a value derived from it): `[key, parameters]`, and for an argument that is
    itself the result of such calls `[key, parameters, their returns]`."""
    returns = []
    for call in via:
        specs = _specs(call, model, lambda taint: True)
        for spec, taint in specs:
            if taint.via:
                spec.append(_returns(taint.via, model))
        if specs:
            returns.append([model.flows.project_call_index(call), [s for s, _ in specs]])
    return returns


def _specs(call: cst.Call, model: FileModel,
           keep: Callable[[Taint], bool]) -> list[tuple[list[Any], Taint]]:
    target = model.flows.project_call(call)
    if target is None:
        return []
    specs = []
    for key, value in call_arguments(call, target[1]):
        taint = model.taint_of(value, call)
        if taint is not None and keep(taint):
            specs.append(([key, list(taint.parameters)], taint))
    return specs


def _condition(path: str, qualified: str, details: dict[str, Any], tool_condition: str) -> str:
    if tool_condition:
        details["t"] = tool_condition
    return f"{TOOL_INPUT_THROUGH}:{path}#{qualified}:" + json.dumps(
        details, separators=(",", ":"), sort_keys=True)


__all__ = ["ToolInputFinding", "findings"]
