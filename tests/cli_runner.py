"""Run the command line in-process, as a user would, and capture what it prints."""

from __future__ import annotations

import pytest

from fastmcp_preflight.cli import main


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """Exit status, stdout and stderr of `fastmcp-lint ARGS`."""
    with pytest.raises(SystemExit) as exited:
        main(args)
    out, err = capsys.readouterr()
    code = exited.value.code
    return (code if isinstance(code, int) else 0), out, err
