"""The lazy-initialisation idiom in one function body (RULES.md FML301, and FML402's "a helper
that builds its client only under the lazy-initialisation idiom ... is not per call").

An assignment to `X` (a global name, `self.x`, `cls.x`) or `D[k]` is lazy when it runs only
while a check says its target is unset: in the body of an `if` whose test is `X is None`,
`not X`, `k not in D`, `D.get(k) is None` (or an `or`/`and` with one among its operands: `X is
None or X.is_closed` re-creates a closed client), in the `else:` of an `if` that checks it is
set, or after an `if` that checks it is set and returns; `X = X or make()` is lazy too.
Targets are compared by their structure (`self._client`, `D[key]`), so nothing here needs the
file's text; FML301 keeps its own reading, which also follows aliases of `D.get(k)`.
"""

from __future__ import annotations

from collections.abc import Sequence

import libcst as cst


def target_key(expr: cst.BaseExpression) -> str | None:
    """`self._client`, `CLIENTS[key]`, `CLIENTS['a']`: a comparable key, or None."""
    if isinstance(expr, cst.Name):
        return expr.value
    if isinstance(expr, cst.Attribute):
        inner = target_key(expr.value)
        return None if inner is None else f"{inner}.{expr.attr.value}"
    if isinstance(expr, cst.Subscript) and len(expr.slice) == 1:
        index = expr.slice[0].slice
        inner = target_key(expr.value)
        if isinstance(index, cst.Index) and inner is not None:
            key = target_key(index.value)
            if key is None and isinstance(index.value, cst.SimpleString):
                key = index.value.value
            return None if key is None else f"{inner}[{key}]"
    if (isinstance(expr, cst.Call) and isinstance(expr.func, cst.Attribute)
            and expr.func.attr.value == "get" and expr.args):  # D.get(k)
        return target_key(cst.Subscript(expr.func.value, [cst.SubscriptElement(
            cst.Index(expr.args[0].value))]))
    return None


def _checks(test: cst.BaseExpression, *, unset: bool) -> set[str]:
    """What `test`, when true, says is unset (`X is None`, `not X`, `k not in D`) or, with
    `unset=False`, set (`X is not None`, `X`, `k in D`); any operand of `or`/`and` counts."""
    if isinstance(test, cst.BooleanOperation):
        return _checks(test.left, unset=unset) | _checks(test.right, unset=unset)
    if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
        return _checks(test.expression, unset=not unset)
    if isinstance(test, cst.Comparison) and len(test.comparisons) == 1:
        operator = test.comparisons[0].operator
        right = test.comparisons[0].comparator
        if isinstance(operator, (cst.In, cst.NotIn)):
            key = target_key(cst.Subscript(right, [cst.SubscriptElement(cst.Index(test.left))]))
            return {key} if key is not None and isinstance(operator, cst.NotIn) == unset else set()
        is_none = isinstance(operator, (cst.Is, cst.Equal))
        if is_none == unset and (is_none or isinstance(operator, (cst.IsNot, cst.NotEqual))):
            sides = [side for side in (test.left, right)
                     if not (isinstance(side, cst.Name) and side.value == "None")]
            if len(sides) == 1:
                key = target_key(sides[0])
                return set() if key is None else {key}
        return set()
    key = None if unset else target_key(test)
    return set() if key is None else {key}


def _exits(body: cst.BaseSuite) -> bool:
    """The block ends with `return` or `raise`."""
    statements = body.body
    last = statements[-1] if statements else None
    if isinstance(last, cst.SimpleStatementLine):
        last = last.body[-1] if last.body else None
    return isinstance(last, (cst.Return, cst.Raise))


def lazy_values(function: cst.FunctionDef) -> set[int]:
    """The ids of the values assigned under the idiom in `function`'s own body (not in nested
    functions or classes)."""
    found: set[int] = set()
    _block(function.body, frozenset(), found)
    return found


def _block(block: cst.BaseSuite, holds: frozenset[str], found: set[int]) -> None:
    if isinstance(block, cst.SimpleStatementSuite):
        _simple(block.body, holds, found)
    elif isinstance(block, cst.IndentedBlock):
        for statement in block.body:
            holds = _statement(statement, holds, found)


def _statement(statement: cst.BaseStatement, holds: frozenset[str], found: set[int]
               ) -> frozenset[str]:
    """Scan one statement; what holds after it."""
    if isinstance(statement, cst.SimpleStatementLine):
        _simple(statement.body, holds, found)
    elif isinstance(statement, cst.If):
        _if(statement, holds, found)
        if _exits(statement.body):
            return holds | _checks(statement.test, unset=False)
    elif isinstance(statement, (cst.Try, cst.TryStar)):
        _block(statement.body, holds, found)
        for handler in statement.handlers:
            _block(handler.body, holds, found)
        for extra in (statement.orelse, statement.finalbody):
            if extra is not None:
                _block(extra.body, holds, found)
    elif isinstance(statement, (cst.For, cst.While, cst.With)):
        _block(statement.body, holds, found)
    return holds


def _if(node: cst.If, holds: frozenset[str], found: set[int]) -> None:
    _block(node.body, holds | _checks(node.test, unset=True), found)
    otherwise = holds | _checks(node.test, unset=False)
    if isinstance(node.orelse, cst.If):
        _if(node.orelse, otherwise, found)
    elif isinstance(node.orelse, cst.Else):
        _block(node.orelse.body, otherwise, found)


def _simple(statements: Sequence[cst.BaseSmallStatement], holds: frozenset[str],
            found: set[int]) -> None:
    for small in statements:
        targets: list[cst.BaseExpression]
        if isinstance(small, cst.Assign):
            targets = [t.target for t in small.targets]
        elif isinstance(small, cst.AnnAssign) and small.value is not None:
            targets = [small.target]
        else:
            continue
        value = small.value
        if value is None:
            continue
        for target in targets:
            key = target_key(target)
            if key is None:
                continue
            if key in holds:
                found.add(id(value))
            elif (isinstance(value, cst.BooleanOperation) and isinstance(value.operator, cst.Or)
                  and target_key(value.left) == key):  # X = X or make()
                found.add(id(value.right))
