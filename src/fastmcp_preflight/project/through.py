"""Conditions that existing file rules' findings hold under "through the project" (RULES.md):
answered from the project index, with the text that completes the finding's message.

A file rule sees one file. When whether it should report depends on other files (a helper
that mutates module state is reported only if a request path of another module calls it,
FML301; a tool's mutable default only if another module calls the tool directly, FML703),
it reports with one of these conditions and writes `VIA` where the message names what the
project shows. The engine answers the condition from the current facts of every file of the
project on each run, so the finding follows the other files (warm, cold, pre-commit alike).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from fastmcp_preflight.project.facts import (
    CALLED_DIRECTLY,
    CLIENT_THROUGH_HELPER,
    ON_REQUEST_PATH,
    TOOL_INPUT_THROUGH,
    FileFacts,
    Via,
    import_graph_of,
    index_of,
    registered_targets,
)
from fastmcp_preflight.project.index import MAX_DEPTH, ChainStep, ProjectIndex
from fastmcp_preflight.project.tool_input import tool_input_through


def _prefix(f: FileFacts) -> str:
    return f.module or f.path


def _entries(files: Sequence[FileFacts], index: ProjectIndex
             ) -> dict[str, tuple[str, str, int]]:
    """The project's request entry points by index name: (label, path, line)."""
    found: dict[str, tuple[str, str, int]] = {}
    for f in files:
        for qual, label in f.entries:
            name = f"{_prefix(f)}.{qual}"
            summary = index.function(name)
            if summary is not None:
                found.setdefault(name, (label, f.path, summary.location.line))
    by_path = {f.path: f for f in files}
    for fact, path, qual in registered_targets(files, import_graph_of(files)):
        name = f"{_prefix(by_path[path])}.{qual}"
        summary = index.function(name)
        if summary is not None:
            found.setdefault(name, (f"{fact.kind} `{qual.rpartition('.')[2]}`", path,
                                    summary.location.line))
    return found


def _step(name: str) -> str:
    return name.rpartition(".")[2] + "()"


def on_request_path(files: Sequence[FileFacts]) -> Mapping[str, bool | Via]:
    """Per function (`path#qualname`), whether a request path of the project reaches it:
    a tool, resource, prompt or web route handler, or a function one of those calls through
    the project (at most `MAX_DEPTH` calls); the answer names the shortest such path."""
    index = index_of(files)
    entries = _entries(files, index)
    paths: dict[str, tuple[ChainStep, ...]] = {
        name: (ChainStep(path, line, label),) for name, (label, path, line) in entries.items()}
    frontier = list(paths)
    for _ in range(MAX_DEPTH):
        following: list[str] = []
        for caller in frontier:
            for resolved in index.calls(caller):
                for callee in index.callee_functions(resolved):
                    if callee in paths:
                        continue
                    callee_path = index.path_of(callee) or ""
                    summary = index.function(callee)
                    line = summary.location.line if summary is not None else 0
                    paths[callee] = (*paths[caller], ChainStep(callee_path, line,
                                                               _step(callee)))
                    following.append(callee)
        frontier = following
    answers: dict[str, bool | Via] = {}
    prefixes = {f.path: _prefix(f) for f in files}
    for name, chain in paths.items():
        path = index.path_of(name)
        if path is None:
            continue
        qual = name[len(prefixes[path]) + 1:]
        answers[f"{path}#{qual}"] = Via(_text(chain), chain)
    return _Absent(answers)


def _text(chain: Sequence[ChainStep]) -> str:
    """Where a function runs per request, as FML301 says it: `in tool `search``, or
    `called from tool `search` (server.py:10) -> `load()` (store.py:5)` (up to the
    function's caller)."""
    steps = [f"{step.name if ' ' in step.name else '`' + step.name + '`'} "
             f"({step.path.rsplit('/', 1)[-1]}:{step.line})" for step in chain]
    return f"in {steps[0]}" if len(steps) == 1 else "called from " + " -> ".join(steps[:-1])


def called_directly(files: Sequence[FileFacts]) -> Mapping[str, bool | Via]:
    """Per function parameter (`path#qualname:name`), whether a function of another file of
    the project calls the function directly without passing it; the answer names the first
    such call."""
    index = index_of(files)
    answers: dict[str, bool | Via] = {}
    prefixes = {f.path: _prefix(f) for f in files}
    for f in files:
        for summary in f.functions:
            for caller, call in index.callers(summary.name):
                caller_path = index.path_of(caller)
                if caller_path is None or caller_path == f.path:
                    continue
                qual = summary.name[len(prefixes[f.path]) + 1:]
                key = f"{f.path}#{qual}"
                step = ChainStep(caller_path, call.location.line, call.text)
                for param_index, param in enumerate(summary.params):
                    if not _passes(call.arguments, param, param_index, qual, summary.params):
                        answers.setdefault(f"{key}:{param}", Via(
                            f"`{call.text}(...)` in {caller_path.rsplit('/', 1)[-1]}:"
                            f"{call.location.line}", (step,)))
    return _Absent(answers)


def _passes(arguments: tuple[int, tuple[str, ...]] | None, param: str, param_index: int,
            qual: str, params: tuple[str, ...]) -> bool:
    """Whether a call with `arguments` (positional count, -1 for `*args`; keywords,
    `**` for `**kwargs`) gives the parameter a value. Unknown arguments pass."""
    if arguments is None:
        return True
    positional, keywords = arguments
    if positional < 0 or "**" in keywords or param in keywords:
        return True
    bound = "." in qual and params[:1] in (("self",), ("cls",))
    return param_index - (1 if bound else 0) < positional


def client_through_helper(files: Sequence[FileFacts]) -> Mapping[str, bool | Via]:
    """Per call of a function (`path#qualname:line:column`), whether it runs a project
    function that builds a new HTTP client each time (directly, or through at most
    `MAX_DEPTH` calls); the answer is the chain to the constructor."""
    index = index_of(files)
    makers: dict[str, tuple[ChainStep, ...]] = {}
    for f in files:
        for qual, client, line in f.client_makers:
            makers.setdefault(f"{_prefix(f)}.{qual}", (ChainStep(f.path, line, client),))
    if not makers:
        return _Absent()
    functions = list(index.functions())
    for _ in range(MAX_DEPTH - 1):
        grown = False
        for function in functions:
            if function.name in makers:
                continue
            path = index.path_of(function.name) or ""
            for resolved in index.calls(function.name):
                callee = next((c for c in index.callee_functions(resolved) if c in makers),
                              None)
                if callee is not None:
                    makers[function.name] = (ChainStep(path, resolved.call.location.line,
                                                       _step(callee)), *makers[callee])
                    grown = True
                    break
        if not grown:
            break
    answers: dict[str, bool | Via] = {}
    prefixes = {f.path: _prefix(f) for f in files}
    for f in files:
        for function in f.functions:
            for resolved in index.calls(function.name):
                callee = next((c for c in index.callee_functions(resolved) if c in makers),
                              None)
                if callee is None:
                    continue
                at = resolved.call.location
                qual = function.name[len(prefixes[f.path]) + 1:]
                chain = (ChainStep(f.path, at.line, _step(callee)), *makers[callee])
                answers[f"{f.path}#{qual}:{at.line}:{at.column}"] = Via(" -> ".join(
                    [f"`{chain[0].name}`", *(f"`{step.name}` ({step.path.rsplit('/', 1)[-1]}:"
                                             f"{step.line})" for step in chain[1:])]), chain)
    return _Absent(answers)


class _Absent(dict[str, "bool | Via"]):
    """Answers where a key not held is False: the project showed no such path or call."""

    def get(self, key: str, default: object = None) -> bool | Via:
        return dict.get(self, key, False)


#: The conditions this module answers, by name (see `facts.THROUGH_NAMES`).
THROUGH_CONDITIONS: dict[str, Callable[[Sequence[FileFacts]], Mapping[str, bool | Via]]] = {
    ON_REQUEST_PATH: on_request_path,
    CALLED_DIRECTLY: called_directly,
    CLIENT_THROUGH_HELPER: client_through_helper,
    TOOL_INPUT_THROUGH: tool_input_through,
}
