"""Config target overrides reach the worker processes (FML8xx).

A run with enough files for a worker pool used to read each project's targets again in the
workers, without the run's config: `--config` with `target-fastmcp` changed nothing there.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.cli_runner import run

from fastmcp_preflight.running.scheduler import PARALLEL_MIN_FILES

#: camelCase reads are deprecated from fastmcp 4.0: seen only with the 4.x target.
CLIENT = "from fastmcp import Client\n\n\ndef error(result: object) -> object:\n" \
         "    return result.isError\n"


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_config_file_target_applies_in_every_worker(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        jobs: str) -> None:
    project = tmp_path / "project"
    project.mkdir()
    (project / "pyproject.toml").write_text(
        '[project]\nname = "p"\nversion = "0"\ndependencies = ["fastmcp>=3,<4"]\n',
        encoding="utf-8")
    for number in range(PARALLEL_MIN_FILES + 2):
        (project / f"m_{number}.py").write_text(CLIENT, encoding="utf-8")
    config = tmp_path / "config" / "fastmcp-lint.toml"
    config.parent.mkdir()
    config.write_text('target-fastmcp = "4.1.6"\n', encoding="utf-8")
    monkeypatch.chdir(project)
    status, out, err = run([".", "--select", "FML802", "--config", str(config), "--no-cache",
                            "--jobs", jobs, "--format", "json"], capsys)
    assert status == 1, err
    found = json.loads(out)["diagnostics"]
    assert len(found) == PARALLEL_MIN_FILES + 2
    assert all("deprecated since fastmcp 4.0" in d["message"] for d in found)
