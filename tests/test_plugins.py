"""Rule plugins: third-party entry points and local paths load like the built-ins; broken
plugins stop the run with one line naming them."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import pytest
from cli_runner import run

RULE = '''
import libcst as cst

from fastmcp_preflight.api import Invalid, Rule, Valid


class {cls}(Rule):
    code = "{code}"
    name = "{name}"
    severity = "error"
    checklist = "(security)"
    summary = "eval() call"
    what = "Finds eval()."
    why = "It runs text as code."
    instead = "Use ast.literal_eval."
    hint = "use ast.literal_eval"
    VALID = (Valid("x = 1\\n"),)
    INVALID = (Invalid("eval('1')\\n", at=((1, 1),)),)

    def visit_Call(self, node: cst.Call) -> None:
        if self.context.resolve(node.func) == "builtins.eval":
            self.report(node, "eval() of a string")
'''



def install_fake_distribution(site: Path, module: str, source: str,
                              monkeypatch: pytest.MonkeyPatch) -> None:
    """A module plus a .dist-info with an entry point, as `pip install` would leave them."""
    (site / f"{module}.py").write_text(source, encoding="utf-8")
    info = site / f"{module}-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {module}\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(f"[fastmcp_preflight.rules]\n{module} = {module}\n")
    monkeypatch.syspath_prepend(str(site))
    monkeypatch.delitem(sys.modules, module, raising=False)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "project"
    root.mkdir()
    (root / "app.py").write_text("x = eval('1 + 1')\n", encoding="utf-8")
    monkeypatch.chdir(root)
    return root


def test_entry_point_plugin_rule_runs(project: Path, tmp_path: Path, capsys,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    install_fake_distribution(tmp_path, "acme_rules_ok", RULE.format(
        cls="NoEval", code="ACME101", name="no-eval"), monkeypatch)
    code, out, _ = run(["--format", "concise"], capsys)
    assert code == 1
    assert out == "app.py:1:5: ACME101 eval() of a string\n"
    _, listed, _ = run(["--list-rules"], capsys)
    assert "ACME101  no-eval" in listed and "FML101" in listed


def test_local_plugin_path_from_config(project: Path, capsys) -> None:
    (project / "lint_rules").mkdir()
    (project / "lint_rules" / "no_eval.py").write_text(RULE.format(
        cls="LocalNoEval", code="LOC100", name="local-no-eval"), encoding="utf-8")
    (project / "pyproject.toml").write_text(
        "[tool.fastmcp-lint]\nplugins = ['lint_rules/']\nextend-exclude = ['lint_rules']\n")
    code, out, _ = run(["--format", "concise", "--select", "LOC"], capsys)
    assert code == 1
    assert out == "app.py:1:5: LOC100 eval() of a string\n"


def test_local_plugin_outside_project_is_refused(project: Path, tmp_path: Path, capsys) -> None:
    (tmp_path / "elsewhere.py").write_text(RULE.format(
        cls="Far", code="FAR100", name="far-rule"), encoding="utf-8")
    (project / "pyproject.toml").write_text("[tool.fastmcp-lint]\nplugins = ['../elsewhere.py']\n")
    code, _, err = run([], capsys)
    assert code == 2 and "inside the project root" in err


@pytest.mark.parametrize(("module", "source", "fragment"), [
    ("acme_broken_import", "import does_not_exist_anywhere\n",
     "could not be loaded: ModuleNotFoundError"),
    ("acme_duplicate", RULE.format(cls="Dup", code="FML101", name="dup-rule"),
     "rule code FML101 is already defined"),
    ("acme_no_docs", RULE.format(cls="NoDocs", code="ACME900", name="no-docs").replace(
        '    why = "It runs text as code."\n', ""), "lacks why"),
    ("acme_bad_code", RULE.format(cls="BadCode", code="acme1", name="bad-code"),
     "has code 'acme1'"),
    ("acme_raises", "raise RuntimeError('boom at import')\n", "RuntimeError: boom at import"),
    ("acme_bad_checklist", RULE.format(cls="Off", code="ACME904", name="off-card").replace(
        'checklist = "(security)"', 'checklist = "No blocking calls"'),
     "rule ACME904 has checklist 'No blocking calls', which is not on the scorecard"),
    ("acme_misspelled", RULE.format(cls="Typo", code="ACME901", name="typo-rule").replace(
        "def visit_Call(", "def visit_Cal("),
     "rule ACME901: `visit_Cal` names no LibCST node type (did you mean `visit_Call`?)"),
    ("acme_per_field", RULE.format(cls="Field", code="ACME902", name="per-field").replace(
        "def visit_Call(", "def visit_Call_func("),
     "`visit_Call_func` is a per-field visitor, which fastmcp-lint does not call; use "
     "`visit_Call` and read `node.func`"),
    ("acme_matcher", RULE.format(cls="Matcher", code="ACME903", name="matcher-rule").replace(
        "    def visit_Call(", "    @m.visit(m.Call())\n    def on_call(").replace(
        "import libcst as cst\n", "import libcst as cst\nimport libcst.matchers as m\n"),
     "`on_call` uses a LibCST matcher decorator"),
])
def test_broken_plugin_is_one_line_exit_2(project: Path, tmp_path: Path, capsys,
                                          monkeypatch: pytest.MonkeyPatch, module: str,
                                          source: str, fragment: str) -> None:
    install_fake_distribution(tmp_path, module, source, monkeypatch)
    code, out, err = run([], capsys)
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1
    assert module in err and fragment in err


def test_rule_that_raises_is_reported_and_other_rules_still_run(
        project: Path, tmp_path: Path, capsys, monkeypatch: pytest.MonkeyPatch) -> None:
    crashing = RULE.format(cls="Crash", code="ACME500", name="crash-rule").replace(
        '        if self.context.resolve(node.func) == "builtins.eval":',
        '        raise ValueError("rule bug")\n        if False:')
    install_fake_distribution(tmp_path, "acme_crash", crashing, monkeypatch)
    (project / "app.py").write_text(textwrap.dedent("""\
        import time
        x = eval('1')

        async def tool():
            time.sleep(1)
        """))
    code, out, _ = run(["--format", "concise", "--select", "ACME500,FML101"], capsys)
    assert code == 1
    lines = out.splitlines()
    assert lines[0].startswith("app.py:1:1: FML000 internal error in rule ACME500 (crash-rule): "
                               "ValueError: rule bug")
    assert lines[1].startswith("app.py:5:5: FML101")


APP_WITH_SLEEP = textwrap.dedent("""\
    import time
    x = eval('1')

    async def tool():
        time.sleep(1)
    """)


def _misbehaving(body: str, extra: str = "") -> str:
    """RULE (as ACME600) with its visitor's body replaced, and `extra` methods added."""
    return RULE.format(cls="Misbehaves", code="ACME600", name="misbehaving-rule").replace(
        '        if self.context.resolve(node.func) == "builtins.eval":\n'
        '            self.report(node, "eval() of a string")\n', body) + extra


@pytest.mark.parametrize(("module", "body", "extra", "fragment"), [
    ("acme_report_str", '        self.report("not a node")\n', "",
     "TypeError: report() was given str, not a LibCST node"),
    ("acme_report_int_message", "        self.report(node, 42)\n", "",
     "TypeError: report() was given a int message, not a string"),
    ("acme_report_bad_fix", '        self.report(node, "m", fix="garbage")\n', "",
     "TypeError: report() was given a str fix, not a Fix"),
    ("acme_exits", "        raise SystemExit(0)\n", "", "SystemExit: 0"),
    ("acme_bad_init", "        pass\n",
     "\n    def __init__(self, context):\n        raise RuntimeError('cannot start')\n",
     "RuntimeError: cannot start"),
])
def test_rule_that_misbehaves_is_an_internal_error_and_other_rules_still_run(
        project: Path, tmp_path: Path, capsys, monkeypatch: pytest.MonkeyPatch,
        module: str, body: str, extra: str, fragment: str) -> None:
    install_fake_distribution(tmp_path, module, _misbehaving(body, extra), monkeypatch)
    (project / "app.py").write_text(APP_WITH_SLEEP)
    code, out, err = run(["--format", "concise", "--select", "ACME600,FML101"], capsys)
    assert code == 1, err  # a rule's sys.exit(0) must not make the run pass
    lines = out.splitlines()
    assert len(lines) == 2, out
    assert lines[0].startswith("app.py:1:1: FML000 internal error in rule ACME600 "
                               f"(misbehaving-rule): {fragment}")
    assert lines[1].startswith("app.py:5:5: FML101")
    assert "Traceback" not in out + err


def test_a_visitor_return_value_is_ignored(project: Path, tmp_path: Path, capsys,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    install_fake_distribution(tmp_path, "acme_returns", _misbehaving(
        '        return "garbage"  # noqa\n'), monkeypatch)
    (project / "app.py").write_text(APP_WITH_SLEEP)
    code, out, _ = run(["--format", "concise", "--select", "ACME600,FML101"], capsys)
    assert code == 1
    assert [line.split(" ", 2)[1] for line in out.splitlines()] == ["FML101"]


def test_verbose_shows_the_traceback_of_a_crashing_rule(
        project: Path, tmp_path: Path, capsys, monkeypatch: pytest.MonkeyPatch) -> None:
    install_fake_distribution(tmp_path, "acme_crash_verbose", _misbehaving(
        '        raise ValueError("rule bug")\n'), monkeypatch)
    (project / "app.py").write_text(APP_WITH_SLEEP)
    _, quiet, _ = run(["--format", "concise", "--select", "ACME600,FML101"], capsys)
    assert "Traceback" not in quiet
    code, out, _ = run(["--verbose", "--format", "concise", "--select", "ACME600,FML101"],
                       capsys)
    assert code == 1
    assert "internal error in rule ACME600 (misbehaving-rule): ValueError: rule bug" in out
    assert "Traceback (most recent call last)" in out
    assert "acme_crash_verbose.py" in out and 'raise ValueError("rule bug")' in out


PROJECT_RULE = '''
from fastmcp_preflight.api import ProjectRule


class Junk(ProjectRule):
    code = "ACME700"
    name = "junk-project-rule"
    severity = "warning"
    checklist = "(tool quality)"
    summary = "yields junk"
    what = "Yields things that are not findings."
    why = "To test the engine."
    instead = "Yield ProjectFinding objects."

    def check(self, files):
        {body}
'''


@pytest.mark.parametrize(("module", "body", "fragment"), [
    ("acme_project_junk", 'yield "not a finding"',
     "TypeError: check() yielded str, not a ProjectFinding"),
    ("acme_project_exit", "raise SystemExit(3)", "SystemExit: 3"),
])
def test_project_rule_that_misbehaves_is_an_internal_error(
        project: Path, tmp_path: Path, capsys, monkeypatch: pytest.MonkeyPatch,
        module: str, body: str, fragment: str) -> None:
    install_fake_distribution(tmp_path, module, PROJECT_RULE.format(body=body), monkeypatch)
    (project / "app.py").write_text(APP_WITH_SLEEP)
    code, out, err = run(["--format", "concise", "--select", "ACME700,FML101"], capsys)
    assert code == 1, err
    assert ("FML000 internal error in rule ACME700 (junk-project-rule): " + fragment) in out
    assert "app.py:5:5: FML101" in out


SKIPPING = '''
import libcst as cst

from fastmcp_preflight.api import Rule


class EveryCall(Rule):
    code = "ACME600"
    name = "every-call"
    severity = "warning"
    checklist = "(tool quality)"
    summary = "a call"
    what = why = instead = "test"

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        return not node.name.value.startswith("skip_")

    def leave_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.report(node.name, f"left {node.name.value}")

    def visit_Call(self, node: cst.Call) -> None:
        self.report(node, "call")
'''


def test_a_visit_returning_false_skips_the_subtree_for_that_rule_only(
        project: Path, tmp_path: Path, capsys, monkeypatch: pytest.MonkeyPatch) -> None:
    install_fake_distribution(tmp_path, "acme_skipping", SKIPPING, monkeypatch)
    (project / "app.py").write_text(textwrap.dedent("""\
        def skip_me():
            f()
            def inner():
                g()
        def keep():
            h()
        k()
        """))
    code, out, _ = run(["--format", "concise", "--select", "ACME600,FML102", "--no-cache"],
                       capsys)
    assert code == 1
    assert out.splitlines() == [
        "app.py:1:5: ACME600 left skip_me",
        "app.py:5:5: ACME600 left keep",
        "app.py:6:5: ACME600 call",
        "app.py:7:1: ACME600 call",
    ]


def test_a_node_that_is_not_in_the_tree_is_a_rule_error(
        project: Path, tmp_path: Path, capsys, monkeypatch: pytest.MonkeyPatch) -> None:
    made_up = RULE.format(cls="MadeUp", code="ACME700", name="made-up").replace(
        'self.report(node, "eval() of a string")',
        'self.report(cst.Name("eval"), "eval() of a string")')
    install_fake_distribution(tmp_path, "acme_made_up", made_up, monkeypatch)
    code, out, _ = run(["--format", "concise", "--select", "ACME700", "--no-cache"], capsys)
    assert code == 1
    assert out == ("app.py:1:1: FML000 internal error in rule ACME700 (made-up): ValueError: "
                   "reported a Name node that is not in the file's tree (a node the rule built "
                   "itself?)\n")


def test_an_unknown_condition_is_a_rule_error(
        project: Path, tmp_path: Path, capsys, monkeypatch: pytest.MonkeyPatch) -> None:
    """A misspelled condition would silently keep or drop the finding."""
    typo = RULE.format(cls="Typo", code="ACME701", name="typo-condition").replace(
        'self.report(node, "eval() of a string")',
        'self.report(node, "eval() of a string", condition="may-run-over-stdoi")')
    install_fake_distribution(tmp_path, "acme_typo_condition", typo, monkeypatch)
    code, out, _ = run(["--format", "concise", "--select", "ACME701", "--no-cache"], capsys)
    assert code == 1
    assert out == ("app.py:1:1: FML000 internal error in rule ACME701 (typo-condition): "
                   "TypeError: report() was given the condition 'may-run-over-stdoi', which "
                   "names no known condition (see fastmcp_preflight.api's conditions)\n")
