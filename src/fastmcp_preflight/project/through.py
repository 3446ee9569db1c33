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
    FileFacts,
    Via,
    import_graph_of,
    index_of,
    registered_targets,
)
from fastmcp_preflight.project.index import MAX_DEPTH, ChainStep, ProjectIndex


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
    """`load()` for a function or method, `ApiClient()` for a class's `__init__`."""
    head, _, last = name.rpartition(".")
    return (head.rpartition(".")[2] if last == "__init__" and head else last) + "()"


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
    """Per call of a function (`path#qualname:line:column:end_line:end_column`), whether
    it runs a project function that builds a new HTTP client each time (directly, or
    through at most `MAX_DEPTH` calls; a class's constructor counts for its instantiation);
    the answer is the chain to the constructor. Walks backward from the functions that
    build one, through the project's callers, so a project with none costs nothing."""
    index = index_of(files)
    makers: dict[str, tuple[ChainStep, ...]] = {}
    for f in index.files:  # by path: the chain an answer names must not depend on file order
        for qual, client, line in f.client_makers:
            makers.setdefault(f"{_prefix(f)}.{qual}", (ChainStep(f.path, line, client),))
    if not makers:
        return _Absent()
    prefixes = {f.path: _prefix(f) for f in files}
    once = {(f"{_prefix(f)}.{qual}", *span) for f in index.files for qual, *span in f.once_calls}
    answers: dict[str, bool | Via] = {}
    frontier = list(makers)
    for depth in range(MAX_DEPTH):
        following: list[str] = []
        for callee in frontier:
            for caller, call in index.callers(callee):
                path = index.path_of(caller)
                if path is None or (caller, *call.location) in once:
                    continue  # a lazy initialisation or a refresh under a lock
                chain = (ChainStep(path, call.location.line, _step(callee)), *makers[callee])
                at = call.location
                answers.setdefault(
                    f"{path}#{caller[len(prefixes[path]) + 1:]}:{at.line}:{at.column}:"
                    f"{at.end_line}:{at.end_column}",
                    Via(" -> ".join([f"`{chain[0].name}`", *(
                        f"`{step.name}` ({step.path.rsplit('/', 1)[-1]}:{step.line})"
                        for step in chain[1:])]), chain))
                if caller not in makers and depth < MAX_DEPTH - 1:
                    makers[caller] = chain
                    following.append(caller)
        frontier = following
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
}
