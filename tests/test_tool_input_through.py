"""The answers of TOOL_INPUT_THROUGH (FML901-905 through the project) for keys that name
nothing the project has: a finding is kept or dropped as its kind says, never crashes."""

from __future__ import annotations

from fastmcp_preflight.project.facts import FileFacts
from fastmcp_preflight.project.tool_input import tool_input_through


def test_a_key_this_version_did_not_write_keeps_its_finding() -> None:
    answers = tool_input_through([FileFacts(path="app/server.py", module="app.server")])
    assert answers.get("app/server.py#tool:not json") is True
    assert answers.get("app/server.py#tool:[1, 2]") is True


def test_a_tool_the_project_does_not_know_keeps_its_sink_but_no_chain() -> None:
    answers = tool_input_through([FileFacts(path="app/server.py", module="app.server")])
    # a sink in the tool, with project calls before it that might have guarded it
    assert answers.get('app/server.py#missing:{"g":[[0,[["0",["name"]]]]],"p":["name"]}') is True
    # a call of a helper: nothing to follow, no finding
    assert answers.get('app/server.py#missing:{"a":[["0",["name"],""]],"c":"FML901",'
                       '"k":0}') is False
    # a value derived only if a helper returns it: not shown, no finding
    assert answers.get('app/server.py#missing:{"p":["name"],"r":[[0,[["0",["name"]]]]]}') \
        is False
