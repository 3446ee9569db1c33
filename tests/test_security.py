"""Tool input through tool functions (the FML9xx rules' shared data flow), and how security
findings reach users: `--select security`, SARIF tags and security-severity."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import libcst as cst
import pytest
from cli_runner import run
from jsonschema import Draft4Validator

from fastmcp_lint.model import FileModel, ModelBuilder, Taint
from fastmcp_lint.registry import Registry
from fastmcp_lint.walker import Walker

SCHEMA_FILE = Path(__file__).resolve().parent / "data" / "sarif-2.1.0.json"
SECURITY_CODES = {"FML901", "FML902", "FML903", "FML904", "FML905"}

HEADER = """\
import os
import subprocess
from pathlib import Path
from urllib.parse import urljoin
from fastmcp import FastMCP, Context
mcp = FastMCP("x")
ROOT = Path("/srv")
"""


def _analyse(body: str, params: str = "name: str") -> tuple[FileModel, list[cst.Call]]:
    """Build the model of a tool `t(params)` with `body`; the calls of `sink(...)` in it."""
    code = HEADER + f"@mcp.tool\ndef t({params}):\n" + textwrap.indent(
        textwrap.dedent(body), "    ")
    module = cst.parse_module(code)
    builder = ModelBuilder(module, None)
    Walker().walk(module, builder)
    model = builder.finish()
    sinks: list[cst.Call] = []

    class Sinks(cst.CSTVisitor):
        def visit_Call(self, node: cst.Call) -> None:
            if isinstance(node.func, cst.Name) and node.func.value == "sink":
                sinks.append(node)

    module.visit(Sinks())
    return model, sinks


def _taints(body: str, params: str = "name: str") -> list[Taint | None]:
    model, sinks = _analyse(body, params)
    return [model.taint_of(call.args[0].value, call) for call in sinks]


def _reported(body: str, params: str = "name: str") -> list[bool]:
    """For each `sink(x)`: is `x` derived from tool input and not guarded?"""
    model, sinks = _analyse(body, params)
    found = []
    for call in sinks:
        taint = model.taint_of(call.args[0].value, call)
        found.append(taint is not None and not model.guarded(taint, call))
    return found


@pytest.mark.parametrize("expr", [
    "name", "f'{name}.txt'", "'a' + name", "'%s' % name", "'%s-%s' % ('a', name)",
    "'{}'.format(name)", "str(name)", "os.path.join(ROOT, name)", "Path(name)", "ROOT / name",
    "urljoin('https://x/', name)", "name[0]", "name.real", "name.strip().lower()",
    "Path('/srv', name).resolve()",
])
def test_derived_values(expr: str) -> None:
    (taint,) = _taints(f"sink({expr})\n")
    assert taint is not None and taint.parameters == ("name",)


@pytest.mark.parametrize("expr", [
    "'fixed'", "len(name)", "helper(name)", "os.path.basename(name)", "' '.join([name])",
    "name if name else ''", "[name]", "ROOT", "name * 2",
])
def test_clean_values(expr: str) -> None:
    assert _taints(f"sink({expr})\n") == [None]


def test_locals_are_followed_transitively_and_name_the_nearest_assignment() -> None:
    (taint,) = _taints("""\
        base = name.strip()
        path = ROOT / base
        sink(path)
    """)
    assert taint is not None and taint.parameters == ("name",) and taint.through == "path"
    assert isinstance(taint.assigned, cst.Assign)


def test_starts_and_built() -> None:
    starts = [t.starts if t else None for t in _taints("""\
        sink(name)
        sink(name + '/x')
        sink(f'{name}/x')
        sink(f'https://api.example.com/{name}')
        sink('https://api.example.com/' + name)
        sink(urljoin(name, '/x'))
        sink(urljoin('https://x/', name))
        u = f'{name}/api'
        sink(u)
    """, "name: str")]
    assert starts == [True, True, True, False, False, True, False, True]
    built = [t.built if t else None for t in _taints("""\
        sink(name)
        sink(f'SELECT {name}')
        q = 'SELECT ' + name
        sink(q)
        sink(q.strip())
        q2 = name
        q2 += ' LIMIT 1'
        sink(q2)
    """)]
    assert built == [False, True, True, False, True]


def test_reassignment_dominance() -> None:
    assert _reported("""\
        name = helper(name)
        sink(name)
    """) == [False]
    assert _reported("""\
        if len(name) > 3:
            name = 'x'
        sink(name)
    """) == [True]
    assert _reported("""\
        try:
            name = helper(name)
        except ValueError:
            return None
        sink(name)
    """) == [False]
    assert _reported("""\
        for part in name.split('/'):
            sink(part)
        with Path(name).open() as handle:
            sink(handle)
        if (n := name.strip()):
            sink(n)
    """) == [True, True, True]
    assert _reported("""        match len(name):
            case 0:
                name = 'empty'
            case _:
                pass
        sink(name)
    """) == [True]


@pytest.mark.parametrize("check", [
    "if name not in ALLOWED: raise ValueError",
    "assert name != '..'",
    "if not (ROOT / name).resolve().is_relative_to(ROOT): raise ValueError",
    "(ROOT / name).resolve().relative_to(ROOT)",
    "if not str(name).startswith('/srv'): raise ValueError",
    "if os.path.commonpath([ROOT, name]) != ROOT: raise ValueError",
    "validate(name)",
    "ensure_allowed_path(name)",
    "if not is_safe(name.lower()): raise ValueError",
    "sanitize_filename(name)",
    "if Path(name).suffix in {'.txt'}: pass",
])
def test_guards(check: str) -> None:
    assert _reported(f"{check}\nsink(name)\n") == [False]


def test_every_parameter_of_the_value_must_be_checked() -> None:
    params = "kind: str, name: str"
    assert _reported("""\
        if kind not in KINDS:
            raise ValueError(kind)
        sink(f'{kind}/{name}')
        if '..' in name:
            raise ValueError(name)
        sink(f'{kind}/{name}')
    """, params) == [True, False]
    assert _reported("""\
        path = (ROOT / kind / name).resolve()
        if not path.is_relative_to(ROOT):
            raise ValueError(name)
        sink(path)
    """, params) == [False]
    (taint,) = _taints("url = f'{kind}/api/{name}'\nsink(url)\n", params)
    assert taint is not None and taint.parameters == ("kind", "name")
    assert taint.head().parameters == ("kind",) and taint.head().through == "url"


def test_what_does_not_guard() -> None:
    # After the sink; about another parameter; a comparison operator not in the list; a
    # sink whose name contains a guard word.
    assert _reported("""\
        sink(name)
        if name not in ALLOWED:
            raise ValueError
    """) == [True]
    assert _reported("""\
        if mode == 'fast':
            sink(name)
    """, "name: str, mode: str") == [True]
    assert _reported("""\
        if len(name) > 100:
            raise ValueError
        subprocess.check_output(name, shell=True)
        sink(name)
    """) == [True]


def test_parameters_that_are_not_tool_input() -> None:
    model, sinks = _analyse("sink(ctx.request_id)\n", "ctx: Context")
    assert not model.follows(sinks[0])  # a tool without schema parameters: nothing to follow
    model, sinks = _analyse("sink(ctx.request_id)\nsink(name)\n", "name: str, ctx: Context")
    assert [model.taint_of(c.args[0].value, c) is not None for c in sinks] == [False, True]


def test_nested_functions_and_helpers_are_not_followed() -> None:
    model, sinks = _analyse("""\
        def inner():
            sink(name)
        return inner
    """)
    assert [model.taint_of(c.args[0].value, c) for c in sinks] == [None]
    code = "def helper(name: str):\n    sink(name)\n"
    module = cst.parse_module(code)
    builder = ModelBuilder(module, None)
    Walker().walk(module, builder)
    model = builder.finish()
    call = module.body[0].body.body[0].body[0].value  # type: ignore[attr-defined]
    assert not model.follows(call) and model.taint_of(call.args[0].value, call) is None


# -- the security rules as users meet them -----------------------------------------------------

SERVER = """\
import os
import pickle
import sqlite3

import httpx
from fastmcp import FastMCP

mcp = FastMCP("demo")


@mcp.tool
def ping(host: str) -> int:
    \"\"\"Ping a host once and return the exit status.\"\"\"
    return os.system(f"ping -c 1 {host}")


@mcp.tool
def read(name: str) -> str:
    \"\"\"Read a file from the data folder.\"\"\"
    path = os.path.join("/srv/data", name)
    with open(path) as handle:
        return handle.read()


@mcp.tool
def fetch(url: str) -> str:
    \"\"\"Fetch a web page and return its text.\"\"\"
    return httpx.get(url, timeout=10).text


@mcp.tool
def restore(blob: bytes) -> object:
    \"\"\"Restore a pickled Python object.\"\"\"
    return pickle.loads(blob)


@mcp.tool
def find(user: str) -> list:
    \"\"\"Find the rows of one user by name.\"\"\"
    db = sqlite3.connect("app.db")
    return db.execute(f"SELECT * FROM t WHERE user = '{user}'").fetchall()


@mcp.custom_route("/health", methods=["GET"])
async def health(request):
    return None
"""


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / ".git").mkdir()
    (tmp_path / "server.py").write_text(SERVER, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_select_security_selects_the_tag(project: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["--select", "security", "--format", "json", "--no-cache", "."], capsys)
    assert code == 1
    found = [(d["code"], d["line"]) for d in json.loads(out)["diagnostics"]]
    assert found == [("FML901", 14), ("FML902", 21), ("FML903", 28), ("FML904", 34),
                     ("FML905", 41)]
    messages = [d["message"] for d in json.loads(out)["diagnostics"]]
    assert messages[1] == ("tool parameter `name` reaches `open()` through `path` (line 20) "
                           "with no containment check")
    code, out, _ = run(["--select", "FML1", "--extend-select", "security", "--format", "json",
                        "--no-cache", "."], capsys)
    assert {d["code"] for d in json.loads(out)["diagnostics"]} == SECURITY_CODES
    code, out, _ = run(["--ignore", "security", "--format", "json", "--no-cache", "."], capsys)
    assert not {d["code"] for d in json.loads(out)["diagnostics"]} & SECURITY_CODES


def test_security_rules_in_the_registry(registry: Registry) -> None:
    assert registry.select("security") == SECURITY_CODES
    for code in SECURITY_CODES:
        rule = registry.rules[code]
        assert rule.tags == ("security",) and rule.checklist == "(security)"
        assert rule.security_severity is not None and 0.0 < rule.security_severity <= 10.0


def test_sarif_of_security_findings_is_valid_and_tagged(
        project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["--format", "sarif", "--no-cache", "."], capsys)
    assert code == 1
    log = json.loads(out)
    schema = json.loads(SCHEMA_FILE.read_bytes())
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in Draft4Validator(
        schema, format_checker=Draft4Validator.FORMAT_CHECKER).iter_errors(log)]
    assert errors == []
    (sarif_run,) = log["runs"]
    rules = sarif_run["tool"]["driver"]["rules"]
    severities = {r["id"]: r["properties"].get("security-severity") for r in rules
                  if "security" in r.get("properties", {}).get("tags", [])}
    assert severities == {"FML901": "9.0", "FML902": "6.5", "FML903": "7.5", "FML904": "9.0",
                          "FML905": "8.0"}
    others = [r for r in rules if r["id"] not in SECURITY_CODES]
    assert others and all("security-severity" not in r.get("properties", {}) for r in others)
    reported = {rules[r["ruleIndex"]]["id"] for r in sarif_run["results"]}
    assert reported >= SECURITY_CODES
