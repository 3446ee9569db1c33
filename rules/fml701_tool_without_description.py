"""FML701 tool-without-description."""

from __future__ import annotations

import libcst as cst

from fastmcp_preflight.api import Invalid, Rule, Valid

_KIND_LABEL = {"tool": "tool", "resource": "resource", "prompt": "prompt"}


class ToolWithoutDescription(Rule):
    """A tool, resource or prompt that the model sees with no description at all."""

    code = "FML701"
    name = "tool-without-description"
    severity = "warning"
    checklist = "(tool quality)"
    summary = "tool has no description"
    what = (
        "Finds functions registered as a tool, resource (or resource template) or prompt, "
        "in any registration form (`@mcp.tool`, `@mcp.tool(...)`, `mcp.tool(fn)`, "
        "`mcp.add_tool(Tool.from_function(fn))`, `server.add_tool(obj.method)`, ...), that have "
        "neither a docstring nor a `description=` argument in the registering decorator or "
        "call. A docstring or `description=` that is empty or only whitespace counts as "
        "missing (the model is shown nothing either way), and so does `description=None`; "
        "a `description=` that is any other expression (a constant, a call) is taken as "
        "given. When one function is registered several times, it is reported once if any "
        "registration lacks a description. A docstring counts only for its part before the "
        "first parameter or return section (a line `Args:`, `Arguments:`, `Parameters`, "
        "`Returns:`, `Raises:`, `Yields:`, or a `:param`/`:return` field): FastMCP sends "
        "the sections as parameter descriptions, so a docstring that starts with `Args:` "
        "leaves the tool itself undescribed. A function decorated with `@functools.wraps(f)` "
        "has `f`'s docstring, which is not known here: not reported. Reported at the "
        "function name."
    )
    why = (
        "The description is the only thing that tells the model what a tool does and when to "
        "call it. Without one the model guesses from the name: it calls the tool at the wrong "
        "time, with the wrong arguments, or never."
    )
    instead = (
        "Write a docstring saying what the tool does, when to use it and what it returns, or "
        "pass `description=\"...\"` to the decorator."
    )
    hint = "add a docstring or `description=` to the registration"
    #: Any module's function may be a tool that another module registers.
    needles = ("def ",)

    VALID = (
        Valid("from fastmcp import FastMCP\n\nmcp = FastMCP('x')\n\n@mcp.tool\n"
              "def add(a: int, b: int) -> int:\n    \"\"\"Add two integers.\"\"\"\n"
              "    return a + b\n"),
        Valid("from fastmcp import FastMCP\n\nmcp = FastMCP('x')\n\n"
              "@mcp.tool(description='Add two integers and return the sum.')\n"
              "def add(a: int, b: int) -> int:\n    return a + b\n"),
        Valid("from fastmcp import FastMCP\n\nmcp = FastMCP('x')\n\n"
              "def add(a: int, b: int) -> int:\n    return a + b\n\n"
              "mcp.tool(add, description='Add two integers.')\n"),
        Valid("from fastmcp import FastMCP\n\nmcp = FastMCP('x')\nDESCRIPTION = 'Add numbers.'\n\n"
              "@mcp.tool(description=DESCRIPTION)\ndef add(a: int, b: int) -> int:\n"
              "    return a + b\n"),
        # Not registered: a helper, a nested def inside a tool, a custom route.
        Valid("from fastmcp import FastMCP\n\nmcp = FastMCP('x')\n\n"
              "def helper(a):\n    return a\n\n@mcp.tool\nasync def add(a: int) -> int:\n"
              "    \"\"\"Add one.\"\"\"\n    def inner(x):\n        return x + 1\n"
              "    return inner(a)\n"),
        Valid("from fastmcp import FastMCP\n\nmcp = FastMCP('x')\n\n"
              "@mcp.custom_route('/health', methods=['GET'])\nasync def health(request):\n"
              "    return None\n"),
        # `tool` is a local decorator here, not a server's.
        Valid("def tool(fn):\n    return fn\n\n@tool\ndef add(a, b):\n    return a + b\n"),
        Valid("from mcp.server.fastmcp import FastMCP as Server\n\nserver = Server('x')\n\n"
              "@server.prompt()\ndef review(code: str) -> str:\n"
              "    '''Ask for a code review.'''\n    return code\n"),
        Valid("from fastmcp import FastMCP\n\nmcp = FastMCP('x')\n\n"
              "if __name__ == '__main__':\n    def debug(a):\n        return a\n"
              "    mcp.run()\n"),
        # A description before the sections; `description=` with a sections-only docstring.
        Valid("from fastmcp import FastMCP\n\nmcp = FastMCP('x')\n\n@mcp.tool\n"
              "def add(a: int, b: int) -> int:\n    \"\"\"Add two integers.\n\n    Args:\n"
              "        a: the first.\n        b: the second.\n    \"\"\"\n    return a + b\n\n"
              "@mcp.tool(description='Subtract two integers.')\n"
              "def sub(a: int, b: int) -> int:\n    \"\"\"\n    Args:\n        a: the first.\n"
              "    \"\"\"\n    return a - b\n"),
        # `functools.wraps` gives the wrapper the wrapped function's docstring.
        Valid("import functools\n\nfrom fastmcp import FastMCP\n\nmcp = FastMCP('x')\n\n"
              "def audited(func):\n    @functools.wraps(func)\n"
              "    async def wrapper(*args, **kwargs):\n"
              "        return await func(*args, **kwargs)\n"
              "\n    mcp.tool(name=func.__name__)(wrapper)\n    return wrapper\n"),
    )
    INVALID = (
        Invalid("from fastmcp import FastMCP\n\nmcp = FastMCP('x')\n\n@mcp.tool\n"
                "def add(a: int, b: int) -> int:\n    return a + b\n", at=((6, 5),)),
        Invalid("from fastmcp import FastMCP\n\nmcp = FastMCP('x')\n\n"
                "@mcp.resource('data://{key}')\nasync def load(key: str) -> str:\n"
                "    return key\n", at=((6, 11),)),
        Invalid("from mcp.server.fastmcp import FastMCP\n\napp = FastMCP('x')\n\n"
                "@app.prompt(name='review')\ndef review(code: str) -> str:\n"
                "    \"\"\"   \"\"\"\n    return code\n", at=((6, 5),)),
        Invalid("from fastmcp import FastMCP\n\nmcp = FastMCP('x')\n\n"
                "def add(a: int, b: int) -> int:\n    return a + b\n\nmcp.tool(add)\n",
                at=((5, 5),)),
        Invalid("from fastmcp import FastMCP\n\n\nclass Tools:\n"
                "    def search(self, query: str) -> str:\n        return query\n\n\n"
                "def build() -> FastMCP:\n    server = FastMCP('x')\n    tools = Tools()\n"
                "    server.add_tool(tools.search)\n    return server\n", at=((5, 9),)),
        Invalid("from fastmcp import FastMCP\n\nmcp = FastMCP('x')\n\n"
                "@mcp.tool(name='add', description='')\ndef add(a: int) -> int:\n"
                "    return a\n\n@mcp.tool(description=None)\ndef sub(a: int) -> int:\n"
                "    return -a\n", at=((6, 5), (10, 5))),
        Invalid("from fastmcp import FastMCP\n\n\ndef register(mcp: FastMCP) -> None:\n"
                "    @mcp.tool\n    async def ping() -> str:\n        return 'pong'\n",
                at=((6, 15),)),
        # Docstrings with nothing before their parameter or return sections.
        Invalid("from fastmcp import FastMCP\n\nmcp = FastMCP('x')\n\n@mcp.tool\n"
                "def add(a: int, b: int) -> int:\n    \"\"\"\n    Args:\n        a: first.\n"
                "        b: second.\n\n    Returns:\n        The sum.\n    \"\"\"\n"
                "    return a + b\n\n@mcp.tool\ndef sub(a: int, b: int) -> int:\n"
                "    \"\"\":param a: first.\n    :param b: second.\n    \"\"\"\n"
                "    return a - b\n\n@mcp.tool\ndef neg(a: int) -> int:\n"
                "    \"\"\"\n    Parameters\n    ----------\n    a : int\n        A number.\n"
                "    \"\"\"\n    return -a\n",
                at=((6, 5), (18, 5), (25, 5))),
    )

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        model = self.context.model
        if model.tool_of(node, elsewhere=True) is None:
            return
        missing = next((r for r in model.registrations_of(node, elsewhere=True)
                        if model.description_of(r) is None), None)
        if missing is None:
            return
        kind = _KIND_LABEL.get(missing.kind, "tool")
        docstring = node.get_docstring(clean=True)
        if docstring is not None and docstring.strip():
            detail = ("its docstring has only parameter and return sections and there is no "
                      "`description=`")
        else:
            detail = "it has no docstring and no `description=`"
        self.report(
            node.name,
            f"{kind} `{node.name.value}` has no description ({detail}): the model is shown "
            "no description of it",
            condition=model.tool_condition(missing, self.context.path, "doc"),
        )
