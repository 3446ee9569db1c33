"""The checklist scorecard: twelve items, three anti-patterns and the sections beyond them,
each pass, fail or not found, with its evidence."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import jsonschema
import pytest
from cli_runner import run

from fastmcp_preflight.plugins.checklist import CHECKLIST
from fastmcp_preflight.reports.json_report import load_schema

SERVERS = Path(__file__).resolve().parent.parent / "fixtures" / "servers"


def scorecard(folder: Path, monkeypatch, capsys) -> dict[str, dict]:
    monkeypatch.chdir(folder)
    report = json.loads(run(["--format", "json"], capsys)[1])
    jsonschema.Draft202012Validator(load_schema()).validate(report)
    assert [item["title"] for item in report["checklist"]] == [i.shown for i in CHECKLIST]
    scored = {code for item in report["checklist"] if item["status"] == "fail"
              for code in item["codes"]}
    assert {d["code"] for d in report["diagnostics"]} <= scored  # no finding is lost
    return {item["title"]: item for item in report["checklist"]}


def test_weather_server_scorecard(monkeypatch, capsys) -> None:
    card = scorecard(SERVERS / "weather_server", monkeypatch, capsys)
    status = {title: item["status"] for title, item in card.items()}
    assert status["health check endpoint"] == "fail"
    assert status["no import-time async execution"] == "fail"
    assert status["no circular imports"] == "fail"
    assert status["module-level server object"] == "pass"
    assert status["caching for expensive operations"] == "not found"
    assert card["health check endpoint"]["evidence"] == [
        "weather/server.py:11: FML401 server has no health check endpoint for load balancers "
        "and platforms to probe"]
    assert card["module-level server object"]["evidence"] == ["weather/server.py: `mcp`"]
    blocking = card["blocking operations in async"]
    assert (blocking["kind"], blocking["status"], blocking["codes"]) == (
        "anti-pattern", "fail", ["FML101", "FML102", "FML103", "FML105", "FML106"])
    assert blocking["evidence"][0].startswith("weather/server.py:22: FML101 ")
    assert card["tool interface the model sees"]["kind"] == "section"


def test_clean_server_scorecard(monkeypatch, capsys) -> None:
    card = scorecard(SERVERS / "clean_notes_server", monkeypatch, capsys)
    assert card["health check endpoint"]["status"] == "pass"
    assert card["health check endpoint"]["evidence"] == ["notes.py:46: health route"]
    assert card["graceful shutdown handling"]["status"] == "pass"
    assert card["graceful shutdown handling"]["evidence"] == ["notes.py:34: a server lifespan"]
    assert not [t for t, item in card.items() if item["status"] == "fail"]


@pytest.mark.parametrize(("source", "item", "evidence"), [
    ("import tenacity\n", "retry logic for transient failures", "`tenacity`"),
    ("from functools import lru_cache\n\n@lru_cache\ndef f(): ...\n",
     "caching for expensive operations", "`functools.lru_cache`"),
    ("from fastmcp.server.middleware.rate_limiting import RateLimitingMiddleware\n",
     "rate limiting if needed", "RateLimitingMiddleware"),
    ("import logging\nlogging.basicConfig(level=logging.INFO)\n", "logging configured",
     "`logging.basicConfig(...)`"),
    ("async def close(client):\n    await client.aclose()\n", "graceful shutdown handling",
     "`.aclose()`"),
])
def test_practices_are_found(tmp_path: Path, monkeypatch, capsys, source: str, item: str,
                             evidence: str) -> None:
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    (tmp_path / "app.py").write_text(textwrap.dedent(source))
    card = scorecard(tmp_path, monkeypatch, capsys)
    assert card[item]["status"] == "pass"
    assert any(evidence in line for line in card[item]["evidence"]), card[item]


def test_checklist_text_format(monkeypatch, capsys) -> None:
    monkeypatch.chdir(SERVERS / "weather_server")
    code, out, _ = run(["--format", "checklist"], capsys)
    assert code == 1
    lines = out.splitlines()
    assert lines[0].startswith("FastMCP production checklist")
    assert " 7. [FAIL] health check endpoint" in lines
    assert " 5. [NOT FOUND] caching for expensive operations" in lines
    factory = lines[lines.index("Anti-patterns") + 2]
    assert factory.startswith("13. [") and factory.endswith("] factory functions in __init__.py")
    assert "14. [FAIL] blocking operations in async" in lines
    assert lines[lines.index("Beyond the checklist") + 2].startswith("16. ")
    assert "\x1b[" not in out


def test_items_without_enabled_rules_are_not_checked(monkeypatch, capsys) -> None:
    monkeypatch.chdir(SERVERS / "weather_server")
    report = json.loads(run(["--format", "json", "--select", "FML101"], capsys)[1])
    status = {item["title"]: item["status"] for item in report["checklist"]}
    assert status["health check endpoint"] == "not checked"
    assert status["module-level server object"] == "pass"  # evidence counts on its own
