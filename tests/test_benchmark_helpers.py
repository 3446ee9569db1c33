"""The benchmark's pure helpers: finding cached sdists, reading the measuring wrapper's report,
and the ratios and totals it prints (the benchmark itself is not a test: it times things)."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("benchmark", ROOT / "bench" / "benchmark.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["benchmark"] = module  # dataclasses look their module up while defining
    try:
        spec.loader.exec_module(module)
    finally:
        del sys.modules["benchmark"]
    return module


def test_sdist_names_are_compared_as_pypi_does(bench: ModuleType) -> None:
    assert bench.sdist_name_version("awslabs_dynamodb_mcp_server-2.1.8.tar.gz") == (
        "awslabs-dynamodb-mcp-server", "2.1.8")
    assert bench.sdist_name_version("mcp-server-qdrant-0.8.1.zip") == ("mcp-server-qdrant", "0.8.1")
    assert bench.sdist_name_version("mcp_atlassian-0.23.1-py3-none-any.whl") is None
    assert bench.canonical_name("awslabs.ecs-mcp-server") == "awslabs-ecs-mcp-server"


def test_a_cached_sdist_is_found_under_its_normalized_file_name(
        bench: ModuleType, tmp_path: Path) -> None:
    (tmp_path / "awslabs_ecs_mcp_server-0.1.37.tar.gz").write_bytes(b"")
    (tmp_path / "awslabs_ecs_mcp_server_extra-0.1.37.tar.gz").write_bytes(b"")
    found = bench.find_sdist(tmp_path, "awslabs.ecs-mcp-server", "0.1.37")
    assert found == tmp_path / "awslabs_ecs_mcp_server-0.1.37.tar.gz"
    assert bench.find_sdist(tmp_path, "awslabs.ecs-mcp-server", "0.1.36") is None
    assert bench.find_sdist(tmp_path, "awslabs.ecs-mcp-server", None) == found


def _wrapper_report(code: int = 0, traceback: bool = False, maxrss: int = 102400) -> str:
    return json.dumps({"wall": 2.5, "cpu": 3.25, "maxrss": maxrss, "code": code,
                       "traceback": traceback, "stderr": "the end of stderr"})


def test_the_wrapper_report_gives_wall_cpu_and_peak_rss(bench: ModuleType) -> None:
    run = bench.parse_run(_wrapper_report(), platform="linux")
    assert (run.seconds, run.cpu_seconds, run.peak_rss_mib) == (2.5, 3.25, 100.0)
    assert run.note == ""
    # macOS counts ru_maxrss in bytes
    on_mac = bench.parse_run(_wrapper_report(maxrss=100 * 1024 * 1024), platform="darwin")
    assert on_mac.peak_rss_mib == 100.0


def test_a_failed_or_timed_out_run_says_so(bench: ModuleType) -> None:
    crashed = bench.parse_run(_wrapper_report(code=0, traceback=True))
    assert crashed.note == "FAILED exit 0: the end of stderr" and not crashed.ok
    assert bench.parse_run(_wrapper_report(code=2)).note.startswith("FAILED exit 2")
    assert bench.parse_run(_wrapper_report(code=2), ok_codes=(2,)).note == ""
    timed_out = bench.parse_run(json.dumps({"timeout": 600.0}))
    assert timed_out.seconds is None and timed_out.note == "timed out after 600s"
    assert not timed_out.ok and bench.parse_run(_wrapper_report()).ok


def test_the_fastest_run_is_kept_and_a_missing_one_never_wins(bench: ModuleType) -> None:
    slow, quick, missing = bench.Run(3.0), bench.Run(2.0), bench.Run(None, note="timed out")
    assert bench.fastest(slow, quick) is quick
    assert bench.fastest(quick, slow) is quick
    assert bench.fastest(missing, slow) is slow
    assert bench.fastest(slow, missing) is slow


def test_totals_add_times_and_keep_the_highest_peak(bench: ModuleType) -> None:
    total = bench.total_run([bench.Run(1.0, 2.0, 50.0), bench.Run(3.0, 1.5, 80.0)])
    assert (total.seconds, total.cpu_seconds, total.peak_rss_mib, total.note) == (
        4.0, 3.5, 80.0, "")
    partial = bench.total_run([bench.Run(1.0, 2.0, 50.0), bench.Run(None, note="timed out"),
                               bench.Run(0.1, 0.1, 20.0, "FAILED exit 2: crashed")])
    assert partial.seconds is None and partial.cpu_seconds is None
    assert partial.note == "FAILED on 2 of 3" and not partial.ok


def test_server_ratios_compare_like_with_like(bench: ModuleType) -> None:
    atlassian = bench.ServerResult("a", 290, 100, bench.Run(6.2, 9.0, 90.0),
                                   bench.Run(10.0, 7.0, 80.0), bench.Run(8.7, 7.0, 60.0))
    small = bench.ServerResult("b", 10, 5, bench.Run(0.8, 0.5, 40.0),
                               bench.Run(0.7, 0.5, 40.0), bench.Run(0.4, 0.25, 20.0))
    assert atlassian.wall_ratio == pytest.approx(6.2 / 8.7)  # default jobs against its wall
    assert atlassian.cpu_ratio_one_worker == pytest.approx(1.0)  # -j1 against its CPU
    assert atlassian.cpu_ratio_default_jobs == pytest.approx(9.0 / 7.0)
    total = bench.total_result([atlassian, small])
    assert (total.files, total.lines) == (300, 105)
    assert total.wall_ratio == pytest.approx(7.0 / 9.1)
    assert total.cpu_ratio_one_worker == pytest.approx(7.5 / 7.25)
    assert total.default_jobs.peak_rss_mib == 90.0
    alone = bench.ServerResult("c", 1, 1, bench.Run(1.0, 1.0), bench.Run(1.0, 1.0), None)
    assert alone.wall_ratio is None and bench.total_result([atlassian, alone]).wall_ratio is None
    crashed = bench.ServerResult("d", 1, 1, bench.Run(1.0, 1.0), bench.Run(1.0, 1.0),
                                 bench.Run(0.1, 0.1, 20.0, "FAILED exit 2: crashed"))
    assert crashed.wall_ratio is None and crashed.cpu_ratio_one_worker is None
    assert json.loads(json.dumps(total.as_json()))["cpu_ratio_one_worker"] == pytest.approx(
        7.5 / 7.25)


def test_library_ratios_put_fixit_against_the_parse_floor(bench: ModuleType) -> None:
    rows = [bench.Row("libcst parse", 100, 0, 2.0), bench.Row("fastmcp-lint", 100, 0, 3.0),
            bench.Row(bench.FIXIT_ROW, 10, 0, 4.0), bench.Row("cli cold -j1", 100, 0, 5.0),
            bench.Row("cli cold -j2", 100, 0, 2.5)]
    ratios = bench.library_ratios(rows)
    assert ratios["lint_parse"] == pytest.approx(1.5)
    assert ratios["fixit_parse"] == pytest.approx(0.4 / 0.02)  # seconds per file
    assert ratios["cli_cold_jobs_over_fixit"] == pytest.approx(40.0 / 2.5)  # files per second
    assert bench.library_ratios(rows[:2])["fixit_parse"] is None


def test_the_async_module_is_the_middle_of_those_outside_tests(
        bench: ModuleType, tmp_path: Path) -> None:
    files = {"a.py": "async def f(): pass\n", "b.py": "def g(): pass\n",
             "c.py": "async def h(): pass\n", "d.py": "async def i(): pass\n",
             "tests/test_e.py": "async def test(): pass\n"}
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_text(text)
    candidates = sorted(tmp_path.rglob("*.py"))
    assert bench.async_module(candidates) == tmp_path / "c.py"
    assert bench.async_module([tmp_path / "b.py"]) == tmp_path / "b.py"
