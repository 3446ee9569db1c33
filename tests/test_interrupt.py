"""Ctrl-C: the run stops promptly with exit 130 and one line, and leaves nothing half-done.

The command runs in a session of its own and the whole process group gets SIGINT, as a
terminal's Ctrl-C does (workers included), once linting is under way. A `--fix` run is
interrupted while it is writing files (the driver slows down the fsync between writing a
temporary file and renaming it over the original, the window where a file could be lost).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import libcst as cst
import pytest

pytestmark = [
    pytest.mark.skipif(not hasattr(os, "killpg"), reason="needs POSIX process groups"),
    pytest.mark.slow,
]

SOURCE = textwrap.dedent("""\
    import time

    from fastmcp import FastMCP

    mcp = FastMCP("server-{index}")
    ITEMS: list[int] = []


    @mcp.tool
    async def fetch_{index}(city: str, days: int = 3) -> dict:
        \"\"\"Forecast for a city over a few days, module {index}.\"\"\"
        time.sleep(0.5)
        data = {{"city": city, "days": days, "values": [1, 2, 3, {index}]}}
        for day in range(days):
            data["values"].append(day * {index} + len(city))
        return data
    """)

DRIVER = textwrap.dedent("""\
    import os, sys, time
    real_fsync = os.fsync

    def slow_fsync(fd):
        time.sleep(0.05)  # the write-then-rename of --fix takes a while: Ctrl-C lands in it
        real_fsync(fd)

    os.fsync = slow_fsync
    from fastmcp_preflight.cli import main
    main(sys.argv[1:])
""")


def _tree(root: Path, count: int) -> dict[Path, bytes]:
    (root / "pyproject.toml").write_text("[tool.fastmcp-lint]\n")
    files: dict[Path, bytes] = {}
    for index in range(count):
        path = root / f"pkg{index % 10}" / f"server_{index}.py"
        path.parent.mkdir(exist_ok=True)
        path.write_text(SOURCE.format(index=index))
        files[path] = path.read_bytes()
    return files


def _wait_for(condition, timeout: float = 60.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail("the run never got under way")
        time.sleep(0.02)


def _interrupt(root: Path, args: list[str], under_way) -> tuple[int, str, str]:  # type: ignore[no-untyped-def]
    process = subprocess.Popen(
        [sys.executable, "-c", DRIVER, *args, "."], cwd=root, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True, start_new_session=True,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
    try:
        _wait_for(lambda: under_way() or process.poll() is not None)
        assert process.poll() is None, "the run ended before it could be interrupted"
        os.killpg(process.pid, signal.SIGINT)
        out, err = process.communicate(timeout=20)  # promptly, not when the work is done
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
    return process.returncode, out, err


def _assert_clean_exit(root: Path, code: int, out: str, err: str) -> None:
    assert code == 130, err
    assert "Traceback" not in out + err, err
    assert err.strip() == "fastmcp-lint: interrupted", err
    assert not list(root.rglob("*.fastmcp-lint")), "a temporary file of --fix was left behind"
    for entry in root.rglob(".fastmcp-lint-cache/**/*.json"):
        json.loads(entry.read_text(encoding="utf-8"))  # no cache entry is half written


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_ctrl_c_while_linting_exits_130_and_leaves_no_partial_cache_entry(
        tmp_path: Path, jobs: str) -> None:
    _tree(tmp_path, 400)

    def under_way() -> bool:
        return len(list(tmp_path.glob(".fastmcp-lint-cache/**/*.json"))) >= 5

    code, out, err = _interrupt(tmp_path, ["--jobs", jobs, "--format", "concise"], under_way)
    _assert_clean_exit(tmp_path, code, out, err)
    assert out == ""  # no partial report


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_ctrl_c_while_fixing_leaves_every_file_whole(tmp_path: Path, jobs: str) -> None:
    # On a loaded machine the signal has (rarely) been seen to arrive only after the run;
    # up to three fresh trees are tried, and the last attempt must succeed.
    for attempt in range(3):
        root = tmp_path / f"attempt{attempt}"
        root.mkdir()
        originals = _tree(root, 120)

        def changed(originals: dict[Path, bytes] = originals) -> list[Path]:
            return [path for path, data in originals.items() if path.read_bytes() != data]

        code, out, err = _interrupt(root, ["--jobs", jobs, "--fix", "--format", "concise"],
                                    lambda: len(changed()) >= 3)
        if code == 130 or attempt == 2:
            break
    tmp_path = root
    _assert_clean_exit(tmp_path, code, out, err)
    fixed = changed()
    assert 3 <= len(fixed) < len(originals), "the interrupt should land halfway through"
    for path in fixed:  # each file is either untouched or completely fixed, never half
        text = path.read_text(encoding="utf-8")
        cst.parse_module(text)
        assert "await asyncio.sleep(0.5)" in text and "import asyncio" in text
