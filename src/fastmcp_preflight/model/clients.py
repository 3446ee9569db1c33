"""The catalog of synchronous SDK clients (DESIGN.md, "Sync clients"), in one place.

Per client: how it is made (constructors and module-level factories by dotted name, and
methods of other clients that return it), the type names an annotation may use, which of its
methods do no I/O, and its async alternative. The project index uses it to know what a
value is; FML105/FML106 report method calls on clients that block. Users add their own
clients with `extend-sync-clients = ["mylib.Client"]`.

Every name was checked in the library's own source (the newest snapshot of its repository,
December 2026); the comment above each entry says where. Google Cloud and the DB-API drivers
are families matched by pattern or by PEP 249's shape (`connect()`, `cursor()`).
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

    @property
    def a_label(self) -> str:
        """The label with its article, for messages ("an atlassian-python-api client")."""
        return ("an " if self.label[:1].lower() in "aeio" else "a ") + self.label

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


_REDIS_MODULES = ("json", "ft", "ts", "bf", "cf", "cms", "topk", "tdigest", "vset")
_DBAPI_ALT = "an async driver (aiosqlite, asyncpg, aiomysql, psycopg's AsyncConnection)"

#: The built-in catalog.
CATALOG: tuple[SyncClient, ...] = (
    # boto3/session.py: `class Session` with `client()` and `resource()`; boto3/__init__.py
    # re-exports `Session`; botocore/session.py: `class Session` with `create_client()`,
    # and `get_session()`. A Session does no I/O of its own; clients come from `client()`.
    SyncClient(
        "boto3-session", "boto3 Session",
        constructors=_names("boto3.Session", "boto3.session.Session",
                            "botocore.session.Session", "botocore.session.get_session"),
        types=_names("boto3.Session", "boto3.session.Session", "botocore.session.Session"),
        produces={"client": "boto3-client", "resource": "boto3-resource",
                  "create_client": "boto3-client"},
        blocks=False),
    # botocore/client.py: `class BaseClient` with `close`, `get_paginator`,
    # `can_paginate`, `get_waiter`, `waiter_names`, `exceptions`; botocore/signers.py injects
    # `generate_presigned_url`/`_post`, `generate_db_auth_token` and the DSQL token
    # methods (signing only, no request); every other method is an API call. boto3/
    # __init__.py: `client()` calls the default Session's `client()`. mypy-boto3 stubs
    # name the clients `mypy_boto3_<service>.client.<Service>Client` (also `types_boto3_*`).
    SyncClient(
        "boto3-client", "boto3 client",
        constructors=_names("boto3.client"),
        types=_names("botocore.client.BaseClient", "botocore.client.Client"),
        type_prefixes=("mypy_boto3_", "types_boto3_"), type_suffixes=("Client",),
        local=_names("get_paginator", "get_waiter", "can_paginate", "generate_presigned_url",
                     "generate_presigned_post", "generate_db_auth_token",
                     "dsql_generate_db_connect_auth_token",
                     "dsql_generate_db_connect_admin_auth_token", "waiter_names", "meta",
                     "exceptions"),
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
    # requests/sessions.py: `class Session` (`session()` returns one; both re-exported by
    # requests/__init__.py); `mount`, `get_adapter`, `prepare_request`,
    # `merge_environment_settings` do no I/O.
    SyncClient(
        "requests-session", "requests Session",
        constructors=_names("requests.Session", "requests.session", "requests.sessions.Session",
                            "requests.sessions.session"),
        types=_names("requests.Session", "requests.sessions.Session"),
        local=_names("mount", "get_adapter", "prepare_request", "merge_environment_settings"),
        alternative="`httpx.AsyncClient`"),
    # httpx/_client.py: `class Client` (`BaseClient.build_request` does no I/O), exported
    # by httpx/__init__.py; httpx2 is httpx under another name.
    SyncClient(
        "httpx-client", "sync httpx Client",
        constructors=_names("httpx.Client", "httpx2.Client", "httpx._client.Client"),
        types=_names("httpx.Client", "httpx2.Client"),
        local=_names("build_request"),
        alternative="`httpx.AsyncClient`"),
    # redis/commands/redismodules.py: `json()`, `ft()`, `ts()`, `bf()`, `cf()`, `cms()`,
    # `topk()`, `tdigest()`, `vset()` return module command objects without a request.
    # redis/client.py: `class Redis` (`StrictRedis = Redis`), classmethods `from_url` and
    # `from_pool`; redis/utils.py `from_url`; redis/cluster.py `RedisCluster` (all
    # re-exported by redis/__init__.py); `pipeline()` returns a Pipeline that buffers
    # commands until `execute()`; `pubsub()`, `lock()` make objects that talk to the
    # server. The async client is `redis.asyncio.Redis`.
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
                     "get_retry", "set_retry", "set_response_callback", *_REDIS_MODULES),
        produces={"pipeline": "redis-pipeline", "pubsub": "redis", "lock": "redis",
                  **{name: "redis" for name in _REDIS_MODULES}},
        alternative="`redis.asyncio.Redis`"),
    SyncClient(
        "redis-pipeline", "sync redis pipeline",
        types=_names("redis.client.Pipeline"),
        blocking_only=_names("execute", "watch", "unwatch", "immediate_execute_command"),
        alternative="`redis.asyncio.Redis`"),
    # pymemcache/client/base.py: `Client`, `PooledClient`; pymemcache/client/hash.py:
    # `HashClient`; pymemcache/client/retrying.py: `RetryingClient`; pymemcache/__init__.py
    # re-exports the first three, pymemcache/client/__init__.py all four.
    SyncClient(
        "pymemcache", "pymemcache client",
        constructors=_names("pymemcache.Client", "pymemcache.PooledClient",
                            "pymemcache.HashClient", "pymemcache.client.Client",
                            "pymemcache.client.base.Client", "pymemcache.client.base.PooledClient",
                            "pymemcache.client.hash.HashClient",
                            "pymemcache.client.RetryingClient",
                            "pymemcache.client.retrying.RetryingClient"),
        alternative="aiomcache"),
    # pymongo/synchronous/mongo_client.py: `class MongoClient` (re-exported by
    # pymongo/__init__.py and the pymongo/mongo_client.py shim) with `__getattr__`/
    # `__getitem__` returning a Database, `get_database`, `get_default_database`,
    # `start_session` (no I/O); pymongo/database.py and collection.py re-export the
    # synchronous Database and Collection. The async one is `pymongo.AsyncMongoClient`.
    SyncClient(
        "pymongo", "pymongo client",
        constructors=_names("pymongo.MongoClient", "pymongo.mongo_client.MongoClient",
                            "pymongo.synchronous.mongo_client.MongoClient"),
        types=_names("pymongo.MongoClient", "pymongo.mongo_client.MongoClient",
                     "pymongo.database.Database", "pymongo.collection.Collection",
                     "pymongo.synchronous.database.Database",
                     "pymongo.synchronous.collection.Collection"),
        local=_names("get_database", "get_collection", "get_default_database",
                     "with_options", "start_session"),
        produces={"get_database": "pymongo", "get_collection": "pymongo",
                  "get_default_database": "pymongo", "with_options": "pymongo"},
        namespaced=True,
        alternative="`pymongo.AsyncMongoClient` (or motor)"),
    # elasticsearch/_sync/client/__init__.py: `class Elasticsearch` (exported by
    # elasticsearch/__init__.py, next to `AsyncElasticsearch`) with `options()` and
    # namespaced APIs (`es.indices.create`). (opensearchpy's `OpenSearch` is the same
    # shape; not checked here.)
    SyncClient(
        "elasticsearch", "sync Elasticsearch client",
        constructors=_names("elasticsearch.Elasticsearch",
                            "elasticsearch._sync.client.Elasticsearch"),
        types=_names("elasticsearch.Elasticsearch"),
        local=_names("options"), produces={"options": "elasticsearch"}, namespaced=True,
        alternative="`elasticsearch.AsyncElasticsearch`"),
    # openai/_client.py: `class OpenAI` (`Client = OpenAI`), `copy()` and
    # `with_options = copy`; lib/azure.py `AzureOpenAI`, lib/bedrock.py `BedrockOpenAI`
    # (re-exported by openai/__init__.py); resources are attributes
    # (`client.chat.completions.create`). The async one is `AsyncOpenAI`.
    SyncClient(
        "openai", "sync OpenAI client",
        constructors=_names("openai.OpenAI", "openai.AzureOpenAI", "openai.BedrockOpenAI",
                            "openai.Client"),
        types=_names("openai.OpenAI", "openai.AzureOpenAI", "openai.Client"),
        local=_names("with_options", "copy"), produces={"with_options": "openai"},
        namespaced=True, alternative="`openai.AsyncOpenAI`"),
    # anthropic/_client.py: `class Anthropic` (`Client = Anthropic`), `copy()` and
    # `with_options = copy`; anthropic/__init__.py re-exports lib/bedrock, lib/vertex
    # (`AnthropicBedrock`, `AnthropicVertex`), lib/foundry `AnthropicFoundry` and lib/aws
    # `AnthropicAWS`. The async one is `AsyncAnthropic`.
    SyncClient(
        "anthropic", "sync Anthropic client",
        constructors=_names("anthropic.Anthropic", "anthropic.Client",
                            "anthropic.AnthropicBedrock", "anthropic.AnthropicVertex",
                            "anthropic.AnthropicFoundry", "anthropic.AnthropicAWS"),
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
    # kubernetes/client/__init__.py exports the generated `CoreV1Api`, `AppsV1Api`, ...
    # (kubernetes/client/api/*_api.py; `ApiClient` is the transport, not an API);
    # kubernetes/base/dynamic/client.py: `DynamicClient` (`kubernetes.dynamic`).
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
    # `CloudClient`, `RustClient`, `AdminClient` (functions returning `ClientAPI`), and
    # `Collection` (chromadb/api/models/Collection.py); collections come from
    # `get_collection`/`get_or_create_collection`/`create_collection` (requests for an
    # HttpClient). The async one is `chromadb.AsyncHttpClient`.
    SyncClient(
        "chromadb", "sync chromadb client",
        constructors=_names("chromadb.Client", "chromadb.PersistentClient",
                            "chromadb.HttpClient", "chromadb.EphemeralClient",
                            "chromadb.CloudClient", "chromadb.RustClient",
                            "chromadb.AdminClient"),
        types=_names("chromadb.ClientAPI", "chromadb.api.ClientAPI", "chromadb.Collection",
                     "chromadb.api.models.Collection.Collection"),
        produces={"get_collection": "chromadb", "get_or_create_collection": "chromadb",
                  "create_collection": "chromadb"},
        alternative="`chromadb.AsyncHttpClient`"),
    # atlassian/__init__.py exports these (all `AtlassianRestAPI`s of
    # atlassian/rest_client.py, on a `requests.Session`); `resource_url`, `url_joiner`,
    # `log_curl_debug`, `raise_for_status` and `close` do no request.
    SyncClient(
        "atlassian", "atlassian-python-api client",
        constructors=frozenset(f"atlassian.{name}" for name in (
            "Jira", "JiraCloud", "JiraServer", "JiraServiceManagement", "JiraSoftware",
            "Confluence", "ConfluenceCloud", "ConfluenceServer", "ConfluenceV2", "Bitbucket",
            "Stash", "ServiceDesk", "ServiceManagement", "Bamboo", "Xray", "Crowd", "Insight",
            "Assets", "AssetsCloud", "AssetsDataCenter", "AssetsServer", "CloudAdmin",
            "CompanyCalendar", "Compass", "MarketPlace", "Portfolio", "TempoCloud",
            "TempoServer", "jira.Jira", "confluence.Confluence", "bitbucket.Bitbucket",
            "service_desk.ServiceDesk")),
        types=frozenset({"atlassian.Jira", "atlassian.Confluence", "atlassian.Bitbucket",
                         "atlassian.ServiceDesk", "atlassian.rest_client.AtlassianRestAPI"}),
        local=_names("resource_url", "url_joiner", "log_curl_debug", "raise_for_status"),
        alternative="`await asyncio.to_thread(...)` (the library has no async API)"),
    # influxdb_client/client/influxdb_client.py: `class InfluxDBClient` (exported by
    # influxdb_client/__init__.py) with classmethods `from_config_file`,
    # `from_env_properties`; `query_api()`, `write_api()`, ... build API objects locally
    # (`health()`, `ping()`, `version()`, `ready()` are requests); the async client is
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
                     "authorizations_api", "invokable_scripts_api"),
        produces={name: "influxdb" for name in (
            "query_api", "write_api", "buckets_api", "delete_api", "organizations_api",
            "users_api", "tasks_api", "labels_api", "authorizations_api",
            "invokable_scripts_api")},
        alternative="`InfluxDBClientAsync`"),
    # qdrant_client/qdrant_client.py: `class QdrantClient`; the async one is
    # qdrant_client/async_qdrant_client.py `AsyncQdrantClient` (both exported by
    # qdrant_client/__init__.py).
    SyncClient(
        "qdrant", "sync Qdrant client",
        constructors=_names("qdrant_client.QdrantClient",
                            "qdrant_client.qdrant_client.QdrantClient"),
        types=_names("qdrant_client.QdrantClient"),
        alternative="`qdrant_client.AsyncQdrantClient`"),
    # clickhouse_connect/__init__.py: `get_client = create_client` (driver/__init__.py
    # `def create_client`); the async one is `get_async_client = create_async_client`.
    SyncClient(
        "clickhouse", "sync clickhouse_connect client",
        constructors=_names("clickhouse_connect.get_client", "clickhouse_connect.create_client",
                            "clickhouse_connect.driver.create_client"),
        types=_names("clickhouse_connect.driver.client.Client",
                     "clickhouse_connect.driver.httpclient.HttpClient"),
        alternative="`clickhouse_connect.get_async_client`"),
    # mem0/__init__.py re-exports mem0/memory/main.py `Memory` (`from_config` classmethod)
    # and mem0/client/main.py `MemoryClient`; the async ones are `AsyncMemory`,
    # `AsyncMemoryClient`.
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
