"""Tool input through the project (RULES.md, FML9xx): the answers of `TOOL_INPUT_THROUGH`.

A finding of FML901-905 made at a call of a tool (see `model/tool_input.py`) names what it
depends on in its condition; this answers it from the summaries of the project's functions
(`InputSummary`), on every run, so the finding follows the other files. Only the findings'
own keys are worked out, walking forward from the tool's call through the callee's
parameters (at most `MAX_DEPTH` functions deep; recursion and calls that resolve to no
project function end the walk without a finding), with each answer kept for the run.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from fastmcp_preflight.project.answers import LazyAnswers
from fastmcp_preflight.project.facts import FILE_CONDITIONS, FileFacts, Via, index_of
from fastmcp_preflight.project.index import MAX_DEPTH, ChainStep, ProjectIndex, format_chain
from fastmcp_preflight.project.summaries import (
    FunctionSummary,
    InputCall,
    InputSink,
    InputSummary,
)

_Reach = tuple[tuple[ChainStep, ...], InputSink]


class _Walker:
    """Works out the findings' keys (see `answer`), with what the walks learn kept for the
    run."""

    def __init__(self, files: Sequence[FileFacts]) -> None:
        self._files = files
        self._index: ProjectIndex | None = None
        self._prefixes = {f.path: f.module or f.path for f in files}
        self._others: dict[str, Mapping[str, bool]] = {}
        self._reach: dict[tuple[str, str, str, str], _Reach | None] = {}
        self._guard: dict[tuple[str, str], bool] = {}

    def answer(self, key: str) -> bool | Via:
        try:
            return self._answer(key)
        except (ValueError, KeyError, TypeError, IndexError, AttributeError):
            return True  # a key this version did not write: keep the finding

    @property
    def index(self) -> ProjectIndex:
        if self._index is None:
            self._index = index_of(self._files)
        return self._index

    # -- one finding ------------------------------------------------------------------------

    def _answer(self, key: str) -> bool | Via:
        path, _, rest = key.partition("#")
        qualified, _, encoded = rest.partition(":")
        details: dict[str, Any] = json.loads(encoded)
        tool = details.get("t")
        if tool and not self._other(tool):
            return False
        prefix = self._prefixes.get(path)
        function = self.index.function(f"{prefix}.{qualified}") if prefix else None
        if function is None:
            return "k" not in details and "r" not in details
        calls = {c.place: c for c in function.inputs.calls}
        guarded = self._guarded(function, calls, details.get("g", ()))
        if "r" in details and self._returned(function, calls, details["r"]) is None:
            return False
        if "k" not in details:
            return any(p not in guarded for p in details.get("p", ()))
        call = calls.get(details["k"])
        if call is None:
            return False
        for callee in self._callees(call, function.name):
            for arg_key, params, flags, *results in details["a"]:
                left = [p for p in params if p not in guarded]
                param = self._param(callee, arg_key)
                if not left or param is None:
                    continue
                # the result of other calls: derived if one returns what it was given
                returned = self._returned(function, calls, results[0]) if results else ""
                if returned is None:
                    continue
                found = self._reaches(callee, param, flags, details["c"], 1, frozenset())
                if found is not None:
                    return self._via(path, call, callee, left, found, returned)
        return False

    def _other(self, condition: str) -> bool:
        """The answer of the tool's own condition (a tool another module registers)."""
        name, _, key = condition.partition(":")
        answers = self._others.get(name)
        if answers is None:
            compute: Callable[[Sequence[FileFacts]], Mapping[str, bool]] | None = (
                FILE_CONDITIONS.get(name))  # type: ignore[assignment]
            if compute is None:
                return True
            answers = self._others[name] = compute(self._files)
        return bool(answers.get(key, True))

    def _via(self, path: str, call: InputCall, callee: str, params: list[str],
             found: _Reach, returned: str) -> Via:
        """The finding's text; `returned` is the function whose result the tool passed
        ("" when it passed its input itself)."""
        steps, sink = found
        chain = (ChainStep(path, call.location.line, _call_name(callee)), *steps)
        names = ", ".join(f"`{name}`" for name in params)
        who = (f"tool parameter {names} reaches" if len(params) == 1
               else f"tool parameters {names} reach")
        first = f"`{_call_name(returned)}` and " if returned else ""
        return Via(f"{who} {sink.label} through {first}{format_chain(chain)}{sink.tail}",
                   chain)

    # -- the project ------------------------------------------------------------------------

    def _callees(self, call: InputCall, function: str) -> list[str]:
        """The project functions a call may run (a class's `__init__` for a class)."""
        return self.index.functions_called(call.callee, function)

    def _param(self, callee: str, key: str) -> str | None:
        """The callee's parameter an argument key gives a value to."""
        summary = self.index.function(callee)
        if summary is None:
            return None
        params = summary.params
        if not key.isdigit():
            return key if key in params else None
        bound = self.index.owner_class(callee) is not None and params[:1] in (
            ("self",), ("cls",))
        position = int(key) + (1 if bound else 0)
        return params[position] if position < len(params) else None

    def _guarded(self, function: FunctionSummary, calls: dict[int, InputCall],
                 guards: Sequence[Any]) -> set[str]:
        """The tool parameters a project function called before guards (RULES.md: a
        helper that raises or returns early unless its argument passes a check)."""
        found: set[str] = set()
        for index, specs in guards:
            call = calls.get(index)
            if call is None:
                continue
            for callee in self._callees(call, function.name):
                for arg_key, params in specs:
                    param = self._param(callee, arg_key)
                    if param is not None and self._guards(callee, param, 1, frozenset()):
                        found.update(params)
        return found

    def _guards(self, function: str, param: str, depth: int,
                seen: frozenset[tuple[str, str]]) -> bool:
        key = (function, param)
        known = self._guard.get(key)
        if known is not None:
            return known
        summary = self.index.function(function)
        result = False
        if summary is not None and key not in seen and depth <= MAX_DEPTH:
            inputs = summary.inputs
            result = param in inputs.guards or any(
                self._guards(callee, inner, depth + 1, seen | {key})
                for call in inputs.calls for arg_key, params, _ in call.args if param in params
                for callee in self._callees(call, function)
                if (inner := self._param(callee, arg_key)) is not None)
            if result or not seen:  # a walk cut short by recursion is not kept
                self._guard[key] = result
        return result

    def _returned(self, function: FunctionSummary, calls: dict[int, InputCall],
                  returns: Sequence[Any]) -> str | None:
        """The function, among those of the calls whose result the value is, that returns
        a value derived from what it was given (an argument that is itself the result of
        calls, `[key, params, returns]`, counts if one of those does); None if none."""
        for index, specs in returns:
            call = calls.get(index)
            if call is None:
                continue
            for callee in self._callees(call, function.name):
                for arg_key, _, *inner in specs:
                    if inner and self._returned(function, calls, inner[0]) is None:
                        continue
                    param = self._param(callee, arg_key)
                    if param is not None and self._returns(callee, param, 1, frozenset()):
                        return callee
        return None

    def _returns(self, function: str, param: str, depth: int,
                 seen: frozenset[tuple[str, str]]) -> bool:
        """Whether a function returns a value derived from a parameter, unchecked: itself,
        or through a call whose result it returns (at most `MAX_DEPTH` deep)."""
        summary = self.index.function(function)
        if summary is None or (function, param) in seen or depth > MAX_DEPTH:
            return False
        inputs = summary.inputs
        if param in inputs.returns:
            return True
        inner_seen = seen | {(function, param)}
        for call in inputs.calls:
            if call.place not in inputs.returned_calls:
                continue
            for arg_key, _ in self._carried(function, inputs, call, param, depth, inner_seen):
                for callee in self._callees(call, function):
                    inner = self._param(callee, arg_key)
                    if inner is not None and self._returns(callee, inner, depth + 1,
                                                           inner_seen):
                        return True
        return False

    def _carried(self, function: str, inputs: InputSummary, call: InputCall, param: str,
                 depth: int, seen: frozenset[tuple[str, str]]
                 ) -> Iterator[tuple[str, str | None]]:
        """The arguments of a call that carry a function's parameter: (key, flags) for
        those derived from it, (key, None) for the results of other calls of the function
        one of which returns a value derived from it."""
        for arg_key, params, flags in call.args:
            if param in params:
                yield arg_key, flags
        for arg_key, params, places in call.results:
            if param in params and self._result_of(function, inputs, places, param, depth,
                                                   seen):
                yield arg_key, None

    def _result_of(self, function: str, inputs: InputSummary, places: Sequence[int],
                   param: str, depth: int, seen: frozenset[tuple[str, str]]) -> bool:
        """Whether one of a function's calls (by place) returns a value derived from the
        parameter it was given (at most `MAX_DEPTH` calls deep)."""
        if depth > MAX_DEPTH:
            return False
        for call in inputs.calls:
            if call.place not in places:
                continue
            for arg_key, _ in self._carried(function, inputs, call, param, depth + 1, seen):
                for callee in self._callees(call, function):
                    inner = self._param(callee, arg_key)
                    if inner is not None and self._returns(callee, inner, depth + 1, seen):
                        return True
        return False

    def _reaches(self, function: str, param: str, flags: str, code: str, depth: int,
                 seen: frozenset[tuple[str, str]]) -> _Reach | None:
        """The chain from a function's parameter to a sink of rule `code` it reaches
        unchecked, the first step the function's own call or sink."""
        key = (function, param, flags, code)
        if key in self._reach:
            return self._reach[key]
        summary = self.index.function(function)
        path = self.index.path_of(function) or ""
        found: _Reach | None = None
        if summary is not None and (function, param) not in seen and depth <= MAX_DEPTH:
            inputs = summary.inputs
            inner_seen = seen | {(function, param)}
            for sink in inputs.sinks:
                if sink.param == param and sink.code == code and _meets(sink.need, flags) and (
                        not sink.results or self._result_of(function, inputs, sink.results,
                                                            param, depth, inner_seen)):
                    found = ((ChainStep(path, sink.line, sink.name),), sink)
                    break
            for call in inputs.calls if found is None else ():
                for arg_key, arg_flags in self._carried(function, inputs, call, param, depth,
                                                        inner_seen):
                    # a helper's result neither begins with the input nor is a building
                    passed = "" if arg_flags is None else _compose(flags, arg_flags)
                    for callee in self._callees(call, function):
                        inner = self._param(callee, arg_key)
                        deeper = None if inner is None else self._reaches(
                            callee, inner, passed, code, depth + 1, inner_seen)
                        if deeper is not None:
                            found = ((ChainStep(path, call.location.line, _call_name(callee)),
                                      *deeper[0]), deeper[1])
                            break
                    if found is not None:
                        break
                if found is not None:
                    break
        if found is not None or not seen:  # a walk cut short by recursion is not kept
            self._reach[key] = found
        return found


def _meets(need: str, flags: str) -> bool:
    """Whether the value the tool passed is what the sink needs (RULES.md: judged on the
    expression the tool passes in)."""
    return not need or {"path": "p", "starts": "s", "built": "b"}[need] in flags


def _compose(flags: str, passed: str) -> str:
    """What a value is after a helper passes it on: it begins with tool input if it did
    and the helper's argument begins with it; a building stays one (judged at the tool);
    a path if either is."""
    return ("s" if "s" in flags and "s" in passed else "") + (
        "b" if "b" in flags else "") + ("p" if "p" in flags or "p" in passed else "")


def _call_name(function: str) -> str:
    """`Store.load()` for a method, `load()` for a function."""
    parts = [p for p in function.split(".") if p != "<locals>"]
    if len(parts) >= 2 and parts[-2][:1].isupper():
        return ".".join(parts[-2:]) + "()"
    return parts[-1] + "()"


def tool_input_through(files: Sequence[FileFacts]) -> Mapping[str, bool | Via]:
    """The answers of `TOOL_INPUT_THROUGH` for one project (worked out per key)."""
    return LazyAnswers(_Walker(files).answer)


__all__ = ["tool_input_through"]
