"""FML501 hardcoded-secret."""

from __future__ import annotations

import re

import libcst as cst

from fastmcp_lint.api import FileContext, Invalid, Rule, Valid
from fastmcp_lint.model import string_value

#: Words that make a name a credential's name, matched case-insensitively anywhere in the
#: name with its separators (`_`, `-`, `.`, spaces) removed, so that `API_KEY`, `apiKey`,
#: `x-api-key` and `privateKey` all match. `auth` is not matched inside `author` or
#: `authority` (`authorization` still is).
_SECRET_NAME = re.compile(
    r"apikey|secret|token|password|passwd|privatekey|accesskey|auth(?!or(?!i[sz]))",
    re.IGNORECASE,
)
_SEPARATORS = re.compile(r"[\s_.\-]+")

#: Well-known credential prefixes, and what they mark (the message names the kind, never
#: the prefix: the prefix is part of the secret too).
_PREFIXES: tuple[tuple[str, str], ...] = (
    ("sk_live_", "a Stripe secret key"),
    ("sk-", "an OpenAI/Anthropic-style secret key"),
    ("github_pat_", "a GitHub personal access token"),
    ("ghp_", "a GitHub personal access token"),
    ("xoxb-", "a Slack bot token"),
    ("xoxp-", "a Slack user token"),
    ("AKIA", "an AWS access key ID"),
    ("AIza", "a Google API key"),
)
#: A prefixed literal is a credential when at least this many characters follow the prefix
#: (and it has no whitespace): `"sk-SK"` (a locale) or `"sk-learn"` is not a key.
_PREFIX_MIN_TAIL = 8
_MIN_LENGTH = 8
_PLACEHOLDER_WORDS = ("your", "changeme", "example", "xxx", "<", "${", "***")

_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*://(?P<authority>[^/?#\s]*)\S*$")
_ENV_NAME = re.compile(r"^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+$")
_FILE_EXTENSIONS = (".json", ".yaml", ".yml", ".toml", ".ini", ".cfg", ".env", ".txt", ".pem",
                    ".key", ".crt", ".cer", ".p12", ".pfx", ".jks", ".db", ".sqlite", ".pickle")
_PRINTABLE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-]{0,63}$")

#: A message may share no run of this many characters with the secret (case-insensitive).
_LEAK_RUN = 4

#: String literal node types, matched exactly: an `isinstance` on LibCST's node classes is an
#: ABC check, and this rule looks at every argument, parameter and assignment.
_STRINGS = frozenset({cst.SimpleString, cst.ConcatenatedString, cst.FormattedString})


_PREFIX_STARTS = tuple(prefix for prefix, _ in _PREFIXES)


def is_secret_name(name: str) -> bool:
    """Whether a name says it holds a credential (`API_KEY`, `x-api-key`, `authToken`)."""
    return _SECRET_NAME.search(_SEPARATORS.sub("", name)) is not None


def literal_text(node: cst.CSTNode) -> str | None:
    """The text of a plain string literal (also implicit concatenation, or an f-string
    without placeholders); None for anything else."""
    if isinstance(node, cst.SimpleString):
        return string_value(node)  # bytes are not string literals
    if isinstance(node, cst.FormattedString):
        if not all(isinstance(part, cst.FormattedStringText) for part in node.parts):
            return None
        text = "".join(part.value for part in node.parts
                       if isinstance(part, cst.FormattedStringText))
        return text.replace("{{", "{").replace("}}", "}")
    if isinstance(node, cst.ConcatenatedString):
        left, right = literal_text(node.left), literal_text(node.right)
        return None if left is None or right is None else left + right
    return None


def is_placeholder(text: str) -> bool:
    """Empty, all one character, or containing a placeholder marker (`your`, `<`, `${`...)."""
    lowered = text.lower()
    return (not text or len(set(text)) == 1
            or any(word in lowered for word in _PLACEHOLDER_WORDS))


def is_not_a_credential(text: str) -> bool:
    """Values a credential's name commonly holds that are not secrets: a URL without
    `user:password@`, an environment variable's name, a file path or file name."""
    url = _URL.match(text)
    if url is not None:
        userinfo, at, _ = url.group("authority").rpartition("@")
        return not (at and ":" in userinfo)
    if _ENV_NAME.match(text):
        return True
    if any(c.isspace() for c in text):
        return False
    return text.startswith(("/", "./", "../", "~/")) or text.lower().endswith(_FILE_EXTENSIONS)


def credential_kind(text: str) -> str | None:
    """What a literal that starts with a well-known credential prefix is, if it is one."""
    for prefix, kind in _PREFIXES:
        if text.startswith(prefix):
            tail = text[len(prefix):]
            if len(tail) >= _PREFIX_MIN_TAIL and not any(c.isspace() for c in text):
                return kind
            return None
    return None


def leaks(message: str, secret: str) -> bool:
    """Whether `message` contains any run of `_LEAK_RUN` characters of `secret`."""
    lowered, secret = message.lower(), secret.lower()
    if len(secret) < _LEAK_RUN:
        return bool(secret) and secret in lowered
    return any(secret[i:i + _LEAK_RUN] in lowered
               for i in range(len(secret) - _LEAK_RUN + 1))


def _target_name(target: cst.BaseExpression) -> str | None:
    """The name an assignment target gives its value: `x`, `obj.x`, `d["x"]`."""
    if isinstance(target, cst.Name):
        return target.value
    if isinstance(target, cst.Attribute):
        return target.attr.value
    if isinstance(target, cst.Subscript) and len(target.slice) == 1:
        index = target.slice[0].slice
        if isinstance(index, cst.Index):
            return literal_text(index.value)
    return None


class HardcodedSecret(Rule):
    """A credential written into the source instead of read from the environment."""

    code = "FML501"
    name = "hardcoded-secret"
    #: "secret": the text report masks what this rule points at in the source it shows.
    tags = ("secret",)
    severity = "error"
    checklist = "environment variables for all config"
    summary = "hardcoded secret in source"
    what = (
        "Finds secrets written as string literals. (1) A plain string literal (not bytes; "
        "implicit concatenation, or an f-string without placeholders) of 8 or more "
        "characters assigned to a name, attribute, subscript key (`d[\"api_key\"] = ...`, "
        "also `os.environ[...] = ...`), dict key or keyword argument, or given as a "
        "parameter's default, where that name contains `api_key`, `apikey`, `secret`, "
        "`token`, `password`, `passwd`, `private_key`, `access_key` or `auth` "
        "(case-insensitive, ignoring the separators `_`, `-`, `.` and spaces, so `apiKey`, "
        "`x-api-key` and `privateKey` count; `auth` inside `author`/`authority` does not), "
        "including each name of a tuple assignment (`user, password = \"admin\", \"...\"`). "
        "(2) Any plain string literal anywhere that starts with a well-known credential "
        "prefix (OpenAI/Anthropic, live Stripe, GitHub, Slack, AWS and Google key prefixes), "
        "case-sensitively, with at least 8 more characters and no whitespace, so a locale "
        "like `\"sk-SK\"` is not a key; this includes the default of `os.getenv(...)` (a "
        "real key used as a fallback is still in the source). Not reported: values read "
        "from `os.getenv`/`os.environ` (their defaults are only checked by (2)); the empty "
        "string; placeholders (containing `your`, `changeme`, `example`, `xxx`, `<`, `${` or "
        "`***`, case-insensitive, or all one character); and, for (1) only, values that are "
        "not credentials by their shape: a URL without `user:password@` "
        "(`token_url = \"https://...\"`), an environment variable's name "
        "(`TOKEN_VAR = \"GITHUB_TOKEN\"`), a file path or file name "
        "(`token_file = \"token.json\"`). Reported once per literal, at the string literal. "
        "The message names the kind of secret and, when it shares no run of 4 characters "
        "with the secret, the name it is assigned to; it never contains the secret or any "
        "run of 4 of its characters."
    )
    why = (
        "A secret in the source is in every clone, fork, wheel, container image and CI log, "
        "and stays in git history after it is removed. MCP servers are often published or "
        "shared as examples, so keys committed with them are found and abused within hours. "
        "It also cannot be rotated or set per deployment without a code change."
    )
    instead = (
        "Read it from the environment (`os.environ[\"API_KEY\"]`, or a pydantic-settings "
        "`BaseSettings` field), give it to the deployment through the platform's secret "
        "store, and rotate the key that was committed."
    )
    hint = "read it from the environment (`os.environ[...]`) and rotate the committed key"
    needles = ('"', "'")

    VALID = (
        Valid("import os\n\nAPI_KEY = os.environ['API_KEY']\n"
              "TOKEN = os.getenv('GITHUB_TOKEN', '')\nSECRET = os.environ.get('SECRET')\n"),
        Valid("API_KEY = ''\nPASSWORD = 'short'\ntoken = None\n"),
        Valid("API_KEY = 'your-api-key-here'\nSECRET = '<secret>'\nTOKEN = '${TOKEN}'\n"
              "PASSWORD = 'changeme!!'\nAUTH = '********'\nDB_PASSWORD = 'example-pass'\n"
              "KEY = 'sk-xxxxxxxxxxxxxxxx'\n"),
        Valid("from fastmcp import FastMCP\n\nmcp = FastMCP('x')\n\n@mcp.tool\n"
              "def greet(name: str) -> str:\n    '''Greet someone by name.'''\n"
              "    message = f'Hello {name}, your token is {name}'\n    return message\n"),
        Valid("token = f'Bearer {get_token()}'\nheaders = {'Authorization': f'Bearer {token}'}\n"),
        Valid("author = 'Jane Doe Smith'\nAUTHORITY = 'login.microsoftonline.com/common'\n"),
        Valid("token_url = 'https://github.com/login/oauth/access_token'\n"
              "TOKEN_VAR = 'GITHUB_TOKEN'\ntoken_file = 'token.json'\n"
              "SECRET_PATH = '/run/secrets/api'\n"),
        Valid("LOCALE = 'sk-SK'\nPACKAGE = 'sk-learn'\nNOTE = 'sk- prefixed keys are secret'\n"),
        Valid("name = 'api_key_abcdefgh'\ncount = {'tokens': 12345678}\n"),
    )
    INVALID = (
        Invalid("API_KEY = 'a8f5f167f44f4964e6c998dee827110c'\n", at=((1, 11),)),
        Invalid("import os\n\nos.environ['OPENAI_API_KEY'] = 'ok-4f9a2c7e1b3d5f60'\n"
                "client = make(api_key='3c2e9d1f-aa41-4e0b')\n", at=((3, 32), (4, 23))),
        Invalid("class Settings:\n    db_password: str = 'hunter2hunter2'\n\n"
                "    def __init__(self):\n        self.auth_secret = '0123456789abcdef'\n"
                "        self.auth_bytes = b'0123456789abcdef'\n",
                at=((2, 24), (5, 28))),
        Invalid("config = {\n    'name': 'svc',\n    'apiKey': 'Zm9vYmFyYmF6cXV4',\n}\n"
                "user, password = 'admin', 'p@55w0rd!!'\n", at=((3, 15), (5, 27))),
        Invalid("import os\n\nclient = Client(os.getenv('KEY', 'sk-proj-8sJd72Hs9aKq'))\n"
                "HEADERS = {'Authorization': 'Bearer ghp_1234567890abcdefghij'}\n"
                "slack = 'xoxb-' 'fake-1234-5678'\n",
                at=((3, 34), (4, 29), (5, 9))),
        Invalid("from fastmcp import FastMCP\n\nmcp = FastMCP('x')\n\n@mcp.tool\n"
                "def search(query: str, token: str = 'tok-98af23bc11') -> str:\n"
                "    '''Search the index.'''\n    return query\n", at=((6, 37),)),
        Invalid("PASSWORD = f'password123'\n", at=((1, 12),)),
    )

    def __init__(self, context: FileContext) -> None:
        super().__init__(context)
        #: Keyed by id(literal): a node's own `__hash__` is Python code, called per string.
        #: The tree, which keeps the literals alive, outlives the rule's walk.
        self._named: dict[int, str] = {}
        self._done: set[int] = set()

    # -- names given to literals (parents are visited before the literals they hold) ----------

    def _name(self, name: str | None, value: cst.BaseExpression | None) -> None:
        if name is None or value is None:
            return
        if type(value) in _STRINGS and is_secret_name(name):
            self._named.setdefault(id(value), name)

    def _assign(self, target: cst.BaseExpression, value: cst.BaseExpression | None) -> None:
        if isinstance(target, (cst.Tuple, cst.List)) and isinstance(value, (cst.Tuple,
                                                                            cst.List)):
            if len(target.elements) == len(value.elements):
                for element, element_value in zip(target.elements, value.elements,
                                                  strict=True):
                    self._assign(element.value, element_value.value)
            return
        self._name(_target_name(target), value)

    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            self._assign(target.target, node.value)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        self._assign(node.target, node.value)

    def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
        self._assign(node.target, node.value)

    def visit_Param(self, node: cst.Param) -> None:
        self._name(node.name.value, node.default)

    def visit_Arg(self, node: cst.Arg) -> None:
        if node.keyword is not None:
            self._name(node.keyword.value, node.value)

    def visit_DictElement(self, node: cst.DictElement) -> None:
        self._name(literal_text(node.key), node.value)

    # -- the literals -----------------------------------------------------------------------

    def visit_SimpleString(self, node: cst.SimpleString) -> None:
        self._check(node)

    def visit_FormattedString(self, node: cst.FormattedString) -> None:
        self._check(node)

    def visit_ConcatenatedString(self, node: cst.ConcatenatedString) -> None:
        self._check(node)
        parts: list[cst.CSTNode] = [node]
        while parts:  # the parts are judged as one literal, never on their own
            part = parts.pop()
            self._done.add(id(part))
            if isinstance(part, cst.ConcatenatedString):
                parts.extend((part.left, part.right))

    def _check(self, node: cst.SimpleString | cst.FormattedString | cst.ConcatenatedString
               ) -> None:
        if id(node) in self._done:
            return
        name = self._named.get(id(node))
        text = literal_text(node)
        if text is None or (name is None and not text.startswith(_PREFIX_STARTS)):
            return  # most literals: not named like a secret, nor shaped like one
        if is_placeholder(text):
            return
        kind = credential_kind(text)
        if kind is not None:
            self._report(node, text, f"looks like {kind}", name)
        elif (name is not None and len(text) >= _MIN_LENGTH
              and not is_not_a_credential(text)):
            self._report(node, text, "is a hardcoded credential", name)

    def _report(self, node: cst.CSTNode, secret: str, what: str, name: str | None) -> None:
        advice = "read it from the environment and rotate it"
        named = name is not None and _PRINTABLE_NAME.match(name) is not None
        candidates = [
            f"the string literal assigned to `{name}` {what}: {advice}" if named else "",
            f"this string literal {what}: {advice}",
            f"this string literal looks like a credential: {advice}",
            "hardcoded secret in a string literal",
            "hardcoded credential",
            "secret literal",
        ]
        message = next((m for m in candidates if m and not leaks(m, secret)), "FML501")
        self.report(node, message)
