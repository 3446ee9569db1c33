"""The `Fix` API a rule author writes: replacements, inserted and deleted statements, imports
added where isort puts them (deduplicated), imports removed, imports dropped once unused, and
`FileContext.reference` for names that may be shadowed."""

from __future__ import annotations

from collections.abc import Callable

import libcst as cst
import pytest

from fastmcp_preflight.api import FileContext, Fix, Import, Reference, Rule
from fastmcp_preflight.running.engine import fix_source, lint_source
from fastmcp_preflight.running.fixes import fix_text

Build = Callable[[FileContext, cst.SimpleStatementLine], Fix | None]


def marker(build: Build) -> type[Rule]:
    """A rule reporting each `mark()` statement, with the fix `build` makes for it."""

    class Marker(Rule):
        code = "FML990"
        name = "test-marker"
        severity = "warning"
        checklist = "(tool quality)"
        summary = "marked"
        what = why = instead = "test"

        def visit_SimpleStatementLine(self, node: cst.SimpleStatementLine) -> None:
            small = node.body[0]
            if (isinstance(small, cst.Expr) and isinstance(small.value, cst.Call)
                    and isinstance(small.value.func, cst.Name)
                    and small.value.func.value == "mark"):
                self.report(node, fix=build(self.context, node))

    return Marker


def fixed(code: str, build: Build) -> str:
    return fix_source(code, [marker(build)], allow=("safe", "unsafe"))


def once(code: str, build: Build) -> str | None:
    """One pass (an insertion leaves the marker, which would be fixed again)."""
    return fix_text(code, lint_source(code, [marker(build)]))


def test_insert_before_and_after_at_the_statement_indentation() -> None:
    code = "def f():\n    if x:\n        mark()\n    return 1\n"
    result = once(code, lambda _, s: Fix.insert_before(s, "a = 1", "b = 2")
                   + Fix.insert_after(s, cst.parse_statement("c = 3\n"), "if c:\n    d = 4"))
    assert result == ("def f():\n    if x:\n        a = 1\n        b = 2\n        mark()\n"
                      "        c = 3\n        if c:\n            d = 4\n    return 1\n")
    compile(result or "", "x", "exec")


def test_insert_after_the_last_line_without_a_line_break() -> None:
    assert once("mark()", lambda _, s: Fix.insert_after(s, "x = 1")) == "mark()\nx = 1"


def test_delete_a_statement_and_keep_a_block_valid() -> None:
    code = "a = 1\nmark()  # gone\nb = 2\ndef f():\n    mark()\n"
    assert fixed(code, lambda _, s: Fix.delete(s)) == "a = 1\nb = 2\ndef f():\n    pass\n"


def test_a_deleted_decorated_definition_goes_with_its_decorators() -> None:
    class DeleteDefs(Rule):
        code = "FML991"
        name = "test-delete-defs"
        severity = "warning"
        checklist = "(tool quality)"
        summary = "delete"
        what = why = instead = "test"

        def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
            if node.name.value == "gone":
                self.report(node.name, fix=Fix.delete(node))

    code = "import x\n\n@x.tool(\n    name='a',\n)\ndef gone():\n    return 1\nkept = 2\n"
    assert fix_source(code, [DeleteDefs]) == "import x\n\nkept = 2\n"


def add(*imports: str | Import) -> Build:
    return lambda _, s: Fix.replace(s.body[0], cst.Pass(), imports=imports)


@pytest.mark.parametrize(("code", "imports", "expected"), [
    # Alphabetical within the standard library section.
    ("import os\nimport time\n\nmark()\n", ("asyncio",),
     "import asyncio\nimport os\nimport time\n\npass\n"),
    ("import asyncio\nimport os\n\nmark()\n", ("sys",),
     "import asyncio\nimport os\nimport sys\n\npass\n"),
    # `import x` lines before `from x import y` lines in a section.
    ("import os\nfrom pathlib import Path\n\nmark()\n", ("sys",),
     "import os\nimport sys\nfrom pathlib import Path\n\npass\n"),
    # A section of its own, between the sections around it.
    ('"""Doc."""\n\nfrom fastmcp import FastMCP\n\nmark()\n', ("sys",),
     '"""Doc."""\n\nimport sys\n\nfrom fastmcp import FastMCP\n\npass\n'),
    ("import os\n\nimport mypkg.util\n\nmark()\n", ("httpx",),
     "import os\n\nimport httpx\nimport mypkg.util\n\npass\n"),
    ("import os\n\nmark()\n", ("from fastmcp.server import create_proxy",),
     "import os\n\nfrom fastmcp.server import create_proxy\n\npass\n"),
    # After the docstring and `__future__` imports; comments above an import stay with it.
    ('"""Doc."""\nfrom __future__ import annotations\n\n# web\nimport httpx\n\nmark()\n',
     ("os",),
     '"""Doc."""\nfrom __future__ import annotations\n\nimport os\n\n# web\nimport httpx\n\n'
     "pass\n"),
    ('"""Doc."""\n\nmark()\n', ("asyncio",), '"""Doc."""\n\nimport asyncio\n\npass\n'),
    ("# stdlib\nimport os\n# for argv\nimport sys\n\nmark()\n", ("re", "abc"),
     "# stdlib\nimport abc\nimport os\nimport re\n# for argv\nimport sys\n\npass\n"),
    ("mark()\n", ("asyncio",), "import asyncio\n\npass\n"),
    # Joined to an existing one-line `from x import ...`, in order; no duplicate.
    ("from fastmcp import Context, FastMCP\n\nmark()\n", ("from fastmcp import Client",),
     "from fastmcp import Client, Context, FastMCP\n\npass\n"),
    ("from fastmcp import FastMCP\n\nmark()\n", ("from fastmcp import FastMCP",),
     "from fastmcp import FastMCP\n\npass\n"),
    ("import asyncio\n\nmark()\n", ("asyncio", Import("asyncio")),
     "import asyncio\n\npass\n"),
    # An alias is a different import; an import in `if TYPE_CHECKING:` does not count.
    ("import asyncio as aio\n\nmark()\n", ("asyncio",),
     "import asyncio\nimport asyncio as aio\n\npass\n"),
    ("if TYPE_CHECKING:\n    import asyncio\nmark()\n", ("asyncio",),
     "import asyncio\n\nif TYPE_CHECKING:\n    import asyncio\npass\n"),
])
def test_imports_go_where_isort_puts_them(code: str, imports: tuple[str | Import, ...],
                                          expected: str) -> None:
    result = fixed(code, add(*imports))
    assert result == expected
    compile(result, "x", "exec")


def test_first_party_is_the_file_s_own_package() -> None:
    code = "import os\n\nimport httpx\n\nmark()\n"
    rule = marker(add("from mypkg.tools import search"))
    result = fix_source(code, [rule], path="mypkg/server.py")
    assert result == ("import os\n\nimport httpx\n\nfrom mypkg.tools import search\n\npass\n")


def test_remove_imports_takes_the_name_or_the_statement() -> None:
    code = "import os, sys\nfrom a import b, c\nfrom d import e\n\nmark()\n"
    build: Build = lambda _, s: Fix(  # noqa: E731
        "safe", ((s.body[0], cst.Pass()),),
        remove_imports=("sys", "from a import b", Import("d", "e"), "from z import q"))
    assert fixed(code, build) == "import os\nfrom a import c\n\npass\n"


SLEEPS = "import time\n\n\nasync def f():\n    time.sleep(1)\n    time.sleep(2)\n"


def test_an_import_is_dropped_once_every_fix_together_leaves_it_unused() -> None:
    from fastmcp_preflight.rules.fml101_blocking_sleep_in_async import BlockingSleepInAsync

    assert fix_source(SLEEPS, [BlockingSleepInAsync]) == (
        "import asyncio\n\n\nasync def f():\n    await asyncio.sleep(1)\n"
        "    await asyncio.sleep(2)\n")
    # Still used (also by the fixed code itself, or in `__all__`): kept.
    for rest in ("    return time.time()\n", "__all__ = ['time']\n"):
        assert "import time\n" in fix_source(SLEEPS + rest, [BlockingSleepInAsync])
    assert fix_source("import time\n\nasync def f():\n    time.sleep(time.time())\n",
                      [BlockingSleepInAsync]).startswith("import asyncio\nimport time\n")


def test_only_the_unused_name_of_a_from_import_is_dropped() -> None:
    from fastmcp_preflight.rules.fml101_blocking_sleep_in_async import BlockingSleepInAsync

    code = "from time import monotonic, sleep\n\nasync def f():\n    sleep(monotonic())\n"
    assert fix_source(code, [BlockingSleepInAsync]) == (
        "import asyncio\nfrom time import monotonic\n\nasync def f():\n"
        "    await asyncio.sleep(monotonic())\n")


def test_a_single_fix_carries_the_removal_in_its_edits() -> None:
    """An editor applies one diagnostic's edits: they remove the import themselves."""
    from fastmcp_preflight.rules.fml101_blocking_sleep_in_async import BlockingSleepInAsync

    code = "import time\n\nasync def f():\n    time.sleep(1)\n"
    [diagnostic] = lint_source(code, [BlockingSleepInAsync])
    assert diagnostic.fix is not None
    assert any(e.content == "" and (e.line, e.end_line) == (1, 2) for e in diagnostic.fix.edits)


@pytest.mark.parametrize(("code", "safe"), [
    ("import time\n\nasync def f():\n    time.sleep(1)\n", True),
    ("import time\n\nasync def f(asyncio):\n    time.sleep(1)\n", False),
    ("import time\n\nasync def f():\n    asyncio = None\n    time.sleep(1)\n", False),
    ("import time\nasyncio = object()\n\nasync def f():\n    time.sleep(1)\n", False),
    # A shadowed alias is not used: `import asyncio` is added, and that name is free.
    ("import time\nimport asyncio as aio\n\nasync def f(aio):\n    time.sleep(1)\n", True),
    # The name is bound only in another function: not where the fix is.
    ("import time\n\ndef g(asyncio):\n    pass\n\nasync def f():\n    time.sleep(1)\n", True),
])
def test_a_fix_using_a_shadowed_name_is_unsafe(code: str, safe: bool) -> None:
    from fastmcp_preflight.rules.fml101_blocking_sleep_in_async import BlockingSleepInAsync

    [diagnostic] = lint_source(code, [BlockingSleepInAsync])
    assert diagnostic.fix is not None
    assert diagnostic.fix.applicability == ("safe" if safe else "unsafe")
    if safe:
        assert "asyncio" in fix_source(code, [BlockingSleepInAsync])
    else:
        assert fix_source(code, [BlockingSleepInAsync]) == code


def test_a_shadowed_sys_makes_the_print_fix_unsafe() -> None:
    from fastmcp_preflight.rules.fml601_stdout_in_stdio_server import StdoutInStdioServer

    code = ("from fastmcp import FastMCP\n\nmcp = FastMCP('x')\n\n@mcp.tool\n"
            "def add(a: int) -> int:\n    sys = a\n    print(sys)\n    return a\n")
    [diagnostic] = lint_source(code, [StdoutInStdioServer])
    assert diagnostic.fix is not None and diagnostic.fix.applicability == "unsafe"


def test_reference_finds_aliases_and_names_from_imports() -> None:
    seen: list[Reference] = []

    def build(context: FileContext, _: cst.SimpleStatementLine) -> None:
        seen.extend([context.reference("asyncio"), context.reference("fastmcp.server",
                                                                     "create_proxy"),
                     context.reference("os.path"), context.reference("fastmcp", "Client")])
        return None

    code = ("import asyncio as aio\nimport fastmcp as f\nfrom fastmcp.server import "
            "create_proxy as cp\n\ndef g(os):\n    mark()\n")
    lint_source(code, [marker(build)])
    assert seen == [Reference("aio"), Reference("cp"),
                    Reference("os.path", (Import("os.path"),), shadowed=True),
                    Reference("f.Client")]


def test_import_parse() -> None:
    assert Import.parse("asyncio") == Import("asyncio")
    assert Import.parse("import asyncio as aio") == Import("asyncio", alias="aio")
    assert Import.parse("from a.b import c as d") == Import("a.b", "c", "d")
    assert Import.parse("from .a import c") == Import(".a", "c")
    assert Import("os.path").bound == "os" and Import("a", "b", "c").bound == "c"
    for bad in ("", "import", "from a import", "import a b", "from a import b c",
                "import 1x", "import .a", "from a import b.c"):
        with pytest.raises(ValueError):
            Import.parse(bad)
    for module, name in (("import x", None), ("a", "b c"), (".a", None), ("", None)):
        with pytest.raises(ValueError):
            Import(module, name)


def test_fix_combines_and_marks_unsafe() -> None:
    node = cst.Name("x")
    both = Fix.replace(node, node, description="a") + Fix.add_imports("os", unsafe=True,
                                                                       description="b")
    assert both.applicability == "unsafe" and both.description == "a; b"
    assert both.imports == ("os",) and len(both.replacements) == 1
    assert Fix.replace(node, node).unsafe_if(True).applicability == "unsafe"
    assert Fix.replace(node, node).unsafe_if(False).applicability == "safe"


def test_a_fix_naming_a_node_not_in_the_tree_is_the_rule_s_error() -> None:
    stranger = cst.parse_statement("x = 1\n")
    code = "mark()\n"
    [diagnostic] = lint_source(code, [marker(lambda _, s: Fix.delete(stranger))])
    assert diagnostic.code == "FML000"
    assert "internal error in rule FML990" in diagnostic.message
    assert "SimpleStatementLine node that is not in the file's tree" in diagnostic.message
    [diagnostic] = lint_source(code, [marker(lambda _, s: Fix.add_imports("import a b"))])
    assert diagnostic.code == "FML000" and "not a single import" in diagnostic.message


def test_an_upgrade_fix_moves_an_import_and_renames_a_call() -> None:
    """What issue 17's version rules build on: `FastMCP.as_proxy(x)` becomes
    `create_proxy(x)` with its import, and a moved name leaves its old import."""

    class Upgrade(Rule):
        code = "FML992"
        name = "test-upgrade"
        severity = "warning"
        checklist = "(versions)"
        summary = "old API"
        what = why = instead = "test"

        def visit_Call(self, node: cst.Call) -> None:
            if self.context.resolve(node.func) == "fastmcp.FastMCP.as_proxy":
                proxy = self.context.reference("fastmcp.server", "create_proxy")
                self.report(node, fix=Fix.replace(
                    node, node.with_changes(func=proxy.expression()), imports=proxy.imports,
                ).unsafe_if(proxy.shadowed) + Fix(
                    "safe", remove_imports=("from fastmcp.server.proxy import ProxyClient",),
                    imports=("from fastmcp.server.proxy import FastMCPProxy",)))

    code = ("from fastmcp import FastMCP\nfrom fastmcp.server.proxy import ProxyClient\n\n"
            "server = FastMCP.as_proxy('http://x')\n")
    assert fix_source(code, [Upgrade]) == (
        "from fastmcp import FastMCP\nfrom fastmcp.server import create_proxy\n"
        "from fastmcp.server.proxy import FastMCPProxy\n\n"
        "server = create_proxy('http://x')\n")


def test_a_mention_in_a_comment_keeps_the_import_in_the_edits_but_not_after_fix() -> None:
    """One finding's edits judge by words (cheap, per finding, conservative); `--fix` then
    checks the fixed file exactly, where a comment is no use."""
    from fastmcp_preflight.rules.fml101_blocking_sleep_in_async import BlockingSleepInAsync

    code = "import time\n\n\nasync def f():\n    # wait some time\n    time.sleep(1)\n"
    [diagnostic] = lint_source(code, [BlockingSleepInAsync])
    assert diagnostic.fix is not None
    assert not any(e.content == "" for e in diagnostic.fix.edits)
    assert fix_source(code, [BlockingSleepInAsync]) == (
        "import asyncio\n\n\nasync def f():\n    # wait some time\n    await asyncio.sleep(1)\n")
