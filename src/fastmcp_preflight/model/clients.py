"""The catalog of synchronous SDK clients (DESIGN.md, "Sync clients"), in one place.

Per client: how it is made (constructors and module-level factories by dotted name, and
methods of other clients that return it), the type names an annotation may use, which of its
methods do no I/O, and its async alternative. The project index uses it to know what a
value is; FML105/FML106 report method calls on clients that block. Users add their own
clients with `extend-sync-clients = ["mylib.Client"]`.

Every name was checked in the library's own source; the comment above each entry says where.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

#: Methods no client does I/O in (closing a client is not a blocking request worth moving).
_ALWAYS_LOCAL = frozenset({"close", "__enter__", "__exit__"})


@dataclass(frozen=True)
class SyncClient:
    """One kind of synchronous client."""

    key: str
    #: How messages name it ("boto3 client").
    label: str
    #: Dotted names whose call returns one (classes, module functions, classmethods).
    constructors: frozenset[str] = frozenset()
    #: Dotted prefixes of constructors: a name under one of them ending with one of
    #: `suffixes` (`google.cloud.` + `Client`), for families with many classes.
    prefixes: tuple[str, ...] = ()
    suffixes: tuple[str, ...] = ()
    #: Type names an annotation may use (exact), and prefixes/suffixes as for constructors.
    types: frozenset[str] = frozenset()
    type_prefixes: tuple[str, ...] = ()
    type_suffixes: tuple[str, ...] = ()
    #: Methods that do no I/O.
    local: frozenset[str] = frozenset()
    #: When set, only these methods block (a pipeline that buffers until `execute`).
    blocking_only: frozenset[str] | None = None
    #: Methods whose result is another client of the catalog (by key); "*Capitalized"
    #: stands for any method whose name starts with a capital letter.
    produces: Mapping[str, str] = field(default_factory=dict)
    #: Attribute access and subscripts give the same kind of client (`client.chat`,
    #: `mongo["db"]["users"]`): namespaced APIs.
    namespaced: bool = False
    #: Whether its methods block at all (a boto3 Session only makes clients).
    blocks: bool = True
    #: The async alternative the message names.
    alternative: str = "`await asyncio.to_thread(...)`"

    def blocking(self, method: str) -> bool:
        """Whether calling `method` on such a client does blocking I/O."""
        if not self.blocks or method in _ALWAYS_LOCAL or method in self.local:
            return False
        if method.startswith("__"):
            return False
        return self.blocking_only is None or method in self.blocking_only

    def product(self, method: str) -> str | None:
        """The catalog key of what `method` returns, when it is a client."""
        made = self.produces.get(method)
        if made is None and method[:1].isupper():
            made = self.produces.get("*Capitalized")
        return made

    def made_by(self, name: str) -> bool:
        return name in self.constructors or _matches(name, self.prefixes, self.suffixes)

    def typed(self, name: str) -> bool:
        return (name in self.types or self.made_by(name)
                or _matches(name, self.type_prefixes, self.type_suffixes))


def _matches(name: str, prefixes: tuple[str, ...], suffixes: tuple[str, ...]) -> bool:
    return (any(name.startswith(p) for p in prefixes)
            and any(name.endswith(s) for s in suffixes)
            and "Async" not in name.rpartition(".")[2] and "aio" not in name.split("."))


def _names(*names: str) -> frozenset[str]:
    return frozenset(names)


_DBAPI_ALT = "an async driver (aiosqlite, asyncpg, aiomysql, psycopg's AsyncConnection)"

#: The built-in catalog.
CATALOG: tuple[SyncClient, ...] = (
    # boto3/session.py: `class Session` with `client()` and `resource()`; boto3/__init__.py:
    # `client()`, `resource()`, `Session` (re-exported) and `setup_default_session()`.
    # A Session does no I/O of its own; clients come from `client()`.
    SyncClient(
        "boto3-session", "boto3 Session",
        constructors=_names("boto3.Session", "boto3.session.Session",
                            "botocore.session.Session", "botocore.session.get_session"),
        types=_names("boto3.Session", "boto3.session.Session", "botocore.session.Session"),
        produces={"client": "boto3-client", "resource": "boto3-resource",
                  "create_client": "boto3-client"},
        blocks=False),
    # botocore/client.py: `class BaseClient` with `get_paginator`, `get_waiter`,
    # `can_paginate`, `generate_presigned_url`/`_post` (botocore/signers.py injects them),
    # `close`; every other method is an API call. mypy-boto3 stubs name the clients
    # `mypy_boto3_<service>.client.<Service>Client` (also `types_boto3_*`).
    SyncClient(
        "boto3-client", "boto3 client",
        constructors=_names("boto3.client"),
        types=_names("botocore.client.BaseClient", "botocore.client.Client"),
        type_prefixes=("mypy_boto3_", "types_boto3_"), type_suffixes=("Client",),
        local=_names("get_paginator", "get_waiter", "can_paginate", "generate_presigned_url",
                     "generate_presigned_post", "meta", "exceptions"),
        alternative="aioboto3 (or aiobotocore), or `await asyncio.to_thread(...)`"),
    # boto3/resources/base.py: `class ServiceResource`; sub-resources (`s3.Bucket(name)`,
    # `dynamodb.Table(name)`) are made locally by capitalised factory methods
    # (boto3/resources/factory.py `_create_class_partial`).
    SyncClient(
        "boto3-resource", "boto3 resource",
        constructors=_names("boto3.resource"),
        types=_names("boto3.resources.base.ServiceResource"),
        type_prefixes=("mypy_boto3_", "types_boto3_"),
        type_suffixes=("ServiceResource", "Table", "Bucket"),
        local=_names("meta", "get_available_subresources"),
        produces={"*Capitalized": "boto3-resource"},
        alternative="aioboto3, or `await asyncio.to_thread(...)`"),
    # requests/sessions.py: `class Session` (`session()` returns one); `mount`,
    # `get_adapter`, `prepare_request`, `merge_environment_settings` do no I/O.
    SyncClient(
        "requests-session", "requests Session",
        constructors=_names("requests.Session", "requests.session", "requests.sessions.Session",
                            "requests.sessions.session"),
        types=_names("requests.Session", "requests.sessions.Session"),
        local=_names("mount", "get_adapter", "prepare_request", "merge_environment_settings"),
        alternative="`httpx.AsyncClient`"),
    # httpx/_client.py: `class Client` (`build_request` does no I/O); httpx2 is httpx.
    SyncClient(
        "httpx-client", "sync httpx Client",
        constructors=_names("httpx.Client", "httpx2.Client", "httpx._client.Client"),
        types=_names("httpx.Client", "httpx2.Client"),
        local=_names("build_request"),
        alternative="`httpx.AsyncClient`"),
    # redis/client.py: `class Redis` (`StrictRedis = Redis`), `Redis.from_url`;
    # redis/utils.py `from_url`; redis/cluster.py `RedisCluster`; `pipeline()` returns a
    # Pipeline that buffers commands until `execute()`; `pubsub()`, `lock()` make objects
    # that talk to the server. The async client is `redis.asyncio.Redis`.
    SyncClient(
        "redis", "sync redis client",
        constructors=_names("redis.Redis", "redis.StrictRedis", "redis.from_url",
                            "redis.Redis.from_url", "redis.StrictRedis.from_url",
                            "redis.client.Redis", "redis.client.StrictRedis",
                            "redis.RedisCluster", "redis.cluster.RedisCluster",
                            "redis.RedisCluster.from_url", "redis.Redis.from_pool"),
        types=_names("redis.Redis", "redis.StrictRedis", "redis.client.Redis",
                     "redis.RedisCluster", "redis.cluster.RedisCluster"),
        local=_names("pipeline", "register_script", "get_encoder", "get_connection_kwargs",
                     "get_retry", "set_retry", "set_response_callback"),
        produces={"pipeline": "redis-pipeline", "pubsub": "redis", "lock": "redis"},
        alternative="`redis.asyncio.Redis`"),
    SyncClient(
        "redis-pipeline", "sync redis pipeline",
        types=_names("redis.client.Pipeline"),
        blocking_only=_names("execute", "watch", "unwatch", "immediate_execute_command"),
        alternative="`redis.asyncio.Redis`"),
    # pymemcache/client/base.py: `Client`, `PooledClient`; pymemcache/client/hash.py:
    # `HashClient`; re-exported from `pymemcache` and `pymemcache.client`.
    SyncClient(
        "pymemcache", "pymemcache client",
        constructors=_names("pymemcache.Client", "pymemcache.PooledClient",
                            "pymemcache.HashClient", "pymemcache.client.Client",
                            "pymemcache.client.base.Client", "pymemcache.client.base.PooledClient",
                            "pymemcache.client.hash.HashClient",
                            "pymemcache.client.retrying.RetryingClient"),
        alternative="aiomcache"),
    # pymongo/synchronous/mongo_client.py: `class MongoClient` (re-exported as
    # `pymongo.MongoClient`, `pymongo.mongo_client.MongoClient`); databases and
    # collections are reached by attribute or subscript, or `get_database`/
    # `get_collection` (no I/O).
    SyncClient(
        "pymongo", "pymongo client",
        constructors=_names("pymongo.MongoClient", "pymongo.mongo_client.MongoClient",
                            "pymongo.synchronous.mongo_client.MongoClient"),
        types=_names("pymongo.MongoClient", "pymongo.mongo_client.MongoClient",
                     "pymongo.database.Database", "pymongo.collection.Collection"),
        local=_names("get_database", "get_collection", "get_default_database",
                     "with_options", "start_session"),
        produces={"get_database": "pymongo", "get_collection": "pymongo",
                  "get_default_database": "pymongo", "with_options": "pymongo"},
        namespaced=True,
        alternative="`pymongo.AsyncMongoClient` (or motor)"),
    # elasticsearch/_sync/client/__init__.py: `class Elasticsearch` with namespaced APIs
    # (`es.indices.create`); opensearchpy/client/__init__.py: `class OpenSearch`.
    SyncClient(
        "elasticsearch", "sync Elasticsearch client",
        constructors=_names("elasticsearch.Elasticsearch", "elasticsearch8.Elasticsearch",
                            "opensearchpy.OpenSearch"),
        types=_names("elasticsearch.Elasticsearch", "opensearchpy.OpenSearch"),
        local=_names("options"), produces={"options": "elasticsearch"}, namespaced=True,
        alternative="`elasticsearch.AsyncElasticsearch`"),
    # openai/_client.py: `class OpenAI`, `class AzureOpenAI` (lib/azure.py); resources are
    # attributes (`client.chat.completions.create`); `with_options` copies the client.
    SyncClient(
        "openai", "sync OpenAI client",
        constructors=_names("openai.OpenAI", "openai.AzureOpenAI", "openai.Client"),
        types=_names("openai.OpenAI", "openai.AzureOpenAI", "openai.Client"),
        local=_names("with_options", "copy"), produces={"with_options": "openai"},
        namespaced=True, alternative="`openai.AsyncOpenAI`"),
    # anthropic/_client.py: `class Anthropic` (`Client = Anthropic`); bedrock/vertex in
    # anthropic/lib/.
    SyncClient(
        "anthropic", "sync Anthropic client",
        constructors=_names("anthropic.Anthropic", "anthropic.Client",
                            "anthropic.AnthropicBedrock", "anthropic.AnthropicVertex"),
        types=_names("anthropic.Anthropic", "anthropic.Client"),
        local=_names("with_options", "copy"), produces={"with_options": "anthropic"},
        namespaced=True, alternative="`anthropic.AsyncAnthropic`"),
    # google-cloud-*: each `google.cloud.<service>.Client` (storage, bigquery, firestore,
    # logging, ...) and the GAPIC `*ServiceClient`s; their async clients are named
    # `*AsyncClient`. `bucket()`, `blob()`, `dataset()`, `table()`, `collection()`,
    # `document()` build references locally.
    SyncClient(
        "google-cloud", "sync Google Cloud client",
        prefixes=("google.cloud.",), suffixes=("Client",),
        local=_names("bucket", "blob", "dataset", "table", "collection", "document", "batch"),
        produces={name: "google-cloud" for name in (
            "bucket", "blob", "dataset", "table", "collection", "document")},
        alternative="the library's `*AsyncClient`, or `await asyncio.to_thread(...)`"),
    # kubernetes/client/api/*.py: `CoreV1Api`, `AppsV1Api`, ... exported from
    # `kubernetes.client`; kubernetes/dynamic/client.py: `DynamicClient`.
    SyncClient(
        "kubernetes", "sync kubernetes API client",
        constructors=_names("kubernetes.dynamic.DynamicClient"),
        prefixes=("kubernetes.client.",), suffixes=("Api",),
        alternative="kubernetes_asyncio, or `await asyncio.to_thread(...)`"),
    # DB-API 2.0 (PEP 249) drivers: `connect()` returns a connection whose `cursor()`
    # returns a cursor; sqlite3 (stdlib), psycopg2, psycopg (3: `psycopg.connect`,
    # `Connection.connect`), pymysql, mysql.connector, pyodbc, oracledb, duckdb,
    # snowflake.connector (snowflake/connector/__init__.py: `connect = SnowflakeConnection`).
    SyncClient(
        "dbapi-connection", "DB-API connection",
        constructors=_names("sqlite3.connect", "psycopg2.connect", "psycopg.connect",
                            "psycopg.Connection.connect", "pymysql.connect",
                            "mysql.connector.connect", "pyodbc.connect", "oracledb.connect",
                            "cx_Oracle.connect", "duckdb.connect", "snowflake.connector.connect",
                            "pymssql.connect", "MySQLdb.connect"),
        types=_names("sqlite3.Connection", "psycopg2.extensions.connection",
                     "psycopg.Connection", "pymysql.connections.Connection",
                     "duckdb.DuckDBPyConnection",
                     "snowflake.connector.SnowflakeConnection",
                     "snowflake.connector.connection.SnowflakeConnection"),
        local=_names("cursor"), produces={"cursor": "dbapi-cursor"},
        alternative=_DBAPI_ALT),
    SyncClient(
        "dbapi-cursor", "DB-API cursor",
        types=_names("sqlite3.Cursor", "psycopg2.extensions.cursor", "psycopg.Cursor",
                     "pymysql.cursors.Cursor", "snowflake.connector.cursor.SnowflakeCursor"),
        local=_names("setinputsizes", "setoutputsize"), alternative=_DBAPI_ALT),
    # chromadb/__init__.py: `Client`, `PersistentClient`, `HttpClient`, `EphemeralClient`,
    # `CloudClient` (functions returning `ClientAPI`); collections come from
    # `get_collection`/`get_or_create_collection`/`create_collection` (requests for an
    # HttpClient). The async one is `chromadb.AsyncHttpClient`.
    SyncClient(
        "chromadb", "sync chromadb client",
        constructors=_names("chromadb.Client", "chromadb.PersistentClient",
                            "chromadb.HttpClient", "chromadb.EphemeralClient",
                            "chromadb.CloudClient"),
        types=_names("chromadb.ClientAPI", "chromadb.api.ClientAPI", "chromadb.Collection",
                     "chromadb.api.models.Collection.Collection"),
        produces={"get_collection": "chromadb", "get_or_create_collection": "chromadb",
                  "create_collection": "chromadb"},
        alternative="`chromadb.AsyncHttpClient`"),
    # atlassian/__init__.py exports `Jira`, `Confluence`, `Bitbucket`, `ServiceDesk`,
    # `Bamboo`, `Xray`, `Crowd`, `Insight` (all on `requests`, in atlassian/rest_client.py).
    SyncClient(
        "atlassian", "atlassian-python-api client",
        constructors=frozenset(f"atlassian.{name}" for name in (
            "Jira", "Confluence", "Bitbucket", "ServiceDesk", "Bamboo", "Xray", "Crowd",
            "Insight", "Assets", "jira.Jira", "confluence.Confluence", "bitbucket.Bitbucket",
            "service_desk.ServiceDesk")),
        local=_names("resource_url", "url_joiner"),
        alternative="`await asyncio.to_thread(...)` (the library has no async API)"),
    # influxdb_client/client/influxdb_client.py: `class InfluxDBClient`; `query_api()`,
    # `write_api()`, ... build API objects locally; the async client is
    # influxdb_client/client/influxdb_client_async.py `InfluxDBClientAsync`.
    SyncClient(
        "influxdb", "sync InfluxDB client",
        constructors=_names("influxdb_client.InfluxDBClient",
                            "influxdb_client.client.influxdb_client.InfluxDBClient",
                            "influxdb_client.InfluxDBClient.from_env_properties",
                            "influxdb_client.InfluxDBClient.from_config_file"),
        types=_names("influxdb_client.InfluxDBClient"),
        local=_names("query_api", "write_api", "buckets_api", "delete_api",
                     "organizations_api", "users_api", "tasks_api", "labels_api",
                     "authorizations_api"),
        produces={name: "influxdb" for name in (
            "query_api", "write_api", "buckets_api", "delete_api", "organizations_api",
            "users_api", "tasks_api", "labels_api", "authorizations_api")},
        alternative="`InfluxDBClientAsync`"),
    # qdrant_client/qdrant_client.py: `class QdrantClient`; the async one is
    # qdrant_client/async_qdrant_client.py `AsyncQdrantClient`.
    SyncClient(
        "qdrant", "sync Qdrant client",
        constructors=_names("qdrant_client.QdrantClient",
                            "qdrant_client.qdrant_client.QdrantClient"),
        types=_names("qdrant_client.QdrantClient"),
        alternative="`qdrant_client.AsyncQdrantClient`"),
    # clickhouse_connect/__init__.py: `get_client = create_client` (driver/__init__.py);
    # the async one is `get_async_client`.
    SyncClient(
        "clickhouse", "sync clickhouse_connect client",
        constructors=_names("clickhouse_connect.get_client", "clickhouse_connect.create_client",
                            "clickhouse_connect.driver.create_client"),
        types=_names("clickhouse_connect.driver.client.Client",
                     "clickhouse_connect.driver.httpclient.HttpClient"),
        alternative="`clickhouse_connect.get_async_client`"),
    # mem0/memory/main.py: `class Memory` (`from_config` classmethod); mem0/client/main.py:
    # `class MemoryClient`; the async ones are `AsyncMemory`, `AsyncMemoryClient`.
    SyncClient(
        "mem0", "sync mem0 client",
        constructors=_names("mem0.Memory", "mem0.Memory.from_config", "mem0.MemoryClient",
                            "mem0.memory.main.Memory", "mem0.client.main.MemoryClient"),
        types=_names("mem0.Memory", "mem0.MemoryClient"),
        alternative="`mem0.AsyncMemory` / `mem0.AsyncMemoryClient`"),
)


class Catalog:
    """The catalog with the project's own additions, indexed for lookups."""

    def __init__(self, extra: Iterable[str] = (), entries: Iterable[SyncClient] = CATALOG,
                 ) -> None:
        self.entries = {entry.key: entry for entry in entries}
        for name in extra:
            self.entries[f"config:{name}"] = SyncClient(
                f"config:{name}", f"`{name}` client", constructors=_names(name),
                types=_names(name))
        self._by_constructor: dict[str, SyncClient | None] = {}

    def get(self, key: str) -> SyncClient | None:
        return self.entries.get(key)

    def constructed_by(self, name: str) -> SyncClient | None:
        """The client a call of the dotted `name` returns, if it is one."""
        if name in self._by_constructor:
            return self._by_constructor[name]
        found = next((e for e in self.entries.values() if e.made_by(name)), None)
        self._by_constructor[name] = found
        return found

    def of_type(self, name: str) -> SyncClient | None:
        """The client an annotation naming the dotted `name` holds, if it is one."""
        return next((e for e in self.entries.values() if e.typed(name)), None)
