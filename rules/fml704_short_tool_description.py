"""FML704 short-tool-description."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import libcst as cst

from fastmcp_preflight.api import Invalid, Rule, Valid
from fastmcp_preflight.model.file_model import Registration, string_value
from fastmcp_preflight.model.walker import child_nodes


@dataclass(frozen=True)
class ShortDescriptionOptions:
    """`[tool.fastmcp-lint.rules.FML704]`: how long a description must be."""

    min_characters: int = field(default=20, metadata={
        "help": "a description, stripped, shorter than this is reported when its words "
                "say nothing beyond the tool's name and parameter names"})
    min_words: int = field(default=3, metadata={
        "help": "a description with fewer whitespace-separated words is always reported"})


#: Words that carry no meaning of their own in a description: articles, prepositions,
#: conjunctions, pronouns, and the kind of the registration (the client knows it already).
_STOPWORDS = frozenset({
    "a", "an", "the", "of", "to", "for", "on", "in", "at", "by", "with", "from", "into",
    "onto", "and", "or", "some", "any", "this", "that", "these", "those", "it", "its", "is",
    "are", "be", "as", "my", "your",
    "tool", "resource", "prompt", "template", "function",
})
_WORD = re.compile(r"[a-z0-9]+")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_POSSESSIVE = re.compile(r"['\u2019]s\b")


def _forms(word: str) -> set[str]:
    """A word and its simple stems (`numbers`, `queries`, `boxes`, `greeting`, `saved`), so
    that `Gets the weather.` matches `get_weather`."""
    forms = {word}
    for suffix, replacements in (("ies", ("y",)), ("es", ("",)), ("s", ("",)),
                                 ("ing", ("", "e")), ("ed", ("", "e")), ("d", ("",))):
        if word.endswith(suffix) and len(word) > len(suffix) + 1 and not word.endswith("ss"):
            forms.update(word[:-len(suffix)] + tail for tail in replacements)
    return forms


def _words(text: str) -> list[str]:
    return _WORD.findall(_POSSESSIVE.sub("", _CAMEL.sub(" ", text)).lower())


def restates_name(text: str, names: list[str]) -> bool:
    """Whether every content word of `text` is a word of one of `names` (the registered
    name, the function's name, its parameter names): all the model would learn from the
    description, it already has from the tool's signature."""
    known: set[str] = set()
    for name in names:
        for word in _words(name):
            known |= _forms(word)
    return all(_forms(word) & known for word in _words(text) if word not in _STOPWORDS)


def _too_short(text: str, names: list[str], options: ShortDescriptionOptions) -> bool:
    stripped = text.strip()
    if len(stripped.split()) < options.min_words:
        return True
    return len(stripped) < options.min_characters and restates_name(stripped, names)


def _removed_again(registration: Registration, source: str) -> bool:
    """A registration that the function making it undoes by name (`mcp.add_prompt(...)`
    then `mcp.remove_prompt("name")`, to send a list-changed notification): no model is
    ever shown its description. `source` is the file's text: a file that never spells
    `remove_<kind>` undoes nothing, and its functions are not searched."""
    if f"remove_{registration.kind}" not in source:
        return False
    scope = registration.scope
    if scope is None or scope.kind != "function" or registration.kind == "route":
        return False
    key = registration.uri if registration.kind == "resource" else registration.name
    wanted = string_value(key) if key is not None else registration.function.name.value
    if wanted is None:
        return False
    remove = f"remove_{registration.kind}"
    stack: list[cst.CSTNode] = [scope.node]
    while stack:  # (libcst.matchers would do, but importing it costs every run 0.15 s)
        node = stack.pop()
        if (isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute)
                and node.func.attr.value == remove and node.args
                and string_value(node.args[0].value) == wanted):
            return True
        stack.extend(child_nodes(node))
    return False


def _signature_names(node: cst.FunctionDef, registered: str) -> list[str]:
    params = node.params
    every = (*params.posonly_params, *params.params, *params.kwonly_params)
    return [registered, node.name.value, *(param.name.value for param in every)]


class ShortToolDescription(Rule):
    """A tool, resource or prompt whose description is too short to tell the model anything."""

    code = "FML704"
    name = "short-tool-description"
    severity = "warning"
    checklist = "(tool quality)"
    summary = "tool description is too short to be useful"
    what = (
        "Finds tools, resources (and resource templates) and prompts whose description, "
        "stripped, has fewer than 3 words (separated by whitespace), or fewer than 20 "
        "characters and says nothing beyond the tool's own name: every word of it, leaving "
        "out articles, prepositions, conjunctions, pronouns and the words `tool`, "
        "`resource`, `prompt`, `template` and `function`, is a word of the registered name, "
        "the function's name or a parameter's name (split at `_`, `-`, `.` and camelCase, "
        "compared case-insensitively and with simple endings dropped: `-s`, `-es`, `-ies`, "
        "`-ing`, `-ed`, `'s`). So `get_weather` with `\"Gets the weather.\"` and "
        "`process_data(data)` with `\"Process some data\"` are reported, but `add(a, b)` "
        "with `\"Add two numbers\"` and `delete(key)` with `\"Delete a Redis key.\"` are "
        "not: a short sentence that adds what the name leaves open (what is added, which store) is "
        "complete, and maintainers do not pad it. Both limits are options (`min-words`, "
        "`min-characters`). The description is the `description=` "
        "string of the registration when one is given, else the docstring as "
        "`inspect.cleandoc` cleans it, up to its "
        "first parameter or return section (a line `Args:`, `Arguments:`, `Parameters`, "
        "`Returns:`, `Raises:`, `Yields:`, a NumPy header underlined with dashes, or a Sphinx "
        "`:param`/`:return`/`:type`/`:raises` field): FastMCP sends the sections as "
        "parameter descriptions, so a one-word summary above a long `Args:` section is "
        "short. A "
        "`description=` that is empty or `None` falls back to the docstring, as FastMCP "
        "does. A `description=` naming a module-level constant bound once to a string is "
        "read through it; any other computed description (a call, an f-string) is not "
        "checked. A function with no description at all is FML701's, not this rule's. A "
        "registration that the function making it removes again by name "
        "(`mcp.add_prompt(...)` then `mcp.remove_prompt(\"name\")`, to send a list-changed "
        "notification) is never listed to a model and is not checked. When one function is "
        "registered several times it is reported once, if any "
        "registration's description is short. Reported at the function name."
    )
    why = (
        "The model picks tools by their descriptions. `\"Search.\"` or `\"Get data\"` says "
        "neither what the tool does nor when to use it, so the model calls it at the wrong "
        "time, confuses it with a similar tool, or passes arguments it cannot handle."
    )
    instead = (
        "Say what the tool does, when to call it and what it returns, in a sentence or two: "
        "`\"Search the knowledge base for articles matching a query; returns titles and "
        "URLs.\"`"
    )
    hint = ("describe what it does, when to use it and what it returns, beyond what its name "
            "says (3+ words)")
    OPTIONS = ShortDescriptionOptions
    #: Any module's function may be a tool that another module registers.
    needles = ("def ",)

    VALID = (
        Valid("from fastmcp import FastMCP\n\nmcp = FastMCP('x')\n\n@mcp.tool\n"
              "def add(a: int, b: int) -> int:\n    \"\"\"Add two integers and return the "
              "sum.\"\"\"\n    return a + b\n"),
        # Looser options: two words of 13 characters are enough.
        Valid("from fastmcp import FastMCP\n\nmcp = FastMCP('x')\n\n"
              "@mcp.tool(description='Add two-ints.')\n"
              "def add(a: int, b: int) -> int:\n    return a + b\n",
              options={"min-characters": 10, "min-words": 2}),
        # Short but complete: three words under 20 characters that say more than the name
        # and the parameters (`two`, `numbers`; `Redis`; `input`).
        Valid("from fastmcp import FastMCP\n\nmcp = FastMCP('x')\n\n@mcp.tool\n"
              "def add(a: int, b: int) -> int:\n    \"\"\"Add two numbers\"\"\"\n"
              "    return a + b\n\n@mcp.tool\ndef delete(key: str) -> int:\n"
              "    \"\"\"Delete a Redis key.\"\"\"\n    return 1\n\n"
              "@mcp.resource('echo://{text}', description='Echo the input text')\n"
              "def echo_template(text: str) -> str:\n    return text\n"),
        # Exactly 20 characters and 3 words.
        Valid("from fastmcp import FastMCP\n\nmcp = FastMCP('x')\n\n"
              "@mcp.tool(description='Add the two ints!!!!')\n"
              "def add(a: int, b: int) -> int:\n    return a + b\n"),
        # The description= wins over a short docstring; an empty one falls back to it.
        Valid("from fastmcp import FastMCP\n\nmcp = FastMCP('x')\n\n"
              "@mcp.tool(description='Add two integers and return the sum.')\n"
              "def add(a: int, b: int) -> int:\n    \"\"\"Add.\"\"\"\n    return a + b\n\n"
              "@mcp.tool(description='')\ndef sub(a: int, b: int) -> int:\n"
              "    \"\"\"Subtract the second integer from the first.\"\"\"\n    return a - b\n"),
        # No description at all is FML701; a computed one is not checked.
        Valid("from fastmcp import FastMCP\n\nmcp = FastMCP('x')\n\n@mcp.tool\n"
              "def add(a: int) -> int:\n    return a\n\n"
              "@mcp.tool(description=load_text('sub'))\ndef sub(a: int) -> int:\n"
              "    return -a\n"),
        # Not registered: a helper with a short docstring, a custom route.
        Valid("from fastmcp import FastMCP\n\nmcp = FastMCP('x')\n\ndef helper(a):\n"
              "    \"\"\"Help.\"\"\"\n    return a\n\n"
              "@mcp.custom_route('/health', methods=['GET'])\nasync def health(request):\n"
              "    \"\"\"OK.\"\"\"\n    return None\n"),
        Valid("def tool(fn):\n    return fn\n\n@tool\ndef add(a, b):\n    \"\"\"Add.\"\"\"\n"
              "    return a + b\n"),
        # Registered and removed again at once: no model ever lists it.
        Valid("from fastmcp import FastMCP\n\nmcp = FastMCP('x')\n\ndef probe() -> str:\n"
              "    return 'x'\n\n@mcp.tool\ndef churn() -> str:\n"
              "    \"\"\"Add and remove a tool, so that clients see the list change.\"\"\"\n"
              "    mcp.add_tool(probe, name='probe', description='Probe.')\n"
              "    mcp.remove_tool('probe')\n    return 'changed'\n"),
        # Measured up to the first section: a full sentence before `Args:`.
        Valid("from fastmcp import FastMCP\n\nmcp = FastMCP('x')\n\n@mcp.tool\n"
              "def add(a: int, b: int) -> int:\n    \"\"\"Add two integers and return the sum.\n"
              "\n    Args:\n        a: x\n    \"\"\"\n    return a + b\n"),
        # A docstring with only sections has no description: FML701's.
        Valid("from fastmcp import FastMCP\n\nmcp = FastMCP('x')\n\n@mcp.tool\n"
              "def add(a: int, b: int) -> int:\n    \"\"\"\n    Args:\n        a: the first "
              "integer to add.\n    \"\"\"\n    return a + b\n"),
    )
    INVALID = (
        Invalid("from fastmcp import FastMCP\n\nmcp = FastMCP('x')\n\n@mcp.tool\n"
                "def add(a: int, b: int) -> int:\n    \"\"\"Add numbers.\"\"\"\n"
                "    return a + b\n", at=((6, 5),)),
        # With stricter options, the docstring of the first VALID example is short.
        Invalid("from fastmcp import FastMCP\n\nmcp = FastMCP('x')\n\n@mcp.tool\n"
                "def add(a: int, b: int) -> int:\n    \"\"\"Add two integers and return the "
                "sum.\"\"\"\n    return a + b\n", at=((6, 5),),
                options={"min-characters": 40, "min-words": 8}),
        # Three words or more under 20 characters that only restate the name and the
        # parameters (`Gets`/`get`, `items`/`item_id`); stopwords and the kind do not count.
        Invalid("from fastmcp import FastMCP\n\nmcp = FastMCP('x')\n\n@mcp.tool\n"
                "def get_weather(city: str) -> str:\n    \"\"\"Gets the weather.\"\"\"\n"
                "    return city\n\n@mcp.tool(description='Process some data')\n"
                "def process_data(data: str) -> str:\n    return data\n\n"
                "@mcp.prompt(name='code_review', description='Code review prompt')\n"
                "def review(language: str) -> str:\n    return language\n\n"
                "@mcp.tool\ndef fetchItem(item_id: int) -> str:\n"
                "    \"\"\"Fetches an item.\"\"\"\n    return ''\n",
                at=((6, 5), (11, 5), (15, 5), (19, 5))),
        # 20 characters but two words.
        Invalid("from fastmcp import FastMCP\n\nmcp = FastMCP('x')\n\n"
                "@mcp.resource('data://{key}', description='Configuration values')\n"
                "async def load(key: str) -> str:\n    return key\n", at=((6, 11),)),
        # Three words but 16 characters; the docstring is cleaned first.
        Invalid("from mcp.server.fastmcp import FastMCP\n\napp = FastMCP('x')\n\n"
                "@app.prompt()\ndef review(code: str) -> str:\n    \"\"\"\n    Review the code.\n"
                "    \"\"\"\n    return code\n", at=((6, 5),)),
        Invalid("from fastmcp import FastMCP\n\nmcp = FastMCP('x')\nSHORT = 'Subtract.'\n\n"
                "def sub(a: int, b: int) -> int:\n    return a - b\n\n"
                "mcp.tool(sub, description=SHORT)\n", at=((6, 5),)),
        Invalid("from fastmcp import FastMCP\n\n\nclass Tools:\n"
                "    def search(self, query: str) -> str:\n        '''Search.'''\n"
                "        return query\n\n\n"
                "def build() -> FastMCP:\n    server = FastMCP('x')\n"
                "    server.add_tool(Tools().search)\n    return server\n", at=((5, 9),)),
        # Long docstrings whose description, before the sections, is one word.
        Invalid("from fastmcp import FastMCP\n\nmcp = FastMCP('x')\n\n@mcp.tool\n"
                "def search(query: str, limit: int = 10) -> list[str]:\n    \"\"\"Search.\n\n"
                "    Args:\n        query: the words to look for in every note title.\n"
                "        limit: at most this many results are returned to the caller.\n"
                "    \"\"\"\n    return [query]\n\n"
                "@mcp.tool\ndef count(table: str) -> int:\n    \"\"\"Count rows.\n\n"
                "    Parameters\n    ----------\n    table : str\n"
                "        The table whose rows are counted, schema-qualified.\n    \"\"\"\n"
                "    return 0\n\n@mcp.tool\ndef drop(table: str) -> None:\n"
                "    \"\"\"Drop a table.\n    :param table: the table to drop for good, with "
                "its data.\n    \"\"\"\n", at=((6, 5), (16, 5), (27, 5))),
    )

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        model = self.context.model
        if model.tool_of(node, elsewhere=True) is None:
            return
        options = self.options(ShortDescriptionOptions)
        for registration in model.registrations_of(node, elsewhere=True):
            description = model.description_of(registration)
            if description is None or description.text is None or _removed_again(
                    registration, self.context.source):
                continue
            if _too_short(description.text,
                          _signature_names(node, registration.name_text), options):
                stripped = description.text.strip()
                words = stripped.split()
                verdict = ("too short to tell the model when to use it"
                           if len(words) < options.min_words else
                           "it only restates its name and parameters, too short to tell the "
                           "model when to use it")
                self.report(
                    node.name,
                    f"{registration.kind} `{node.name.value}` has a description of "
                    f"{len(stripped)} characters and {len(words)} word(s) "
                    f"(\"{_clip(' '.join(words))}\"): {verdict}",
                    condition=model.tool_condition(registration, self.context.path, "doc"),
                )
                return


def _clip(text: str) -> str:
    return text if len(text) <= 30 else text[:27] + "..."
