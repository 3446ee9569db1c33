"""FML902 path-traversal-from-tool-input."""

from __future__ import annotations

from fastmcp_preflight.api import Invalid, ToolInputRule, Valid


class PathTraversalFromToolInput(ToolInputRule):
    """Tool input chooses which file is read, written or deleted."""

    code = "FML902"
    name = "path-traversal-from-tool-input"
    severity = "warning"
    checklist = "(security)"
    tags = ("security",)
    security_severity = 6.5
    summary = "tool input reaches a file path with no containment check"
    what = (
        "Finds, in the body of a tool, resource or prompt function, a value derived from its "
        "parameters (see FML901 for what derives) used as the path of builtin `open`, "
        "`io.open`, `os.open`, `os.remove/unlink/rmdir/rename/replace/mkdir/makedirs/listdir/"
        "scandir`, `shutil.rmtree/copy/copy2/copyfile/copytree/move`, `aiofiles.open`, "
        "`anyio.open_file`, or as the receiver of a `read_text/read_bytes/write_text/"
        "write_bytes/open/unlink/rmdir/mkdir/iterdir/glob/rglob` method when that receiver "
        "is a path object: built by `Path(...)`/`PurePath(...)`/`anyio.Path(...)`, the `/` "
        "operator, a method or attribute of such a path, or a parameter annotated `Path` "
        "(`(ROOT / name).read_text()`; not a plain string: `glob.glob(...)` on a `str` "
        "parameter named `glob` that shadows the module names no path). "
        "`os.path.dirname/abspath/normpath/expanduser/realpath` of a derived value are "
        "derived; `os.path.basename` keeps only a file name and is not. Values derived only "
        "from parameters annotated `int`, `float`, `bool`, `Literal[...]`, an `Enum` "
        "subclass, `uuid.UUID`, `datetime.date`/`datetime.datetime` or `decimal.Decimal` "
        "(also `X | None`, `Optional[X]`, `Annotated[X, ...]`) are never reported: pydantic "
        "validates them. Not reported when, earlier in the function, "
        "containment or comparison checks mention values from each parameter the path comes "
        "from (a check of the final path covers them all): "
        "`.is_relative_to(...)`, `.relative_to(...)`, `.startswith(...)`, "
        "`os.path.commonpath(...)`, `in`/`not in`/`==`/`!=`, or a call of a function named "
        "like a check (`allow`, `safe`, `valid`, `check`, `ensure`, `verify`, `sanitiz`); nor "
        "when the path comes back from a helper (`safe_path(name)`). Reported at the call."
    ) + ToolInputRule.THROUGH_THE_PROJECT + (
        " A `pathlib` method's receiver is judged on the expression "
        "the tool passes in."
    )
    why = (
        "A path from the model can be absolute (`/etc/passwd`, `~/.ssh/id_rsa`) or climb out "
        "of the folder the tool means (`../../.env`): a prompt-injected model then reads "
        "secrets, or overwrites and deletes files anywhere the server's user can. Joining "
        "onto a root folder does not help: `os.path.join(ROOT, '/etc/passwd')` is "
        "`/etc/passwd`."
    )
    instead = (
        "Resolve the path and check it is inside the folder the tool serves before using it: "
        "`path = (ROOT / name).resolve()`, then `if not path.is_relative_to(ROOT): raise "
        "ValueError(...)`."
    )
    hint = "resolve the path and check `path.is_relative_to(ROOT)` before using it"

    VALID = (
        # A helper that raises unless its argument is allowed guards what the tool passed.
        Valid("from fastmcp import FastMCP\n\nmcp = FastMCP('x')\nLANGUAGES = {'python'}\n\n"
              "def require_language(language):\n    if language not in LANGUAGES:\n"
              "        raise ValueError(language)\n\n@mcp.tool\n"
              "def prompt(language: str) -> str:\n    require_language(language)\n"
              "    return open(f'/srv/prompts/{language}.md').read()\n"),
        # A `str` parameter named `glob` shadows the module: a string, not a path.
        Valid("import glob\nfrom fastmcp import FastMCP\n\nmcp = FastMCP('x')\n\n@mcp.tool\n"
              "def find(glob: str = '*.md') -> list[str]:\n"
              "    return sorted(glob.glob(glob))\n"),
        # basename keeps only a file name.
        Valid("import os\nfrom fastmcp import FastMCP\n\nmcp = FastMCP('x')\n\n@mcp.tool\n"
              "def save(name: str, body: str) -> None:\n"
              "    with open(os.path.join('/srv/out', os.path.basename(name)), 'w') as f:\n"
              "        f.write(body)\n"),
        # An int parameter cannot carry a path.
        Valid("from fastmcp import FastMCP\n\nmcp = FastMCP('x')\n\n@mcp.tool\n"
              "def page(number: int | None = None) -> str:\n"
              "    return open(f'/srv/pages/{number}.md').read()\n"),
        # The containment check: resolve, then is_relative_to.
        Valid("from pathlib import Path\nfrom fastmcp import FastMCP\n\nmcp = FastMCP('x')\n"
              "ROOT = Path('/srv/docs').resolve()\n\n@mcp.tool\ndef read(name: str) -> str:\n"
              "    \"\"\"Read a document.\"\"\"\n    path = (ROOT / name).resolve()\n"
              "    if not path.is_relative_to(ROOT):\n        raise ValueError(name)\n"
              "    return path.read_text()\n"),
        # os.path.commonpath as the check.
        Valid("import os\nfrom fastmcp import FastMCP\n\nmcp = FastMCP('x')\nROOT = '/srv'\n\n"
              "@mcp.tool\ndef show(name: str) -> str:\n"
              "    full = os.path.realpath(os.path.join(ROOT, name))\n"
              "    if os.path.commonpath([ROOT, full]) != ROOT:\n        return 'denied'\n"
              "    with open(full) as handle:\n        return handle.read()\n"),
        # A sanitizer helper returns a clean path.
        Valid("from fastmcp import FastMCP\n\nmcp = FastMCP('x')\n\n@mcp.tool\n"
              "def read(name: str) -> str:\n    path = resolve_inside_root(name)\n"
              "    return open(path).read()\n"),
        # A fixed path; the parameter is only written into the file.
        Valid("from fastmcp import FastMCP\n\nmcp = FastMCP('x')\n\n@mcp.tool\n"
              "def note(text: str) -> None:\n    with open('notes.txt', 'a') as handle:\n"
              "        handle.write(text)\n"),
        # An allow-list of names.
        Valid("from pathlib import Path\nfrom fastmcp import FastMCP\n\nmcp = FastMCP('x')\n"
              "FILES = {'a.txt', 'b.txt'}\n\n@mcp.resource('docs://{name}')\n"
              "def doc(name: str) -> str:\n    if name not in FILES:\n"
              "        raise KeyError(name)\n    return Path('docs', name).read_text()\n"),
        # The Context is not tool input.
        Valid("from fastmcp import FastMCP, Context\n\nmcp = FastMCP('x')\n\n@mcp.tool\n"
              "async def log_path(ctx: Context) -> str:\n"
              "    return open(ctx.request_id).read()\n"),
    )
    INVALID = (
        # A helper that returns what it was given, joined: its result is derived.
        Invalid("import os\nfrom fastmcp import FastMCP\n\nmcp = FastMCP('x')\n\n"
                "def under_root(name):\n    return os.path.join('/srv', name)\n\n"
                "@mcp.tool\ndef read(name: str) -> str:\n"
                "    return open(under_root(name)).read()\n",
                at=((11, 12),)),
        # dirname of a derived path still names a folder the input chose.
        Invalid("import os\nfrom fastmcp import FastMCP\n\nmcp = FastMCP('x')\n\n@mcp.tool\n"
                "def clear(path: str) -> None:\n    folder = os.path.dirname(path)\n"
                "    os.rmdir(folder)\n", at=((9, 5),)),
        # A parameter annotated `Path` is a path object.
        Invalid("from pathlib import Path\nfrom fastmcp import FastMCP\n\nmcp = FastMCP('x')\n\n"
                "@mcp.tool\ndef show(file: Path | None = None) -> str:\n"
                "    return file.read_text() if file else ''\n", at=((8, 12),)),
        Invalid("import os\nfrom fastmcp import FastMCP\n\nmcp = FastMCP('x')\nROOT = '/srv'\n\n"
                "@mcp.tool\ndef read(name: str) -> str:\n"
                "    \"\"\"Read a file of the served folder.\"\"\"\n"
                "    path = os.path.join(ROOT, name)\n"
                "    with open(path) as handle:\n        return handle.read()\n",
                at=((11, 10),)),
        Invalid("from pathlib import Path\nfrom fastmcp import FastMCP\n\nmcp = FastMCP('x')\n"
                "ROOT = Path('/srv')\n\n@mcp.tool\ndef save(name: str, body: str) -> None:\n"
                "    (ROOT / name).write_text(body)\n",
                at=((9, 5),)),
        Invalid("import shutil\nfrom fastmcp import FastMCP\n\nmcp = FastMCP('x')\n\n"
                "@mcp.tool\ndef archive(folder: str) -> str:\n"
                "    target = f'/backups/{folder}'\n"
                "    shutil.copytree(folder, target)\n    shutil.rmtree(folder)\n"
                "    return target\n",
                at=((9, 5), (10, 5))),
        Invalid("import aiofiles\nfrom mcp.server.fastmcp import FastMCP\n\n"
                "mcp = FastMCP('x')\n\n@mcp.resource('logs://{day}')\n"
                "async def log(day: str) -> str:\n"
                "    async with aiofiles.open(f'/var/log/app/{day}.log') as handle:\n"
                "        return await handle.read()\n",
                at=((8, 16),)),
    )
