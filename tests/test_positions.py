"""Our positions are LibCST's `PositionProvider` positions, computed more cheaply."""

from __future__ import annotations

from pathlib import Path

import libcst as cst
import pytest
from libcst.metadata import MetadataWrapper, PositionProvider

from fastmcp_lint.positions import Positions

ROOT = Path(__file__).resolve().parent.parent
SOURCES = [*sorted((ROOT / "fixtures").rglob("*.py"))[:40], ROOT / "src/fastmcp_lint/model.py"]


def _variants(text: str) -> list[str]:
    return [text, text.replace("\n", "\r\n"), text.replace("\n", "\r")]


@pytest.mark.parametrize("path", SOURCES, ids=[p.name for p in SOURCES])
def test_every_node_matches_position_provider(path: Path) -> None:
    for text in _variants(path.read_text(encoding="utf-8")):
        module = cst.parse_module(text)
        expected = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
        positions = Positions(module, text)
        for node, span in expected.items():
            if isinstance(node, cst.Module):  # its end is never reported
                continue
            at = positions.of(node)
            assert (at.line, at.column, at.end_line, at.end_column) == (
                span.start.line, span.start.column + 1, span.end.line, span.end.column + 1
            ), (path.name, type(node).__name__)


def test_statement_search_matches_full_positions() -> None:
    text = ("'''doc with import os'''\nimport os\nif True:\n    from a import b  # x\n"
            "x = 1; import c\n")
    module = cst.parse_module(text)
    statements = [module.body[1].body[0], module.body[2].body.body[0].body[0],
                  module.body[3].body[1]]
    cheap = Positions(module, text).of_statements(statements)
    full = Positions(module, text)
    assert cheap == [full.of(node) for node in statements]
