"""Per-function and per-class summaries: the part of a file's facts the project index joins.

Plain named tuples of strings, numbers and tuples, so that they pickle, go to the cache as
JSON arrays, and are cheap to rebuild for every file of a project in a pre-commit run.

A value is described by a *reference* (`Ref`): a base, then operations, as a tuple of
strings, which the project index evaluates once it knows every file:

- bases: `g:dotted.name` (an imported name, or a module-level name of a project module:
  `pkg.store.load`, `boto3.client`), `self` (the instance, or the class in a classmethod, of
  the class the function is a method of), `super` (`super()`), `t:dotted.name` (a value
  annotated with that type), `ctx` (a lifespan context: `ctx.lifespan_context`,
  `ctx.request_context.lifespan_context`, any `.lifespan_context`);
- operations: `.name` (an attribute), `()` (a call), `[key]` (a subscript with a string
  literal, or `.get("key")`).

So `self.s3.get_object` is `("self", ".s3", ".get_object")` and
`boto3.client("s3").list_buckets` is `("g:boto3.client", "()", ".list_buckets")`.
A parameter without an annotation, a loop variable and anything else the file alone cannot
name has no reference: it is not tracked.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from fastmcp_preflight.project.records import Location

Ref = tuple[str, ...]


class CallSummary(NamedTuple):
    """A call in a function's own body (not in a nested `def`, `lambda` or class body)."""

    location: Location
    #: What is called: one reference per way the callee may have been bound.
    callee: tuple[Ref, ...]
    #: The callee as written (`self.s3.get_object`, `load`), for messages.
    text: str
    #: `await f(...)`: the callee is a coroutine function, never a blocking call.
    awaited: bool = False
    #: The first positional argument when it is a string literal (`boto3.client("s3")`).
    literal: str | None = None
    #: How many positional arguments it passes (-1: a `*args` among them) and the keywords
    #: it names (`**` for a `**kwargs`), for which parameters a direct call leaves out.
    arguments: tuple[int, tuple[str, ...]] | None = None
    #: Which of the caller's parameters each argument derives from: (the argument's
    #: position as a string, or its keyword; the parameters), for arguments that derive
    #: from any (the parameter itself, or a local assigned from an expression using it).
    args: tuple[tuple[str, tuple[str, ...]], ...] = ()


class InputSink(NamedTuple):
    """A sink of tool input (FML901-905) that a parameter reaches unchecked in the
    function's own body."""

    param: str
    code: str
    #: How the message names the sink, how a chain names the call, the message's rest.
    label: str
    name: str
    tail: str
    line: int
    #: What the value the caller passes must also be ("path", "starts", "built"; "": no
    #: more), judged on the expression the tool passes in.
    need: str
    #: The places (see `InputCall.place`) of the calls whose result reaches the sink, one of
    #: which must return a value derived from what it was given; empty: the parameter
    #: reaches it directly.
    results: tuple[int, ...] = ()


class InputCall(NamedTuple):
    """A call of what may be a project function (also offloaded: `asyncio.to_thread(f,
    x)`) that is given values derived from the function's parameters."""

    location: Location
    callee: tuple[Ref, ...]
    text: str
    #: Per argument derived from parameters that no check before the call covers: its key
    #: (the callee's own position as a string, or the keyword), the parameters, and flags:
    #: `s` it begins with the parameter, `b` string building, `p` a path object.
    args: tuple[tuple[str, tuple[str, ...], str], ...]
    #: Its place among the calls of what may be project functions in the function's own
    #: body, in source order: how a finding of the tool names it without a position.
    place: int = 0
    #: Per argument that is the result of calls of what may be project functions (RULES.md:
    #: derived if one returns a value derived from what it was given): its key, the
    #: parameters those calls were given, unchecked, and the calls' places.
    results: tuple[tuple[str, tuple[str, ...], tuple[int, ...]], ...] = ()


class InputSummary(NamedTuple):
    """Where a function's parameters go, for tool input followed through the project
    (RULES.md, FML9xx)."""

    sinks: tuple[InputSink, ...] = ()
    calls: tuple[InputCall, ...] = ()
    #: The parameters its return values derive from with no check before the `return`.
    returns: tuple[str, ...] = ()
    #: The parameters it raises or returns early for unless they pass a check.
    guards: tuple[str, ...] = ()
    #: The calls (their `place`, among `calls`) whose results it returns: it returns what
    #: it was given if their callees do.
    returned_calls: tuple[int, ...] = ()


_NO_INPUTS = InputSummary()


class FunctionSummary(NamedTuple):
    """A function or method: `module.qualname` (`pkg.store.Store.load`,
    `pkg.tools.make.<locals>.inner`)."""

    name: str
    is_async: bool
    location: Location
    params: tuple[str, ...]
    calls: tuple[CallSummary, ...]
    #: What it returns (its `return` values, and its return annotation as `t:`).
    returns: tuple[Ref, ...] = ()
    #: Its decorators' dotted names (`contextlib.asynccontextmanager`).
    decorators: tuple[str, ...] = ()
    #: What it yields, by key, when it yields a dict literal or a constructor call with
    #: keywords (a lifespan's context); "" holds the yielded value itself.
    yields: tuple[tuple[str, tuple[Ref, ...]], ...] = ()
    #: The parameters its return values derive from.
    returns_params: tuple[str, ...] = ()
    #: Where its parameters go (FML9xx through the project).
    inputs: InputSummary = _NO_INPUTS


class ClassSummary(NamedTuple):
    """A class (`module.qualname`), its bases' dotted names, and what its attributes hold:
    `self.x = ...` in any method, class-body assignments and annotated (dataclass) fields."""

    name: str
    location: Location
    bases: tuple[str, ...]
    attributes: tuple[tuple[str, tuple[Ref, ...]], ...] = ()


def functions_to_json(functions: list[FunctionSummary]) -> list[Any]:
    return [[f.name, f.is_async, list(f.location), f.params,
             [[list(c.location), c.callee, c.text, c.awaited, c.literal, c.arguments, c.args]
              for c in f.calls],
             f.returns, f.decorators, f.yields, f.returns_params, _inputs_to_json(f.inputs)]
            for f in functions]


def _inputs_to_json(inputs: InputSummary) -> list[Any] | None:
    if inputs == _NO_INPUTS:
        return None
    return [[list(sink) for sink in inputs.sinks],
            [[list(c.location), c.callee, c.text, c.args, c.place, c.results]
             for c in inputs.calls],
            inputs.returns, inputs.guards, inputs.returned_calls]


def _inputs_from_json(data: list[Any] | None) -> InputSummary:
    if not data:
        return _NO_INPUTS
    sinks, calls, returns, guards, returned_calls = data
    return InputSummary(
        tuple(InputSink(param, code, label, name, tail, line, need, tuple(results))
              for param, code, label, name, tail, line, need, results in sinks),
        tuple(InputCall(Location(*at), _refs(callee), text,
                        tuple((key, tuple(params), flags) for key, params, flags in args),
                        place, tuple((key, tuple(params), tuple(places))
                                     for key, params, places in results))
              for at, callee, text, args, place, results in calls),
        tuple(returns), tuple(guards), tuple(returned_calls))


def functions_from_json(data: list[Any]) -> list[FunctionSummary]:
    return [FunctionSummary(
        name, is_async, Location(*at), tuple(params),
        tuple(CallSummary(Location(*c[0]), _refs(c[1]), c[2], c[3], c[4], _arguments(c[5:]),
                          tuple((key, tuple(names)) for key, names in (c[6:7] or [()])[0]))
              for c in calls),
        _refs(returns), tuple(decorators),
        tuple((key, _refs(refs)) for key, refs in yields), tuple(returns_params),
        _inputs_from_json(rest[0] if rest else None))
        for name, is_async, at, params, calls, returns, decorators, yields, returns_params,
        *rest in data]


def classes_to_json(classes: list[ClassSummary]) -> list[Any]:
    return [[c.name, list(c.location), c.bases, c.attributes] for c in classes]


def classes_from_json(data: list[Any]) -> list[ClassSummary]:
    return [ClassSummary(name, Location(*at), tuple(bases),
                         tuple((attr, _refs(refs)) for attr, refs in attributes))
            for name, at, bases, attributes in data]


def globals_from_json(data: dict[str, Any]) -> dict[str, tuple[Ref, ...]]:
    return {name: _refs(refs) for name, refs in data.items()}


def _arguments(data: list[Any]) -> tuple[int, tuple[str, ...]] | None:
    """A call's arguments from the cache (absent in older entries)."""
    return (data[0][0], tuple(data[0][1])) if data and data[0] else None


def _refs(data: Any) -> tuple[Ref, ...]:
    return tuple(tuple(ref) for ref in data)
