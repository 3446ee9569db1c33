"""FML904 code-execution-from-tool-input."""

from __future__ import annotations

from fastmcp_preflight.api import Invalid, ToolInputRule, Valid


class CodeExecutionFromToolInput(ToolInputRule):
    """Tool input is run as code, imported, or unpickled."""

    code = "FML904"
    name = "code-execution-from-tool-input"
    severity = "error"
    checklist = "(security)"
    tags = ("security",)
    security_severity = 9.0
    summary = "tool input is evaluated, imported or unpickled"
    what = (
        "Finds, in the body of a tool, resource or prompt function, a value derived from its "
        "parameters (see FML901 for what derives) given to `eval`, `exec`, `compile`, "
        "`pickle.loads`, `marshal.loads`, `yaml.unsafe_load`, `yaml.load` without "
        "`Loader=` a `SafeLoader`/`CSafeLoader`, `importlib.import_module` or `__import__`. "
        "Not reported after checks that mention values from each parameter it comes from (a "
        "comparison such as `name in PLUGINS`, or a call of a function named like a check), "
        "nor a `compile(...)` whose result is thrown away (a syntax check: the code object "
        "is never run). Reported at the call."
    ) + ToolInputRule.THROUGH_THE_PROJECT
    why = (
        "Whatever reaches these calls runs as Python inside the server: `eval(expression)` "
        "given `__import__('os').system('...')`, a pickle whose `__reduce__` calls a shell, "
        "YAML with `!!python/object/apply`, or a module name that imports attacker-chosen "
        "code. A prompt-injected model is enough to send it."
    )
    instead = (
        "Parse data, never run it: `json.loads`, `ast.literal_eval` for Python literals, "
        "`yaml.safe_load`; evaluate arithmetic with a small parser; map names to modules "
        "through a fixed dict or an allow-list instead of importing what the input names."
    )
    hint = "parse with `json.loads`, `ast.literal_eval` or `yaml.safe_load`; never evaluate input"

    VALID = (
        Valid("import ast\nfrom fastmcp import FastMCP\n\nmcp = FastMCP('x')\n\n@mcp.tool\n"
              "def parse(literal: str) -> object:\n    \"\"\"Parse a Python literal.\"\"\"\n"
              "    return ast.literal_eval(literal)\n"),
        Valid("import yaml\nfrom fastmcp import FastMCP\n\nmcp = FastMCP('x')\n\n@mcp.tool\n"
              "def config(text: str) -> dict:\n"
              "    return yaml.load(text, Loader=yaml.SafeLoader)\n"),
        # An allow-list of plugin modules.
        Valid("import importlib\nfrom fastmcp import FastMCP\n\nmcp = FastMCP('x')\n"
              "PLUGINS = ('plugins.csv', 'plugins.json')\n\n@mcp.tool\n"
              "def load(plugin: str) -> str:\n    if plugin not in PLUGINS:\n"
              "        raise ValueError(plugin)\n"
              "    return importlib.import_module(plugin).__name__\n"),
        # A syntax check: the compiled code is thrown away.
        Valid("from fastmcp import FastMCP\n\nmcp = FastMCP('x')\n\n@mcp.tool\n"
              "def check_syntax(source: str) -> str:\n    try:\n"
              "        compile(source, '<tool>', 'exec')\n    except SyntaxError as error:\n"
              "        return str(error)\n    return 'ok'\n"),
        # A constant expression: the input is only a variable of it.
        Valid("from fastmcp import FastMCP\n\nmcp = FastMCP('x')\n\n@mcp.tool\n"
              "def double(x: int) -> int:\n    return eval('x * 2', {'x': x})\n"),
    )
    INVALID = (
        Invalid("from fastmcp import FastMCP\n\nmcp = FastMCP('x')\n\n@mcp.tool\n"
                "def calculate(expression: str) -> float:\n"
                "    \"\"\"Evaluate an arithmetic expression.\"\"\"\n"
                "    return eval(expression)\n",
                at=((8, 12),)),
        Invalid("import pickle\nimport yaml\nfrom fastmcp import FastMCP\n\n"
                "mcp = FastMCP('x')\n\n@mcp.tool\ndef restore(blob: str, doc: str) -> list:\n"
                "    state = pickle.loads(blob.encode('latin-1'))\n"
                "    settings = yaml.load(doc, Loader=yaml.FullLoader)\n"
                "    return [state, settings]\n",
                at=((9, 13), (10, 16))),
        Invalid("from fastmcp import FastMCP\n\nmcp = FastMCP('x')\n\n@mcp.tool\n"
                "def run(snippet: str) -> None:\n    code = compile(snippet, '<tool>', 'exec')\n"
                "    exec(code)\n",
                at=((7, 12),)),
        Invalid("import importlib as il\nfrom fastmcp import FastMCP\n\nmcp = FastMCP('x')\n\n"
                "@mcp.tool\ndef version(package: str) -> str:\n"
                "    return il.import_module(f'{package}.version').VERSION\n",
                at=((8, 12),)),
    )
