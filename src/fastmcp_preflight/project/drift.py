"""The one table of FastMCP and MCP SDK API changes that the FML8xx rules know.

Built from ../shared/DRIFT.md: each entry has an id, the package, how to match the old form,
the replacement, the release that deprecated it and the one that removed it (None: unknown
or never), the mechanical fix when DRIFT.md marks one, and where DRIFT.md checked it. The
rules match entries through the model (`model/api_uses.py`); this module is plain data, so
project rules and reports can use it without LibCST.

Kinds, and what `old` / `on` mean for each:
- `import`: `old` is a dotted module or name; an imported name equal to it or below it
  matches (`*.Name` matches that name imported from anywhere in the package).
- `keyword`: a keyword argument `old` of a call of `on` (see `CALLEES` in api_uses).
- `method`: a method `old` called on `on` (a server, or a server class).
- `context`: a method or attribute `old` of a Context parameter of the package.
- `call`: a call of `on` in the form `when` names.
- `decorator`: `@x.old(...)` on a value of the dotted class `on`.
- `mount-order`: `mount("prefix", server)` on a server.
- `transport`: the transport name `old` given to `run(...)`.
- `component`: the attribute or method `old` of a component object: `on` "decorated:tool" is a
  function a tool decorator registered (the decorator used to return the component), "tool" also
  a name assigned from a server's `get_tool(...)`; `when` "attribute" for a read, else a call.
- `return`: a value a function registered as `on` (`prompt`) returns: a call of the dotted
  class `old`, or (`old` "dict") a dict literal; also as the items of a returned list literal.
- `argument`: an argument of a call of `on` (`|`-separated callees) whose value module `old`
  builds: `httpx.AsyncClient(...)`, a name assigned one, a factory (lambda or def) returning one.
- `except`: an `except` clause naming an exception of module `old`, around a method call on a
  client of the package (`on`: the client classes; built there, assigned, `with`-bound or a
  parameter annotated as one), in a `try` that does not call module `old` itself.
- `field`: the attribute `old` read (not assigned) off any value, in a file that imports
  the package (fastmcp first: a file importing both, or importing `mcp` in a project that
  targets fastmcp, runs under fastmcp's camelCase shim).
- `setting`: the string literal `old` (an environment variable name), outside docstrings.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from packaging.version import Version

from fastmcp_preflight.project.facts import NOT_UNBOUNDED_SITE, FileFacts
from fastmcp_preflight.project.versions import Target

Kind = Literal["import", "keyword", "method", "context", "call", "decorator", "mount-order",
               "transport", "component", "return", "argument", "except", "field", "setting"]
Package = Literal["fastmcp", "mcp"]


@dataclass(frozen=True)
class Change:
    id: str
    package: Package
    kind: Kind
    old: str
    new: str
    deprecated: str | None
    removed: str | None
    #: The mechanical fix (a name the rules know), or "" when the change is flag-only.
    fix: str = ""
    on: str = ""
    #: A further condition on the form (see the rules' matcher).
    when: str = ""
    #: For import moves: the new dotted module (or name).
    moved_to: str = ""
    #: A name (`*.TasksExtension`) whose import anywhere in the file means the old form is
    #: taken care of (the extension it needs is registered).
    unless: str = ""
    #: Where DRIFT.md checked it.
    source: str = ""

    @property
    def reported(self) -> bool:
        """Rows without versions (docs-only, style-only) are never reported."""
        return self.deprecated is not None or self.removed is not None


_SERVER_KWARGS_FASTMCP = ("host", "port", "log_level", "debug", "sse_path", "message_path",
                          "streamable_http_path", "json_response", "stateless_http")
_SERVER_KWARGS_MCP = ("host", "port", "sse_path", "message_path", "streamable_http_path",
                      "json_response", "stateless_http", "mount_path")
_MOVED_TO_RUN = ("host", "port")


def _server_keywords() -> tuple[Change, ...]:
    fastmcp = tuple(
        Change(f"fastmcp-server-{name}", "fastmcp", "keyword", name,
               f"`mcp.run(transport=\"http\", {name}=...)`, `run_http_async()`, `http_app()` "
               "or the `FASTMCP_*` environment variables", "2.3.4", "3.0.0",
               fix="to-run" if name in _MOVED_TO_RUN else "", on="server:fastmcp",
               source="v2.3.4 and v3.0.0 server.py; 4.1.6 server/server.py:194-226")
        for name in _SERVER_KWARGS_FASTMCP)
    mcp = tuple(
        Change(f"mcp-server-{name}", "mcp", "keyword", name,
               "`mount_path` has no replacement" if name == "mount_path" else
               f"pass `{name}=` to `run(...)`, `sse_app()` or `streamable_http_app()`",
               None, "2.0.0", fix="to-run" if name in _MOVED_TO_RUN else "", on="server:mcp",
               source="mcp 2.3.0 docs/migration.md")
        for name in _SERVER_KWARGS_MCP)
    return fastmcp + mcp


#: The camelCase fields of the protocol types and their snake_case names (mcp 2.3.0
#: docs/migration.md, "Common renames"): reads only, the constructors accept both.
CAMEL_FIELDS = (("inputSchema", "input_schema"), ("outputSchema", "output_schema"),
                ("isError", "is_error"), ("nextCursor", "next_cursor"),
                ("mimeType", "mime_type"), ("structuredContent", "structured_content"),
                ("serverInfo", "server_info"), ("protocolVersion", "protocol_version"),
                ("uriTemplate", "uri_template"), ("listChanged", "list_changed"),
                ("progressToken", "progress_token"))

_GONE_IN_3 = (
    ("on_duplicate_tools", "`on_duplicate=`"), ("on_duplicate_resources", "`on_duplicate=`"),
    ("on_duplicate_prompts", "`on_duplicate=`"), ("tool_serializer", "return a `ToolResult`"),
    ("include_tags", "`mcp.enable(tags=..., only=True)`"),
    ("exclude_tags", "`mcp.disable(tags=...)`"),
    ("tool_transformations", "`mcp.add_transform(ToolTransform(...))`"),
)

CHANGES: tuple[Change, ...] = (
    # -- fastmcp: the server constructor -------------------------------------------------
    *_server_keywords(),
    *(Change(f"fastmcp-server-{name}", "fastmcp", "keyword", name, new, None, "3.0.0",
             on="server:fastmcp", source="4.1.6 server/server.py _REMOVED_KWARGS")
      for name, new in _GONE_IN_3),
    Change("fastmcp-server-dependencies", "fastmcp", "keyword", "dependencies",
           "`fastmcp.json` -> `environment.dependencies`", "2.12.0", "2.14.0",
           on="server:fastmcp", source="v2.13.0 server.py:258; docs v2.14 removal table"),
    *(Change(f"fastmcp-server-{name}", "fastmcp", "keyword", name,
             "call an LLM yourself, or the guard pattern (`InputRequiredResult`)", None, "4.0",
             on="server:fastmcp", source="from-fastmcp-3.mdx; 4.1.6 server.py:211")
      for name in ("sampling_handler", "sampling_handler_behavior")),
    # -- fastmcp: server methods ---------------------------------------------------------
    *(Change(f"fastmcp-{name}", "fastmcp", "method", name, new, "2.3.2", "2.14.0",
             on="server:fastmcp", source="git tags (`def sse_app` last in v2.13.x)")
      for name, new in (
          ("sse_app", '`mcp.http_app(path=..., transport="sse")`'),
          ("streamable_http_app", '`mcp.http_app(path=..., transport="http")`'),
          ("run_sse_async", '`run_http_async(transport="sse")`'),
          ("run_streamable_http_async", '`run_http_async(transport="http")`'))),
    Change("fastmcp-import-server", "fastmcp", "method", "import_server",
           "`mcp.mount(sub)` (not equivalent: `mount` is live and runs the child's lifespan "
           "and middleware)", "3.0.0", "4.0", on="server:fastmcp", source="from-fastmcp-3.mdx"),
    Change("fastmcp-as-proxy", "fastmcp", "method", "as_proxy",
           "`create_proxy(x)` from `fastmcp.server`", "3.0.0", "4.0", fix="create-proxy",
           on="class:fastmcp", source="from-fastmcp-3.mdx"),
    Change("fastmcp-from-client", "fastmcp", "method", "from_client",
           "`create_proxy(client)` from `fastmcp.server`", "2.3.5", "2.14.0",
           on="class:fastmcp", source="git tags"),
    *(Change(f"fastmcp-{name}", "fastmcp", "method", name,
             f"`{name.replace('get_', 'list_')}()`, which returns a list", None, "3.0.0",
             on="server:fastmcp", source="v2.14.0 vs v3.0.0 server.py")
      for name in ("get_tools", "get_resources", "get_prompts", "get_resource_templates")),
    Change("fastmcp-add-tool-transformation", "fastmcp", "method", "add_tool_transformation",
           "`mcp.add_transform(ToolTransform({name: config}))`", "3.0.0", "4.0",
           on="server:fastmcp", source="from-fastmcp-3.mdx"),
    Change("fastmcp-remove-tool-transformation", "fastmcp", "method",
           "remove_tool_transformation", "`mcp.disable(keys=...)`", "3.0.0", "4.0",
           on="server:fastmcp", source="from-fastmcp-3.mdx"),
    Change("fastmcp-remove-tool", "fastmcp", "method", "remove_tool",
           "`mcp.local_provider.remove_tool(name)` (raises `KeyError`, not `NotFoundError`)",
           "3.0.0", "4.0", on="server:fastmcp", source="from-fastmcp-3.mdx"),
    # -- fastmcp: mount ------------------------------------------------------------------
    Change("fastmcp-mount-order", "fastmcp", "mount-order", "mount",
           "`mcp.mount(server, \"prefix\")` (the server first)", "2.9.0", "2.14.0",
           fix="swap-mount", on="server:fastmcp", source="v2.9.0 server.py:1517-1528"),
    Change("fastmcp-mount-prefix", "fastmcp", "keyword", "prefix", "`namespace=`", "3.0.0",
           "4.0", fix="rename-keyword:namespace", on="mount",
           source="v3.4.7 server.py:2182; 4.1.6 mount(server, namespace=None, tool_names=None)"),
    Change("fastmcp-mount-as-proxy", "fastmcp", "keyword", "as_proxy",
           "`mount(create_proxy(server))`", "3.0.0", "4.0", on="mount", source="git"),
    *(Change(f"fastmcp-mount-{name}", "fastmcp", "keyword", name,
             "nothing: names are always `prefix_name`", "2.7.0", "2.14.0", on="mount",
             source="git (v2.7.0 warns)")
      for name in ("tool_separator", "resource_separator", "prompt_separator")),
    # -- fastmcp: tools ------------------------------------------------------------------
    Change("fastmcp-output-schema-false", "fastmcp", "keyword", "output_schema",
           "`output_schema=None`", "2.12.0", "2.14.0", fix="output-schema-none", on="tool",
           when="value:False", source="git tags (first tag 2.12.0)"),
    Change("fastmcp-tool-exclude-args", "fastmcp", "keyword", "exclude_args",
           "`param = Depends(factory)`", "2.14.1", "4.0", on="tool", source="from-fastmcp-3.mdx"),
    Change("fastmcp-tool-serializer", "fastmcp", "keyword", "serializer",
           "return a `ToolResult`", "3.0.0", "4.0", on="tool", source="from-fastmcp-3.mdx"),
    Change("fastmcp-tool-task", "fastmcp", "keyword", "task",
           "register the extension: `mcp.add_extension(TasksExtension())`, with "
           "`pip install fastmcp[tasks]`", None, "4.0", on="tool", when="value:True",
           unless="*.TasksExtension", source="from-fastmcp-3.mdx (RuntimeError at startup)"),
    # -- fastmcp: components the decorators used to return -------------------------------
    *(Change(f"fastmcp-tool-fn-{name}", "fastmcp", "component", name,
             f'`(await mcp.get_tool("name")).{name}`', "3.0", "4.0", on="decorated:tool",
             when="attribute",
             source="from-fastmcp-3.mdx (decorator returns the function; "
                    "`decorator_mode='object'` until 4.0)")
      for name in ("name", "description")),
    *(Change(f"fastmcp-tool-{name}", "fastmcp", "component", name,
             f'`mcp.{name}(names={{"name"}}, components={{"tool"}})`', None, "3.0", on="tool",
             source="fastmcp v3 docs/development/upgrade-guide.mdx (enable/disable moved)")
      for name in ("enable", "disable")),
    Change("fastmcp-prompt-prompt-message", "fastmcp", "return", "mcp.types.PromptMessage",
           '`Message("text", role=...)` from `fastmcp.prompts`', None, "3.0", on="prompt",
           source="fastmcp v3 docs/development/upgrade-guide.mdx (prompts use Message)"),
    Change("fastmcp-prompt-dict", "fastmcp", "return", "dict",
           '`Message("text", role=...)` from `fastmcp.prompts`', None, "3.0", on="prompt",
           source="DRIFT.md 1.1 (dicts no longer coerced)"),
    # -- fastmcp: httpx objects (FastMCP 4 uses httpx2) ------------------------------------
    Change("fastmcp-openapi-httpx-client", "fastmcp", "argument", "httpx",
           "an `httpx2.AsyncClient`", "4.0", None,
           on="from_openapi|fastmcp.server.providers.openapi.OpenAPIProvider",
           source="4.1.6 providers/openapi/provider.py:120 (FastMCPDeprecationWarning)"),
    Change("fastmcp-httpx-argument", "fastmcp", "argument", "httpx",
           "the `httpx2` equivalent (`httpx2.AsyncClient`, `httpx2.Auth`)", None, "4.0",
           on="fastmcp.Client|fastmcp.client.transports.StreamableHttpTransport|"
              "fastmcp.client.transports.SSETransport|fastmcp.server.proxy.ProxyClient",
           source="from-fastmcp-3.mdx (httpx -> httpx2)"),
    Change("fastmcp-except-httpx", "fastmcp", "except", "httpx",
           "`except httpx2.<Error>` (the httpx handler still imports but never matches)", None,
           "4.0", on="fastmcp.Client|fastmcp.client.transports.StreamableHttpTransport|"
                     "fastmcp.client.transports.SSETransport",
           source="from-fastmcp-3.mdx (httpx -> httpx2)"),
    # -- fastmcp: camelCase fields and settings --------------------------------------------
    *(Change(f"fastmcp-field-{camel.lower()}", "fastmcp", "field", camel, f"`.{snake}`", "4.0",
             None,
             source="4.1.6 fastmcp/_compat.py:128 (`mcp_camelcase_compat` shim)")
      for camel, snake in CAMEL_FIELDS),
    Change("fastmcp-show-cli-banner", "fastmcp", "setting", "FASTMCP_SHOW_CLI_BANNER",
           "`FASTMCP_SHOW_SERVER_BANNER`", None, "3.0",
           source="fastmcp v3 docs/development/upgrade-guide.mdx (banner variable renamed)"),
    # -- fastmcp: OpenAPI and clients ----------------------------------------------------
    Change("fastmcp-openapi-all-routes", "fastmcp", "keyword", "all_routes_as_tools",
           "`route_maps=`", None, "2.8.0", on="from_openapi",
           source="git (present in 2.7.1, gone in 2.8.0)"),
    Change("fastmcp-openapi-provider-timeout", "fastmcp", "keyword", "timeout",
           "set the timeout on the client: `httpx2.AsyncClient(timeout=60)`", None, "3.0",
           on="fastmcp.server.providers.openapi.OpenAPIProvider", source="from-fastmcp-2.mdx"),
    Change("fastmcp-sse-read-timeout", "fastmcp", "keyword", "sse_read_timeout",
           "`Client(transport, timeout=...)`", "2.14.1", "4.0",
           on="fastmcp.client.transports.StreamableHttpTransport", source="from-fastmcp-3.mdx"),
    Change("fastmcp-proxy-client", "fastmcp", "keyword", "client",
           "`client_factory=lambda: ...`", None, "2.14.0", on="fastmcp.server.proxy.FastMCPProxy",
           source="docs v2.14 table"),
    Change("fastmcp-client-string-path", "fastmcp", "call", "fastmcp.Client",
           '`Client(Path("server.py"))` or `StdioTransport`', "4.0", "5.0",
           on="fastmcp.Client", when="str-path-arg",
           source="4.1.6 client/transports/inference.py:169"),
    Change("fastmcp-mcperror-errordata", "fastmcp", "call", "fastmcp.exceptions.McpError",
           "`McpError(code=..., message=...)`", None, "4.0", fix="mcperror-keywords",
           on="fastmcp.exceptions.McpError", when="errordata-arg",
           source="4.1.6 exceptions.py:27-33"),
    # -- fastmcp: imports ----------------------------------------------------------------
    Change("fastmcp-image", "fastmcp", "import", "fastmcp.Image", "`fastmcp.utilities.types.Image`",
           "2.8.1", "2.14.0", fix="move-import", moved_to="fastmcp.utilities.types.Image",
           source="git tags"),
    Change("fastmcp-server-proxy", "fastmcp", "import", "fastmcp.server.proxy",
           "`fastmcp.server.providers.proxy`", "3.0.0", "4.0", fix="move-import",
           moved_to="fastmcp.server.providers.proxy", source="from-fastmcp-3.mdx"),
    Change("fastmcp-server-openapi", "fastmcp", "import", "fastmcp.server.openapi",
           "`FastMCP(\"n\", providers=[OpenAPIProvider(spec, client)])` or "
           "`FastMCP.from_openapi(...)`", "3.0.0", "4.0", source="4.1.6 server.py:2408"),
    Change("fastmcp-experimental-openapi", "fastmcp", "import",
           "fastmcp.experimental.server.openapi", "`fastmcp.server.providers.openapi`",
           "2.14.0", "4.0", fix="move-import", moved_to="fastmcp.server.providers.openapi",
           source="from-fastmcp-3.mdx"),
    Change("fastmcp-experimental-utilities-openapi", "fastmcp", "import",
           "fastmcp.experimental.utilities.openapi", "`fastmcp.utilities.openapi`", "2.14.0",
           "4.0", fix="move-import", moved_to="fastmcp.utilities.openapi",
           source="from-fastmcp-3.mdx"),
    Change("fastmcp-route-type", "fastmcp", "import", "*.RouteType",
           "`MCPType` (`RouteType.IGNORE` is `MCPType.EXCLUDE`)", "2.5.0", "2.14.0",
           source="git tags"),
    Change("fastmcp-bearer-auth-provider", "fastmcp", "import", "*.BearerAuthProvider",
           "`JWTVerifier`", "2.11.0", "2.14.0", source="git tags"),
    Change("fastmcp-ws-transport", "fastmcp", "import", "*.WSTransport",
           "`StreamableHttpTransport`", "2.5.2", "3.0.0", source="git tags (first tag 2.5.2)"),
    Change("fastmcp-cachable-tool-result", "fastmcp", "import", "*.CachableToolResult",
           "`CacheableToolResult` from `fastmcp.server.middleware.caching` (no alias)", "3.0",
           "4.0", source="from-fastmcp-3.mdx; 4.1.6 server/middleware/caching.py:140"),
    *(Change(f"fastmcp-shim-{old.replace('.', '-')}", "fastmcp", "import", old, f"`{new}`",
             "3.0", "4.0", fix="move-import", moved_to=new,
             source="from-fastmcp-3.mdx moved-imports table")
      for old, new in (("fastmcp.tools.tool", "fastmcp.tools"),
                       ("fastmcp.resources.resource", "fastmcp.resources"),
                       ("fastmcp.prompts.prompt", "fastmcp.prompts"),
                       ("fastmcp.server.tasks", "fastmcp.utilities.tasks"),
                       ("fastmcp.server.apps", "fastmcp.apps"))),
    # -- fastmcp: Context ----------------------------------------------------------------
    Change("fastmcp-ctx-get-http-request", "fastmcp", "context", "get_http_request",
           "`get_http_request()` from `fastmcp.server.dependencies`", "2.3.0", "2.14.0",
           fix="get-http-request", source="v2.3.0 context.py:238"),
    *(Change(f"fastmcp-ctx-{name}", "fastmcp", "context", name, f"`await ctx.{name}(...)`",
             None, "3.0.0", fix="await", when="not-awaited",
             source="v2.14.0 vs v3.0.0 context.py")
      for name in ("set_state", "get_state")),
    *(Change(f"fastmcp-ctx-{name}", "fastmcp", "context", name,
             "call an LLM yourself, or the guard pattern (`InputRequiredResult`)", None, "4.0",
             source="from-fastmcp-3.mdx")
      for name in ("sample", "sample_step", "list_roots")),
    Change("fastmcp-ctx-elicit-no-type", "fastmcp", "context", "elicit",
           "`ctx.elicit(message, response_type=bool | Model)`", "3.2.4", "4.0",
           when="without:response_type", source="from-fastmcp-3.mdx"),
    # -- fastmcp: decorator and transport forms that are not reported --------------------
    Change("fastmcp-tool-called-decorator", "fastmcp", "decorator", "tool", "`@mcp.tool`",
           None, None, on="server:fastmcp", source="style only; naked decorators since 2.7.0"),
    Change("fastmcp-transport-streamable-http", "fastmcp", "transport", "streamable-http",
           '`transport="http"`', None, None,
           source="4.1.6 Transport literal; still accepted with no warning"),
    Change("fastmcp-transport-sse", "fastmcp", "transport", "sse", '`transport="http"`',
           None, None, source="docs only: docs/servers/server.mdx:84"),
    # -- the MCP SDK ----------------------------------------------------------------------
    Change("mcp-server-fastmcp", "mcp", "import", "mcp.server.fastmcp",
           "`mcp.server.mcpserver` (`FastMCP` is `MCPServer`)", None, "2.0.0",
           fix="move-import", moved_to="mcp.server.mcpserver",
           source="mcp 2.3.0 docs/migration.md"),
    Change("mcp-mcperror", "mcp", "import", "mcp.McpError",
           "`from mcp import MCPError`; `MCPError(code, message)`", None, "2.0.0",
           fix="move-import", moved_to="mcp.MCPError", source="mcp 2.3.0 docs/migration.md"),
    Change("mcp-shared-mcperror", "mcp", "import", "mcp.shared.exceptions.McpError",
           "`from mcp import MCPError`; `MCPError(code, message)`", None, "2.0.0",
           fix="move-import", moved_to="mcp.MCPError", source="mcp 2.3.0 docs/migration.md"),
    Change("mcp-streamablehttp-client", "mcp", "import",
           "mcp.client.streamable_http.streamablehttp_client",
           "`streamable_http_client(url, http_client=httpx2.AsyncClient(...))`, which returns "
           "a 2-tuple", "1.24.0", "2.0.0", source="mcp docs/deprecated.md"),
    *(Change(f"mcp-{module.replace('.', '-')}", "mcp", "import", module,
             "the streamable HTTP transport", None, "2.0.0", source="mcp docs/migration.md")
      for module in ("mcp.client.websocket", "mcp.server.websocket")),
    *(Change(f"mcp-types-{name.lower()}", "mcp", "import", f"mcp.types.{name}", new, None,
             "2.0.0", source="mcp 2.3.0 docs/migration.md (removed type aliases)")
      for name, new in (("Content", "`ContentBlock`"),
                        ("ResourceReference", "`ResourceTemplateReference`"),
                        ("Cursor", "`str`"))),
    *(Change(f"mcp-field-{camel.lower()}", "mcp", "field", camel, f"`.{snake}`", None, "2.0.0",
             source="mcp 2.3.0 docs/migration.md (snake_case fields)")
      for camel, snake in CAMEL_FIELDS),
    Change("mcp-server-instructions-positional", "mcp", "call", "server:mcp",
           "`instructions=` as a keyword (the second positional is now `title`)", None,
           "2.0.0", fix="instructions-keyword", on="server:mcp", when="second-positional",
           source="mcp docs/migration.md"),
    Change("mcp-get-context", "mcp", "method", "get_context", "a `ctx: Context` parameter",
           None, "2.0.0", on="server:mcp", source="mcp docs/migration.md"),
    Change("mcp-ctx-fastmcp", "mcp", "context", "fastmcp", "`ctx.mcp_server`", None, "2.0.0",
           when="attribute", source="mcp docs/migration.md"),
    Change("mcp-ctx-client-id", "mcp", "context", "client_id",
           "`get_access_token().client_id`", None, "2.0.0", when="attribute",
           source="mcp docs/migration.md"),
    Change("mcp-mcperror-errordata", "mcp", "call", "mcp.McpError",
           "`MCPError(code=..., message=...)` or `MCPError.from_error_data(ed)`", None, "2.0.0",
           fix="mcperror-keywords", on="mcp.McpError|mcp.shared.exceptions.McpError|mcp.MCPError",
           when="errordata-arg", source="mcp docs/migration.md"),
    Change("mcp-ctx-log-message", "mcp", "context", "log", "`ctx.log(level, data=...)`", None,
           "2.0.0", when="with:message", source="mcp docs/migration.md"),
    *(Change(f"mcp-ctx-{name}-extra", "mcp", "context", name,
             f"`ctx.{name}(message)` without `extra=`, or stdlib `logging` to stderr", None,
             "2.0.0", when="with:extra", source="mcp docs/migration.md")
      for name in ("debug", "info", "warning", "error")),
    *(Change(f"mcp-ctx-{name}", "mcp", "context", name, "stdlib `logging` to stderr",
             "2.0.0", None, when="without:extra",
             source="mcpserver/context.py:264-379 (@deprecated)")
      for name in ("debug", "info", "warning", "error")),
    *(Change(f"mcp-lowlevel-{name}", "mcp", "decorator", name,
             f"`Server(on_{name}=...)`", None, "2.0.0", on="mcp.server.lowlevel.Server",
             source="mcp docs/migration.md")
      for name in ("list_tools", "call_tool", "list_resources", "read_resource",
                   "list_prompts", "get_prompt", "list_resource_templates")),
    Change("mcp-transport-http", "mcp", "transport", "http", '`"streamable-http"`', None, None,
           source="SDK Literal['stdio','sse','streamable-http']; not a change"),
)


def by_id() -> dict[str, Change]:
    return {change.id: change for change in CHANGES}


# -- FML803: imports that a newer major release removed ------------------------------------------

def major_removal(change: Change) -> bool:
    """An import that a major release (`2.0.0`, `4.0`) removed."""
    if change.kind != "import" or change.removed is None:
        return False
    version = Version(change.removed)
    return version.minor == 0 and version.micro == 0


def imports_removed(full: str, change: Change) -> bool:
    """Whether an imported dotted name is the API an import change removed."""
    old = change.old
    if old.startswith("*."):
        return full.startswith(change.package + ".") and full.endswith(old[1:])
    return full == old or full.startswith(old + ".")


def major_removals() -> list[Change]:
    """The import changes a major release made (FML803 looks only at these)."""
    return [change for change in CHANGES if major_removal(change)]


@dataclass(frozen=True)
class UnboundedSite:
    """Where FML803 reports: a package's first import (path order) of an API a newer major
    removed, while the requirement allows both that major and an older one."""

    path: str
    line: int
    column: int
    change: Change
    target: Target


def unbounded_sites(files: Sequence[FileFacts]) -> list[UnboundedSite]:
    """One project's FML803 sites: at most one per package."""
    sites: dict[str, UnboundedSite] = {}
    changes = major_removals()
    #: By a file's targets: the changes whose package's requirement straddles the removal
    #: (a project's files share their targets, and most requirements straddle none).
    straddled: dict[tuple[Target, ...], list[tuple[Change, Target]]] = {}
    for facts in sorted(files, key=lambda f: f.path):
        if not facts.version_imports or not facts.targets:
            continue
        pairs = straddled.get(facts.targets)
        if pairs is None:
            pairs = straddled[facts.targets] = _straddled(changes, facts.targets)
        if all(change.package in sites for change, _ in pairs):
            continue
        for location, names in facts.version_imports:
            for name in names:
                for change, target in pairs:
                    if change.package not in sites and imports_removed(name, change):
                        sites[change.package] = UnboundedSite(
                            facts.path, location.line, location.column, change, target)
    return sorted(sites.values(), key=lambda s: (s.path, s.line, s.column))


def _straddled(changes: Sequence[Change], targets: Sequence[Target],
               ) -> list[tuple[Change, Target]]:
    """The changes (in order) whose package's target allows both the major that removed
    them and an older one, with that target."""
    found = []
    for change in changes:
        target = next((t for t in targets if t.package == change.package), None)
        if target is not None and change.removed is not None and target.straddles(
                change.removed):
            found.append((change, target))
    return found


def unbounded_site_condition(path: str, line: int) -> str:
    return f"{NOT_UNBOUNDED_SITE}:{path}@{line}"
