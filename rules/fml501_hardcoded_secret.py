"""FML501 hardcoded-secret."""

from __future__ import annotations

import re

import libcst as cst

from fastmcp_preflight.api import FileContext, Invalid, Rule, Valid
from fastmcp_preflight.model.file_model import string_value

# -- (a) names ---------------------------------------------------------------------------------

#: A name's words: its `_`/`-`/`.`/space separated parts, each split at camelCase humps
#: (`OPENAI_API_KEY`, `apiKey`, `x-api-key`, `APIKey`, `NextPageToken`).
_PARTS = re.compile(r"[^A-Za-z0-9]+")
_WORDS = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+")
#: `key` is a credential's name only after one of these words (`api_key`, `signingKey`; not
#: `token_key`, `cache_key`).
_KEY_QUALIFIERS = frozenset({"api", "access", "private", "secret", "signing"})
#: A name whose last word ends with one of these holds a credential (`github_token`,
#: `dbPassword`, `CLIENT_SECRET`, `APIKEY`, and the glued `privatekey`).
_SECRET_ENDINGS = ("apikey", "accesskey", "privatekey", "secretkey", "signingkey", "secret",
                   "token", "password", "passwd", "pwd", "credentials")
#: A word before `token` that makes it a pagination or form token (`NextToken`,
#: `next_page_token`, `csrf_token`); matched at the word's start, so `nextpage` counts too.
_NOT_CREDENTIAL_TOKENS = ("next", "page", "pagination", "continuation", "cursor", "sync", "csrf")

# -- (b) credential prefixes -------------------------------------------------------------------

#: Well-known credential prefixes, longest first, and what they mark (the message names the
#: kind, never the prefix: the prefix is part of the secret too, so no kind shares a run of
#: `_LEAK_RUN` characters with its prefix: not "project", "live", "GitHub" for `github_pat_`).
_PREFIXES: tuple[tuple[str, str], ...] = (
    ("sk-proj-", "an OpenAI API key"),
    ("sk_live_", "a Stripe secret key"),
    ("sk-", "an OpenAI/Anthropic-style secret key"),
    ("github_pat_", "a fine-grained personal access token"),
    ("ghp_", "a GitHub personal access token"),
    ("xoxb-", "a Slack bot token"),
    ("xoxp-", "a Slack user token"),
    ("AKIA", "an AWS access key ID"),
    ("AIza", "a Google API key"),
)
_PREFIX_STARTS = tuple(prefix for prefix, _ in _PREFIXES)
#: Cheap test on a literal's source before it is decoded: can it hold a prefixed word at all?
_ANY_PREFIX = re.compile("|".join(re.escape(prefix) for prefix in _PREFIX_STARTS))
#: A prefixed word is a credential from this length on (`"sk-SK"`, `"sk-learn"` are not).
_PREFIXED_MIN_LENGTH = 20
#: A word with one of these is a pattern that finds tokens, not a token.
_PATTERN_CHARACTERS = frozenset("\\[](){}^$|?*")

# -- "looks like a secret" -----------------------------------------------------------------------

_MIN_LENGTH = 8
_ENCODED_MIN_LENGTH = 20
_PLACEHOLDER_WORDS = ("your", "changeme", "example", "xxx", "dummy", "fake", "mock", "sample",
                      "test", "placeholder", "redacted", "<", "${", "***",
                      # not in RULES.md: example servers' `"demo-m2m-secret"` is no secret
                      "demo")
#: Only letters, or words of letters joined by `_`, `-` or `.` (`NextToken`, `auth.mode`).
_IDENTIFIER = re.compile(r"[_.\-]*[A-Za-z]+(?:[_.\-]+[A-Za-z]+)*[_.\-]*")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[A-Za-z]{2,}")
_HEX = re.compile(r"[0-9A-Fa-f]+")
_BASE64 = re.compile(r"[A-Za-z0-9+/=_\-]+")
_REGEX_CHARACTERS = frozenset("\\[({")
_WORDLIKE_PUNCTUATION = frozenset("_-.")

# -- approval comments of other scanners ---------------------------------------------------------

#: detect-secrets' `pragma: allowlist secret`, and ruff's (flake8-bandit's) noqa codes S105-S107.
_APPROVAL = re.compile(r"#\s*pragma\s*:\s*allowlist[\s-]+secret\b"
                       r"|#\s*noqa\s*:[^#]*\bS10[567]\b", re.IGNORECASE)
#: `# nosec` (bandit), bare or naming its tests: then only the hard-coded password tests count.
_NOSEC = re.compile(r"#\s*nosec\b:?(?P<tests>[^#]*)", re.IGNORECASE)
_BANDIT_TEST = re.compile(r"\bB\d{3}\b|\bhardcoded_\w+", re.IGNORECASE)
_BANDIT_SECRET_TESTS = frozenset({"b105", "b106", "b107", "hardcoded_password_string",
                                  "hardcoded_password_funcarg", "hardcoded_password_default"})
_LINE_BREAK = re.compile(r"\r\n|\r|\n")

#: A message may share no run of this many characters with the secret (case-insensitive).
_LEAK_RUN = 4
_PRINTABLE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-]{0,63}$")

#: String literal node types, matched exactly: an `isinstance` on LibCST's node classes is an
#: ABC check, and this rule looks at every argument, parameter and assignment.
_STRINGS = frozenset({cst.SimpleString, cst.ConcatenatedString, cst.FormattedString})


def name_words(name: str) -> list[str]:
    """A name's snake_case/camelCase/kebab-case words, lower-cased."""
    return [word.lower() for part in _PARTS.split(name) for word in _WORDS.findall(part)]


def is_secret_name(name: str) -> bool:
    """Whether a name says it holds a credential (`API_KEY`, `x-api-key`, `githubToken`; not
    `token_key`, `auth_mode`, `NextToken`)."""
    words = name_words(name)
    if not words:
        return False
    last = words[-1]
    if last == "key":
        return len(words) > 1 and words[-2] in _KEY_QUALIFIERS
    ending = next((e for e in _SECRET_ENDINGS if last.endswith(e)), None)
    if ending is None:
        return False
    if ending == "token":
        before = [*words[:-1], last[:-len("token")]]
        return not any(word.startswith(_NOT_CREDENTIAL_TOKENS) for word in before if word)
    return True


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
    """Empty, all one character (after a credential prefix too), or containing a
    placeholder marker (`your`, `test`, `demo`, `<`, `${`...), case-insensitively."""
    lowered = text.lower()
    rest = next((text[len(p):] for p in _PREFIX_STARTS if text.startswith(p)), text)
    return (not text or len(set(rest)) <= 1
            or any(word in lowered for word in _PLACEHOLDER_WORDS))


def looks_like_secret(text: str) -> bool:
    """Whether a value given to a credential's name has a secret's shape: 8+ characters
    without whitespace, not a URL, path, ARN, e-mail address, regular expression or
    identifier, and mixing character classes or 20+ characters of hex or base64."""
    if len(text) < _MIN_LENGTH or any(c.isspace() for c in text):
        return False
    if ("://" in text or text.startswith(("/", "./", "~")) or text.lower().startswith("arn:")
            or _EMAIL.fullmatch(text) or not _REGEX_CHARACTERS.isdisjoint(text)
            or _IDENTIFIER.fullmatch(text)):
        return False
    classes = (any(c.islower() for c in text) + any(c.isupper() for c in text)
               + any(c.isdigit() for c in text)
               + any(not c.isalnum() and c not in _WORDLIKE_PUNCTUATION for c in text))
    if classes >= 2:  # at least two character classes
        return True
    return len(text) >= _ENCODED_MIN_LENGTH and bool(_HEX.fullmatch(text)
                                                      or _BASE64.fullmatch(text))


def credential_kind(text: str) -> tuple[str, str] | None:
    """The first whitespace-separated word of `text` that is a prefixed credential (`ghp_...`
    in `"Bearer ghp_..."`) and what kind of key it is, if there is one."""
    for word in text.split():
        if len(word) < _PREFIXED_MIN_LENGTH or not word.startswith(_PREFIX_STARTS):
            continue
        if not _PATTERN_CHARACTERS.isdisjoint(word):
            continue  # a regular expression that finds such tokens
        prefix, kind = next(found for found in _PREFIXES if word.startswith(found[0]))
        if len(set(word[len(prefix):])) > 1:  # `ghp_000...000` is a placeholder
            return kind, word
    return None


def is_approval(comment: str) -> bool:
    """Whether text after a literal carries another scanner's approval of a secret:
    `# pragma: allowlist secret`, `# noqa: S105`/`S106`/`S107`, or `# nosec` (bare, or
    naming bandit's hard-coded password tests B105/B106/B107)."""
    if "#" not in comment:
        return False
    if _APPROVAL.search(comment):
        return True
    nosec = _NOSEC.search(comment)
    if nosec is None:
        return False
    tests = {test.lower() for test in _BANDIT_TEST.findall(nosec.group("tests"))}
    return not tests or not tests.isdisjoint(_BANDIT_SECRET_TESTS)


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
        "Finds credentials written as string literals. A plain string literal (not bytes; "
        "implicit concatenation, or an f-string without placeholders) is reported when "
        "(a) it is assigned to a name, attribute, subscript key (`d[\"api_key\"] = ...`, "
        "also `os.environ[...] = ...`), dict key or keyword argument, or given as a "
        "parameter's default, whose name, split into snake_case/camelCase/kebab-case words, "
        "ends with `key` preceded by `api`, `access`, `private`, `secret` or `signing`, or "
        "whose last word ends with `apikey`, `secret`, `token`, `password`, `passwd`, `pwd` or "
        "`credentials` (`github_token`, `dbPassword`, `CLIENT_SECRET`, `x-api-key`, also each "
        "name of a tuple assignment; not `auth_mode`, `token_type`, `token_key`, "
        "`oauth_provider`, `Authorization`; not a `token` after `next`, `page`, `pagination`, "
        "`continuation`, `cursor`, `sync` or `csrf`: `NextToken`, `next_page_token`, "
        "`csrf_token` are pagination and form tokens), and the value looks like a secret: "
        "8+ characters, no whitespace, not a URL (`://`), a path (`/`, `./`, `~`), an ARN "
        "(`arn:`), an e-mail address, a regular expression (`\\`, `[`, `(`, `{`) or an "
        "identifier (only letters, or letter words joined by `_`, `-`, `.`: `NextToken`, "
        "`multi_user_basic`, `token.json`), and either it mixes two of lower-case, upper-case, "
        "digits and punctuation other than `_-.` (`Sup3rS3cret`), or it is 20+ characters of "
        "hex or base64; or (b) it holds, anywhere (`\"Bearer ghp_...\"` too, and as the "
        "default of `os.getenv(...)`: a real key used as a fallback is still in the source), a "
        "whitespace-separated word of 20+ characters that starts with a well-known credential "
        "prefix (OpenAI/Anthropic `sk-`/`sk-proj-`, live Stripe, GitHub, Slack bot and user, "
        "AWS access key ID and Google API key prefixes), case-sensitively, and has none of "
        "`\\ [ ] ( ) { } ^ $ | ? *` (a pattern that detects tokens is not one). Not "
        "reported: values read from `os.getenv`/`os.environ`; the empty string; placeholders "
        "(containing, case-insensitively, `your`, `changeme`, `example`, `xxx`, `dummy`, "
        "`fake`, `mock`, `sample`, `test`, `placeholder`, `redacted`, `<`, `${` or `***`, or "
        "all one character, also after a credential prefix: `ghp_000...`; beyond RULES.md, "
        "also `demo`: example servers' `\"demo-m2m-secret\"`); and literals another scanner "
        "approved: `# pragma: allowlist "
        "secret` (detect-secrets), `# nosec` (bandit; when it names tests, one of B105, B106, "
        "B107) or `# noqa: S105`/`S106`/`S107` (ruff), written after the literal on the line "
        "it ends on (for a literal spread over lines by implicit concatenation, on any of its "
        "lines). Reported once per literal, at the string literal. The message says what "
        "matched: the name it is assigned to (when that shares no run of 4 characters with "
        "the secret), or the kind of key its prefix marks; it never contains the secret (the "
        "value, or for (b) the prefixed word), its prefix or any run of 4 of its characters."
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
              "TOKEN = os.getenv('GITHUB_TOKEN', 'a8f5f167f44f4964')\n"
              "SECRET = os.environ.get('SECRET')\n"),
        Valid("API_KEY = ''\nPASSWORD = 'short1!'\ntoken = None\n"),
        Valid("API_KEY = 'your-api-key-here'\nSECRET = '<secret>'\nTOKEN = '${TOKEN}'\n"
              "PASSWORD = 'changeme!!'\nAUTH_TOKEN = '********'\nDB_PASSWORD = 'example-pass1'\n"
              "KEY = 'sk-xxxxxxxxxxxxxxxxxxxxxxxx'\nclient_secret = 'dummy-s3cret-value'\n"
              "api_key = 'test-key-12345678'\naccess_token = 'fake_tok_9876543'\n"
              "SIGNING_KEY = 'Mock-Signing-Key-1'\npassword = 'SamplePass123'\n"
              "db_password = 'Placeholder_99'\ngithub_token = 'ghp_0000000000000000000000'\n"
              "api_secret = 'REDACTED-0001'\nDEMO_CLIENT_SECRET = 'demo-m2m-secret'\n"),
        Valid("from fastmcp import FastMCP\n\nmcp = FastMCP('x')\n\n@mcp.tool\n"
              "def greet(name: str) -> str:\n    '''Greet someone by name.'''\n"
              "    message = f'Hello {name}, your token is {name}'\n    return message\n"),
        Valid("token = f'Bearer {get_token()}'\nheaders = {'Authorization': f'Bearer {token}'}\n"),
        Valid("author = 'Jane Doe Smith'\nAUTHORITY = 'login.microsoftonline.com/common'\n"
              "auth_mode = 'multi_user_basic'\nAUTH_HEADER = 'Basic dXNlcjpwYXNz'\n"
              "oauth_provider = 'github-oauth2'\ntoken_type = 'Bearer'\n"),
        Valid("token_url = 'https://github.com/login/oauth/access_token'\n"
              "TOKEN_VAR = 'GITHUB_TOKEN'\ntoken_file = 'token.json'\n"
              "SECRET_PATH = '/run/secrets/api'\nprivate_key = '~/.ssh/id_ed25519'\n"
              "admin_password = 'admin@corp.com'\n"),
        Valid("paginate(token_key='NextToken', token_param='NextPageToken')\n"
              "def page(next_token: str = 'Abc123==', pagination_token_key: str = 'next_token'"
              ") -> None: ...\nnextPageToken = 'CAEQAhgB1234'\ncsrf_token = 'x9Yz2Qw8Er7T'\n"
              "SYNC_TOKEN = 'st-00a1b2c3d4'\ncursor_token = 'eyJvZmZzZXQiOjEwMH0='\n"),
        Valid("secret_arn = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf'\n"
              "SecretAccessKey = '**REDACTED** - read it from the console'\n"
              "session_token = '[REDACTED_SESSION_TOKEN]'\n"
              "PASSWORD_PATTERN = r'(?i)password\\s*[=:]\\s*\\S+'\n"
              "error_token = 'Unauthorized: Empty Bearer token'\n"
              "TOKEN_RE = r'ghp_[A-Za-z0-9]{36,}'\nSK = 'sk-[a-zA-Z0-9]{20,}'\n"
              "EXPIRED_TOKEN = 'expired_token'\nFOOTNOTE_TOKEN = 'footnotemark'\n"),
        Valid("LOCALE = 'sk-SK'\nPACKAGE = 'sk-learn'\nNOTE = 'sk- prefixed keys are secret'\n"
              "SHORT = 'Bearer ghp_abc123'\n"),
        Valid("name = 'api_key_abcdefgh'\ncount = {'tokens': 12345678}\n"
              "cache_key = 'Ab12Cd34Ef56'\nmax_tokens = '40960000'\n"),
        Valid("DB_PASSWORD = 'Tr0ub4dor&3'  # pragma: allowlist secret\n"
              "API_TOKEN = 'a8f5f167f44f4964e6c9'  # nosec\n"
              "client_secret = 'Cl1ent-S3cret'  # nosec B105\n"
              "key = 'ghp_R2d2C3po4Bb8Yoda7Luke9Leia0'  # noqa: S105\n"
              "login(password='hunter2!x')  # noqa: E501, S106\n"
              "def f(token='Tok3n-8f7e6d5c'):  # noqa: S107\n    pass\n"
              "SLACK = ('xoxb-2048-4096-'  # pragma: allowlist secret\n"
              "         'AbCdEfGhIjKlMnOp')\n"),
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
                "slack = 'xoxb-' '2048-1234-5678-AbCd'\n",
                at=((3, 34), (4, 29), (5, 9))),
        Invalid("from fastmcp import FastMCP\n\nmcp = FastMCP('x')\n\n@mcp.tool\n"
                "def search(query: str, token: str = 'tok-98af23bc11') -> str:\n"
                "    '''Search the index.'''\n    return query\n", at=((6, 37),)),
        Invalid("PASSWORD = f'password123'\n", at=((1, 12),)),
        Invalid("github_token = 'Sup3rS3cretValue'\ndbPassword = 'hunter2!x'\n"
                "CLIENT_SECRET = 'c5e8a1f09b3d47e2a6c1'\nx_api_key = '12345678901234567890'\n"
                "SIGNING_KEY = 'k/9+Qz2=Lm'\nAPIKEY = 'q1w2e3r4t5'\n"
                "smtp_passwd = 'Pa55word'\nroot_pwd = 'r00tPass'\n"
                "gcp_credentials = 'eyJ0eXBlIjoic2Vydmlj'\n"
                "access_token = 'AbCdEfGhIj0123456789'\nrefreshToken = 'rt.8f7e6d5c4b3a'\n",
                at=((1, 16), (2, 14), (3, 17), (4, 13), (5, 15), (6, 10), (7, 15), (8, 12),
                    (9, 19), (10, 16), (11, 16))),
        Invalid("log.info('calling with Bearer ghp_R2d2C3po4Bb8Yoda7Luke9Leia0')\n"
                "AWS = {'id': 'AKIAQ2W3E4R5T6Y7U8I9',\n"
                "       'google': 'AIzaSyA1b2C3d4E5f6G7h8I9j0K1l2M'}\n"
                "API_TOKEN = 'a8f5f167f44f4964e6c9'  # nosec B603\n"
                "PASSWORD = 'hunter2!x'  # noqa: S101\n",
                at=((1, 10), (2, 14), (3, 18), (4, 13), (5, 12))),
    )

    def __init__(self, context: FileContext) -> None:
        super().__init__(context)
        #: Keyed by id(literal): a node's own `__hash__` is Python code, called per string.
        #: The tree, which keeps the literals alive, outlives the rule's walk.
        self._named: dict[int, str] = {}
        self._done: set[int] = set()
        #: The file's lines, split on first use (only to read approval comments).
        self._lines: list[str] | None = None

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
        if name is None and not _has_prefix(node):
            return  # most literals: not named like a secret, nor holding a prefixed word
        text = literal_text(node)
        if text is None or is_placeholder(text):
            return
        found = credential_kind(text)
        if found is not None:
            what, secret = f"holds {found[0]}", found[1]
        elif name is not None and looks_like_secret(text):
            what, secret = "looks like a hardcoded credential", text
        else:
            return
        if not self._approved(node):
            self._report(node, secret, what, name)

    def _approved(self, node: cst.CSTNode) -> bool:
        """Whether another scanner's approval comment follows the literal on the line it
        ends on, or (an implicit concatenation spread over lines) on any of its lines."""
        where = self.context.positions.of(node)
        if self._lines is None:
            self._lines = _LINE_BREAK.split(self.context.source)
        lines = self._lines
        if not 1 <= where.end_line <= len(lines):
            return False
        if is_approval(lines[where.end_line - 1][where.end_column - 1:]):
            return True
        return isinstance(node, cst.ConcatenatedString) and any(
            is_approval(lines[number - 1]) for number in range(where.line, where.end_line))

    def _report(self, node: cst.CSTNode, secret: str, what: str, name: str | None) -> None:
        advice = "read it from the environment and rotate it"
        named = name is not None and _PRINTABLE_NAME.match(name) is not None
        candidates = [
            f"the string literal assigned to `{name}` {what}: {advice}" if named else "",
            f"the string literal assigned to `{name}` looks like a credential: {advice}"
            if named else "",
            f"this string literal {what}: {advice}",
            f"this string literal looks like a credential: {advice}",
            "hardcoded secret in a string literal",
            "hardcoded credential",
            "secret literal",
        ]
        message = next((m for m in candidates if m and not leaks(m, secret)), "FML501")
        self.report(node, message)


def _has_prefix(node: cst.CSTNode) -> bool:
    """Whether a literal's source holds a credential prefix anywhere (a cheap first test)."""
    if isinstance(node, cst.SimpleString):
        return _ANY_PREFIX.search(node.value) is not None
    if isinstance(node, cst.FormattedString):
        return any(isinstance(part, cst.FormattedStringText)
                   and _ANY_PREFIX.search(part.value) is not None for part in node.parts)
    if isinstance(node, cst.ConcatenatedString):
        return _has_prefix(node.left) or _has_prefix(node.right)
    return False
