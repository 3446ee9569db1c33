"""The lazy-initialisation idiom (model/lazy_init.py): which assignments run only while a
check says their target is unset."""

from __future__ import annotations

import libcst as cst
import pytest

from fastmcp_preflight.model.lazy_init import lazy_values


def _lazy(body: str) -> list[str]:
    """The code of the values the idiom assigns in `def f(self):` with `body`."""
    module = cst.parse_module("def f(self):\n" + "".join(f"    {line}\n"
                                                          for line in body.splitlines()))
    function = module.body[0]
    assert isinstance(function, cst.FunctionDef)
    found = lazy_values(function)
    values: list[str] = []

    class Collect(cst.CSTVisitor):
        def visit_Call(self, node: cst.Call) -> None:
            if id(node) in found:
                values.append(module.code_for_node(node))

    module.visit(Collect())
    return values


@pytest.mark.parametrize("body", [
    "if self._c is None:\n    self._c = make()",
    "if not self._c:\n    self._c = make()",
    "if self._c is None or self._c.is_closed:\n    self._c = make()",
    "if self._c is not None:\n    return self._c\nself._c = make()",
    "if self._c:\n    pass\nelse:\n    self._c = make()",
    "self._c = self._c or make()",
    "if key not in CACHE:\n    CACHE[key] = make()",
    "if CACHE.get(key) is None:\n    CACHE[key] = make()",
    "if G is None:\n    try:\n        G = make()\n    except OSError:\n        raise",
])
def test_lazy_forms(body: str) -> None:
    assert _lazy(body) == ["make()"]


@pytest.mark.parametrize("body", [
    "self._c = make()",
    "if self._other is None:\n    self._c = make()",
    "if self._c is not None:\n    self._c = make()",
    "if key in CACHE:\n    CACHE[key] = make()",
    "self._c = other or make()",
    "if self._c is None:\n    pass\nself._c = make()",
])
def test_not_lazy(body: str) -> None:
    assert _lazy(body) == []
