"""`--format github`: GitHub Actions workflow commands, one annotation a diagnostic.

    ::error file=src/server.py,line=12,col=5,endLine=12,endColumn=18,title=FML101::message

The runner turns each line into an annotation on the file and line of the pull request. Paths
are relative to the repository root (where the runner's workspace is), whatever folder the
linter ran in. Values are escaped the way the runner unescapes them: in the message `%`, CR
and LF; in the properties also `:` and `,`, which would otherwise end the value.
"""

from __future__ import annotations

from fastmcp_preflight.reports.summary import RunSummary

#: fastmcp-lint severity -> workflow command.
COMMANDS = {"error": "error", "warning": "warning"}


def escape_data(text: str) -> str:
    """Escape a command's message (the runner's `escapeData`)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Escape a property value (the runner's `escapeProperty`)."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def render_github(summary: RunSummary) -> str:
    """One workflow command line per diagnostic; empty when there are none."""
    lines = []
    for d in summary.diagnostics:
        properties = {
            "file": summary.repository_path(d.path),
            "line": str(d.line),
            "col": str(d.column),
            "endLine": str(d.end_line),
            "endColumn": str(d.end_column),
            "title": d.code,
        }
        joined = ",".join(f"{key}={escape_property(value)}" for key, value in properties.items())
        lines.append(f"::{COMMANDS.get(d.severity, 'warning')} {joined}::"
                     f"{escape_data(d.message)}\n")
    return "".join(lines)
