"""FML105 blocking-client-in-async."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from fastmcp_preflight.api import (
    FileFacts,
    Invalid,
    ProjectFinding,
    ProjectRule,
    Valid,
    index_of,
)

_SERVER = "from fastmcp import FastMCP\n\nmcp = FastMCP('x')\n\n"
_SYNC_TOOL = ("import boto3\n\ns3 = boto3.client('s3')\n\n@mcp.tool\ndef read(key: str) -> str:\n"
              "    return s3.get_object(Bucket='b', Key=key)['Body'].read()\n")


class BlockingClientInAsync(ProjectRule):
    """A method call on a synchronous SDK client (boto3, requests.Session, redis, ...) in
    the body of an `async def`."""

    code = "FML105"
    name = "blocking-client-in-async"
    severity = "error"
    checklist = "no blocking operations in async"
    summary = "a synchronous SDK client called in an async function blocks the event loop"
    what = (
        "A project rule over the project index. Finds, in the body of an `async def`, a "
        "method call on an object of a synchronous SDK client from the catalog (DESIGN.md, "
        "\"Sync clients\": boto3/botocore clients and resources, `requests.Session`, sync "
        "`redis.Redis`, pymemcache, sync `httpx.Client`, `pymongo.MongoClient`, "
        "`Elasticsearch`, `openai.OpenAI`, `anthropic.Anthropic`, `google.cloud.*` clients, "
        "`kubernetes.client.*Api`, DB-API connections and cursors (sqlite3, psycopg, pymysql, "
        "snowflake.connector, ...), chromadb sync clients, `atlassian.Jira/Confluence`, "
        "`InfluxDBClient`, `QdrantClient`, clickhouse_connect clients, `mem0.Memory`; plus "
        "the dotted names in the `extend-sync-clients` setting). The object is followed from "
        "where it is built (`boto3.client(\"s3\")`, `session.client(...)`, `conn.cursor()`) "
        "through a local name, a module-level name (also one imported from another module "
        "of the project), a `self.` attribute set in any method of the class, of a project "
        "base class or (for a mixin) of a project class that uses it, a dataclass or "
        "annotated field, an annotation naming a client type (`mypy_boto3_s3.S3Client`), a "
        "project function that returns one, or the lifespan context "
        "(`ctx.lifespan_context` / `ctx.request_context.lifespan_context`, then `.x` or "
        "`[\"x\"]`, where a lifespan yielded a client under that key or field). A client "
        "that arrives through an unannotated parameter is not tracked. Methods that do no "
        "I/O (boto3's `get_paginator`, `get_waiter`, `can_paginate`, "
        "`generate_presigned_url`; `close`; `cursor()`) and building the client are not "
        "reported; nor is a call passed to `asyncio.to_thread`, `loop.run_in_executor`, "
        "`anyio.to_thread.run_sync`, starlette's `run_in_threadpool` or an executor (it is "
        "not called there), an awaited call, or a call in a nested sync `def` or `lambda`. "
        "Scripts of their own that no server module imports are not checked (as FML102). "
        "A sync `def` tool, resource or prompt function is checked like an `async def` where "
        "the project's target runs it on the event loop: fastmcp before 3.0 or the MCP SDK "
        "before 2.0 (later releases run it in a worker thread), or a registration with "
        "`run_in_thread=False`; the message names the version."
    )
    why = (
        "A FastMCP server runs every tool call on one event loop. A synchronous client "
        "holds that loop for the whole request to S3, Jira or Redis: every other client's "
        "call, the keep-alive pings and the health checks wait behind it. Most blocking in "
        "real servers comes from SDK clients kept on `self` or in the lifespan, where "
        "linters that only look for `requests.get` cannot see it."
    )
    instead = (
        "Use the library's async client (aioboto3, `redis.asyncio.Redis`, "
        "`httpx.AsyncClient`, `AsyncOpenAI`, ...) and `await` it, or run the call in a "
        "worker thread: `await asyncio.to_thread(client.get_object, Bucket=b, Key=k)`."
    )
    hint = "use the async client, or `await asyncio.to_thread(client.method, ...)`"

    VALID = (
        Valid("import asyncio\nimport boto3\n\ns3 = boto3.client('s3')\n\n"
              "async def tool(key: str):\n"
              "    return await asyncio.to_thread(s3.get_object, Bucket='b', Key=key)\n"),
        Valid("import boto3\n\ns3 = boto3.client('s3')\n\nasync def tool():\n"
              "    paginator = s3.get_paginator('list_objects_v2')\n"
              "    return s3.generate_presigned_url('get_object')\n"),
        Valid("import boto3\n\nasync def tool(key: str):\n    s3 = boto3.client('s3')\n"
              "    def read():\n        return s3.get_object(Bucket='b', Key=key)\n"
              "    return read\n"),
        Valid("import redis.asyncio as redis\n\nr = redis.Redis()\n\nasync def tool(k: str):\n"
              "    return await r.get(k)\n"),
        Valid("async def tool(client, key: str):\n    return client.get_object(Key=key)\n"),
        Valid("import boto3\n\ns3 = boto3.client('s3')\n\ndef tool(key: str):\n"
              "    return s3.get_object(Bucket='b', Key=key)\n"),
        Valid("import anyio\nimport boto3\n\ns3 = boto3.client('s3')\n\nasync def tool():\n"
              "    return await anyio.to_thread.run_sync(lambda: s3.list_buckets())\n"),
        Valid("import sqlite3\n\nasync def tool():\n    db = sqlite3.connect(':memory:')\n"
              "    return db.execute('select 1')\n"),
        # FastMCP 3 runs a sync tool in a worker thread.
        Valid(_SERVER + _SYNC_TOOL, settings=(("target-fastmcp", "3.0"),)),
    )
    INVALID = (
        Invalid("import boto3\n\nasync def tool():\n"
                "    return boto3.client('sts').get_caller_identity()\n", at=((4, 12),),
                message="aioboto3"),
        Invalid(_SERVER + "import boto3\n\nclass Store:\n    def __init__(self):\n"
                "        self.s3 = boto3.client('s3')\n\n"
                "    async def read(self, key: str):\n"
                "        return self.s3.get_object(Bucket='b', Key=key)\n",
                at=((12, 16),), message="`self.s3.get_object()`"),
        Invalid("from mypy_boto3_s3 import S3Client\n\nasync def tool(s3: S3Client):\n"
                "    s3.list_buckets()\n", at=((4, 5),)),
        # A client built in another module of the project, through a helper and a mixin.
        Invalid("from app.clients import S3, make_table\nfrom app.base import Service\n\n"
                "class Tools(Service):\n    async def a(self):\n        S3.list_buckets()\n"
                "        make_table().get_item(Key={})\n        self.jira.issue('X-1')\n",
                at=((6, 9), (7, 9), (8, 9)), path="app/server.py",
                others=(("app/__init__.py", ""),
                        ("app/clients.py", "import boto3\n\nS3 = boto3.client('s3')\n\n"
                         "def make_table():\n"
                         "    return boto3.resource('dynamodb').Table('t')\n"),
                        ("app/base.py", "from atlassian import Jira\n\nclass Service:\n"
                         "    def __init__(self):\n        self.jira = Jira(url='x')\n"))),
        # The lifespan's context.
        Invalid("from contextlib import asynccontextmanager\nimport redis\n"
                "from fastmcp import Context, FastMCP\n\n@asynccontextmanager\n"
                "async def lifespan(app):\n    yield {'cache': redis.Redis()}\n\n"
                "mcp = FastMCP('x', lifespan=lifespan)\n\n@mcp.tool\n"
                "async def get(key: str, ctx: Context) -> str:\n"
                "    cache = ctx.request_context.lifespan_context['cache']\n"
                "    return cache.get(key)\n", at=((14, 12),), message="redis.asyncio.Redis"),
        # `ft()` builds a command object; its `info()` makes the request.
        Invalid("from redis import Redis\n\nasync def tool(r: Redis, name: str):\n"
                "    return r.ft(name).info()\n", at=((4, 12),), message="`r.ft(name).info()`"),
        Invalid("import requests\n\nsession = requests.Session()\n\nasync def tool(u: str):\n"
                "    return session.get(u, timeout=5).json()\n", at=((6, 12),)),
        # FastMCP 2 runs a sync tool inline, on the event loop.
        Invalid(_SERVER + _SYNC_TOOL, at=((11, 12),), settings=(("target-fastmcp", "2.14"),),
                message="in sync tool `read`: fastmcp 2.14 (the project's target)"),
    )

    def check(self, files: Sequence[FileFacts]) -> Iterable[ProjectFinding]:
        index = index_of(files)
        for function, path, resolved in index.async_calls():
            sink = index.sink(resolved)
            if sink is None or sink.rule != "FML105" or sink.client is None:
                continue
            if not index.runs_in_a_server(path):
                continue
            label = function.name.rpartition(".")[2]
            where = f"async function `{label}`: use {sink.alternative}"
            inline = index.inline_reason(function.name)
            if inline is not None:  # a sync tool the target runs on the event loop
                where = (f"sync tool `{label}`: {inline}; make the tool `async def` and use "
                         f"{sink.alternative}")
            yield ProjectFinding(
                path, resolved.call.location,
                f"`{resolved.call.text}()` calls {sink.client.a_label}, which blocks the "
                f"event loop in {where}")
