"""The dangerous sinks of tool input (RULES.md, FML901-905), recognised in one place.

The five FML9xx rules ask it which sink a call of a tool is, and the project summaries ask
it which sinks a helper's parameters reach (see `input_summary.py`), so that a sink found in
a helper of another module is the same sink a rule finds in a tool.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, NamedTuple

import libcst as cst

from fastmcp_preflight.model.dataflow import Taint, call_label
from fastmcp_preflight.model.file_model import dotted, keyword, positional, string_value
from fastmcp_preflight.model.scopes import Scope

if TYPE_CHECKING:
    from fastmcp_preflight.model.file_model import FileModel


class SinkUse(NamedTuple):
    """A call that is a sink of one rule, and the argument values that reach it."""

    code: str
    #: How the message names the sink ("the shell of `os.system(...)`").
    label: str
    #: How a chain names the call (`os.system`).
    name: str
    values: tuple[cst.BaseExpression, ...]
    #: What a value must also be to reach it: "" nothing more, "path" a path object (a
    #: `pathlib` method's receiver), "starts" begin with tool input (a URL's scheme and
    #: host), "built" string building (SQL text).
    need: str
    #: The rest of the message after "tool parameter `x` reaches <label>".
    tail: str


# -- FML901 -----------------------------------------------------------------------------------

_SHELL_FUNCTIONS = frozenset({
    "os.system", "os.popen", "subprocess.getoutput", "subprocess.getstatusoutput",
    "asyncio.create_subprocess_shell",
})
_SHELL_OPTION = frozenset({
    "subprocess.run", "subprocess.call", "subprocess.check_call", "subprocess.check_output",
    "subprocess.Popen",
})
_EXEC = "asyncio.create_subprocess_exec"
_POSIX_SHELLS = frozenset({"sh", "bash", "zsh", "dash", "ksh"})
_POWERSHELLS = frozenset({"powershell", "powershell.exe", "pwsh", "pwsh.exe"})
_CMD = frozenset({"cmd", "cmd.exe"})
_SHELL_TAIL = " with no allow-list check: the shell runs any command it contains"


def _program(text: str) -> str:
    return text.replace("\\", "/").rsplit("/", 1)[-1].lower()


def _is_command_flag(program: str, flag: str) -> bool:
    """`-c` (also combined, `-lc`, `-ec`) for a POSIX shell, `-Command`/`-c` for
    PowerShell, `/c` for cmd."""
    if program in _POSIX_SHELLS:
        return (flag.startswith("-") and not flag.startswith("--") and "c" in flag[1:]
                and flag[1:].isalpha())
    if program in _POWERSHELLS:
        return flag.lower() in ("-command", "-c")
    return program in _CMD and flag.lower() == "/c"


def _command_after_flag(elements: list[cst.BaseExpression]) -> cst.BaseExpression | None:
    """In an argument list that starts a shell interpreter with its command flag, the
    command string right after the flag; None for any other argument list."""
    program = string_value(elements[0]) if elements else None
    if program is None:
        return None
    name = _program(program)
    if name not in _POSIX_SHELLS | _POWERSHELLS | _CMD:
        return None
    for index, element in enumerate(elements[1:], start=1):
        flag = string_value(element)
        if flag is None:
            return None  # an option that is not a literal: where the command is, is unknown
        if _is_command_flag(name, flag):
            return elements[index + 1] if index + 1 < len(elements) else None
    return None


def _shell_true(call: cst.Call) -> bool:
    arg = keyword(call, "shell")
    return arg is not None and isinstance(arg.value, cst.Name) and arg.value.value == "True"


def _list_of(name: cst.Name, scope: Scope) -> cst.BaseExpression | None:
    """The list display a local name is bound to once (`cmd = ["sh", "-c", text]`)."""
    found = scope.lookup(name.value)
    if found is None or found[0] is not scope or len(found[1]) != 1:
        return None
    return found[1][0].value


def _shell(call: cst.Call, resolved: str | None, scope: Scope) -> SinkUse | None:
    if resolved in _SHELL_FUNCTIONS or (resolved in _SHELL_OPTION and _shell_true(call)):
        shell = ", shell=True" if resolved in _SHELL_OPTION else ""
        arg = (positional(call, 0) or keyword(call, "args") or keyword(call, "cmd")
               or keyword(call, "command"))
        if arg is None:
            return None
        label = call_label(call, resolved)
        return SinkUse("FML901", f"the shell of `{label}(...{shell})`", label, (arg.value,),
                       "", _SHELL_TAIL)
    if resolved not in _SHELL_OPTION and resolved != _EXEC:
        return None
    # `subprocess.run(["bash", "-c", command])`, `create_subprocess_exec("sh", "-c",
    # command)`: the command string right after the flag goes to a shell.
    if resolved == _EXEC:
        if any(arg.star for arg in call.args if arg.keyword is None):
            return None
        elements = [arg.value for arg in call.args if arg.keyword is None]
    else:
        arg = positional(call, 0) or keyword(call, "args")
        value = arg.value if arg is not None else None
        if isinstance(value, cst.Name):
            value = _list_of(value, scope)
        if not isinstance(value, (cst.List, cst.Tuple)) or any(
                isinstance(e, cst.StarredElement) for e in value.elements):
            return None
        elements = [e.value for e in value.elements]
    command = _command_after_flag(elements)
    if command is None:
        return None
    label = call_label(call, resolved)
    return SinkUse("FML901", f"the shell command of `{label}(...)` "
                             f"(`{string_value(elements[0])}` with its command flag)",
                   label, (command,), "", _SHELL_TAIL)


# -- FML902 -----------------------------------------------------------------------------------

_ONE_PATH = frozenset({
    "builtins.open", "io.open", "os.open", "os.remove", "os.unlink", "os.rmdir", "os.mkdir",
    "os.makedirs", "os.listdir", "os.scandir", "shutil.rmtree", "aiofiles.open",
    "anyio.open_file",
})
_TWO_PATHS = frozenset({
    "os.rename", "os.replace", "shutil.copy", "shutil.copy2", "shutil.copyfile",
    "shutil.copytree", "shutil.move",
})
_PATH_KEYWORDS = ("file", "path", "name", "src", "dst")
_PATH_METHODS = frozenset({
    "read_text", "read_bytes", "write_text", "write_bytes", "open", "unlink", "rmdir", "mkdir",
    "iterdir", "glob", "rglob",
})


def _path(call: cst.Call, resolved: str | None) -> SinkUse | None:
    if resolved in _ONE_PATH or resolved in _TWO_PATHS:
        count = 2 if resolved in _TWO_PATHS else 1
        paths = [arg.value for index in range(count)
                 if (arg := positional(call, index)) is not None]
        paths += [arg.value for key in _PATH_KEYWORDS if (arg := keyword(call, key)) is not None]
        need = ""
    elif (resolved is None and isinstance(call.func, cst.Attribute)
          and call.func.attr.value in _PATH_METHODS):
        paths = [call.func.value]
        need = "path"
    else:
        return None
    label = call_label(call, resolved)
    return SinkUse("FML902", f"`{label}()`", label, tuple(paths), need,
                   " with no containment check")


# -- FML903 -----------------------------------------------------------------------------------

_HTTP_METHODS = frozenset({"get", "post", "put", "patch", "delete", "head", "options",
                           "request", "stream"})
_METHOD_FIRST = frozenset({"request", "stream"})
_HTTP_FUNCTIONS = frozenset(
    {f"{library}.{method}" for library in ("requests", "requests.api", "httpx", "httpx2")
     for method in _HTTP_METHODS} | {"urllib.request.urlopen"})


def _url(call: cst.Call, resolved: str | None, scope: Scope,
         model: FileModel) -> SinkUse | None:
    func = call.func
    if resolved in _HTTP_FUNCTIONS:
        method = resolved.rsplit(".", 1)[1] if resolved else ""
    elif (isinstance(func, cst.Attribute) and func.attr.value in _HTTP_METHODS
          and model.client_libraries(func.value, scope)):
        method = func.attr.value
    else:
        return None
    arg = keyword(call, "url") or positional(call, 1 if method in _METHOD_FIRST else 0)
    if arg is None:
        return None
    label = call_label(call, resolved)
    return SinkUse("FML903", f"the scheme and host of the URL of `{label}()`", label,
                   (arg.value,), "starts", " with no allow-list check")


# -- FML904 -----------------------------------------------------------------------------------

_RUNS = "which runs it as Python code"
_IMPORTS = "which imports (and runs) the module it names"
_LOADS = "which can run code while it loads the data"
_CODE_SINKS = {
    "builtins.eval": ("source", _RUNS),
    "builtins.exec": ("source", _RUNS),
    "builtins.compile": ("source", "which makes it code to run"),
    "builtins.__import__": ("name", _IMPORTS),
    "importlib.import_module": ("name", _IMPORTS),
    "pickle.loads": ("data", _LOADS),
    "marshal.loads": ("data", _LOADS),
    "yaml.unsafe_load": ("stream", _LOADS),
    "yaml.load": ("stream", _LOADS),
}
_SAFE_LOADERS = frozenset({"SafeLoader", "CSafeLoader"})


def _safe_yaml_loader(call: cst.Call) -> bool:
    """`yaml.load(..., Loader=yaml.SafeLoader)` (or the loader given second)."""
    arg = keyword(call, "Loader") or positional(call, 1)
    spelled = dotted(arg.value) if arg is not None else None
    return spelled is not None and spelled.rsplit(".", 1)[-1] in _SAFE_LOADERS


def _code(call: cst.Call, resolved: str | None, model: FileModel) -> SinkUse | None:
    sink = _CODE_SINKS.get(resolved or "")
    if sink is None or (resolved == "yaml.load" and _safe_yaml_loader(call)):
        return None
    if resolved == "builtins.compile" and call in model.flow_collector.discarded:
        return None  # a syntax check: the code object is thrown away, never run
    key, effect = sink
    arg = positional(call, 0) or keyword(call, key)
    if arg is None:
        return None
    label = call_label(call, resolved)
    return SinkUse("FML904", f"`{label}()`", label, (arg.value,), "",
                   f", {effect}, with no allow-list check")


# -- FML905 -----------------------------------------------------------------------------------

_SQL_METHODS = frozenset({"execute", "executemany", "executescript", "fetch", "fetchrow",
                          "fetchval", "exec_driver_sql",
                          "query"})  # BigQuery, ClickHouse (clickhouse_connect) and Snowflake
_SQL_TEXT = frozenset({"sqlalchemy.text", "sqlalchemy.sql.text",
                       "sqlalchemy.sql.expression.text"})
_SQL_KEYWORDS = ("sql", "query", "statement", "operation", "text")


def _sql(call: cst.Call, resolved: str | None) -> SinkUse | None:
    func = call.func
    if resolved not in _SQL_TEXT and not (
            isinstance(func, cst.Attribute) and func.attr.value in _SQL_METHODS):
        return None
    arg = positional(call, 0)
    for key in _SQL_KEYWORDS:
        arg = arg or keyword(call, key)
    if arg is None:
        return None
    label = call_label(call, resolved)
    return SinkUse("FML905", f"the SQL text of `{label}()`", label, (arg.value,), "built",
                   " by string building, not as a bound parameter")


#: The last names of every sink above: a call spelled with any other name is none (an
#: alias, `from os import system as run`, is resolved first).
_NAMES = frozenset(
    name.rpartition(".")[2] for name in (
        *_SHELL_FUNCTIONS, *_SHELL_OPTION, _EXEC, *_ONE_PATH, *_TWO_PATHS, *_PATH_METHODS,
        *_HTTP_METHODS, *_HTTP_FUNCTIONS, *_CODE_SINKS, *_SQL_METHODS, *_SQL_TEXT))


def sink_uses(call: cst.Call, scope: Scope, model: FileModel) -> list[SinkUse]:
    """The sinks a call is (usually none, at most one per rule)."""
    func = call.func
    if type(func) is cst.Attribute:
        if func.attr.value not in _NAMES:
            return []
    elif type(func) is cst.Name:
        if func.value not in _NAMES and (scope.resolve_name(func.value) or "").rpartition(
                ".")[2] not in _NAMES:
            return []
    else:
        return []
    resolved = scope.resolve(func)
    found = [_shell(call, resolved, scope), _path(call, resolved),
             _url(call, resolved, scope, model), _code(call, resolved, model),
             _sql(call, resolved)]
    return [use for use in found if use is not None]


def reached(use: SinkUse, taint_of: Callable[[cst.BaseExpression], Taint | None],
            unchecked: Callable[[Taint], Taint | None]) -> Taint | None:
    """The tool input that reaches a sink unchecked (the first of its values that does),
    as the rules report it."""
    for value in use.values:
        taint = taint_of(value)
        if taint is None:
            continue
        if use.need == "starts":
            if not taint.starts:
                continue
            taint = taint.head()  # the scheme and host's parameters
        elif (use.need == "built" and not taint.built) or (use.need == "path"
                                                            and not taint.path):
            continue
        left = unchecked(taint)
        if left is not None:
            return left
    return None


__all__ = ["SinkUse", "reached", "sink_uses"]
