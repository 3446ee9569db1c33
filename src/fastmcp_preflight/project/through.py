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

from fastmcp_preflight.project.answers import LazyAnswers
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
from fastmcp_preflight.project.index import (
    MAX_DEPTH,
    ChainStep,
    ProjectIndex,
)
from fastmcp_preflight.project.tool_input import tool_input_through


def _prefix(f: FileFacts) -> str:
    return f.module or f.path


def _answers(files: Sequence[FileFacts],
             answer: Callable[[ProjectIndex, Mapping[str, str], str], bool | Via],
             ) -> LazyAnswers:
    """The answers of a condition, each worked out when a finding asks for it, from the
    project index and each file's module prefix; a key the project shows no path or call
    for is False."""
    index = index_of(files)
    prefixes = {f.path: _prefix(f) for f in files}
    return LazyAnswers(lambda key: answer(index, prefixes, key))


def _function(prefixes: Mapping[str, str], key: str) -> tuple[str, str] | None:
    """The file's path and the index name of the function a key (`path#qualname...`)
    names."""
    path, _, qual = key.partition("#")
    prefix = prefixes.get(path)
    return None if prefix is None else (path, f"{prefix}.{qual}")


def _entries(files: Sequence[FileFacts], index: ProjectIndex
             ) -> dict[str, tuple[str, str, int]]:
    """The project's request entry points by index name: (label, path, line)."""
    found: dict[str, tuple[str, str, int]] = {}
    for f in sorted(files, key=lambda f: f.path):
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
    the project (at most `MAX_DEPTH` calls); the answer names the shortest such path (of
    equally short ones, from the entry first in path and line order)."""
    entries: dict[str, tuple[str, str, int]] | None = None

    def answer(index: ProjectIndex, prefixes: Mapping[str, str], key: str) -> bool | Via:
        nonlocal entries
        target = _function(prefixes, key)
        if target is None or index.function(target[1]) is None:
            return False
        if entries is None:
            entries = _entries(files, index)
        # Backward from the function, a level of callers at a time: `toward` is the next
        # function on the way to it.
        toward: dict[str, str | None] = {target[1]: None}
        level = [target[1]]
        for _ in range(MAX_DEPTH + 1):
            reached = [name for name in level if name in entries]
            if reached:
                start = min(reached, key=lambda name: entries[name][1:])
                label, path, line = entries[start]
                chain = [ChainStep(path, line, label)]
                name = toward[start]
                while name is not None:
                    summary = index.function(name)
                    chain.append(ChainStep(index.path_of(name) or "",
                                           summary.location.line if summary else 0,
                                           _step(name)))
                    name = toward[name]
                return Via(_text(chain), tuple(chain))
            following: list[str] = []
            for name in level:
                for caller, _call in sorted(index.callers(name),
                                            key=lambda pair: (pair[0], pair[1].location)):
                    if caller not in toward:
                        toward[caller] = name
                        following.append(caller)
            level = following
        return False

    return _answers(files, answer)


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
    such call (in path and line order)."""

    def answer(index: ProjectIndex, prefixes: Mapping[str, str], key: str) -> bool | Via:
        function_key, _, param = key.rpartition(":")
        target = _function(prefixes, function_key)
        summary = index.function(target[1]) if target is not None else None
        if target is None or summary is None or param not in summary.params:
            return False
        path, name = target
        qual = function_key.partition("#")[2]
        param_index = summary.params.index(param)
        calls = sorted(((index.path_of(caller) or "", call) for caller, call
                        in index.callers(name)), key=lambda pair: (pair[0], pair[1].location))
        for caller_path, call in calls:
            if caller_path and caller_path != path and not _passes(
                    call.arguments, param, param_index, qual, summary.params):
                step = ChainStep(caller_path, call.location.line, call.text)
                return Via(f"`{call.text}(...)` in {caller_path.rsplit('/', 1)[-1]}:"
                           f"{call.location.line}", (step,))
        return False

    return _answers(files, answer)


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
        return LazyAnswers(lambda key: False)
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
    return LazyAnswers(lambda key: answers.get(key, False))


#: The conditions this module answers, by name (see `facts.THROUGH_NAMES`).
THROUGH_CONDITIONS: dict[str, Callable[[Sequence[FileFacts]], Mapping[str, bool | Via]]] = {
    ON_REQUEST_PATH: on_request_path,
    CALLED_DIRECTLY: called_directly,
    CLIENT_THROUGH_HELPER: client_through_helper,
    TOOL_INPUT_THROUGH: tool_input_through,
}
