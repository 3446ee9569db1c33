"""The project index: summaries in the facts, the join, the fixed point, the queries."""

from __future__ import annotations

import pickle
from pathlib import Path

from fastmcp_preflight.api import ProjectIndex, Value, index_of
from fastmcp_preflight.project.facts import FileFacts, ProjectFacts
from fastmcp_preflight.running.cache import Cache
from fastmcp_preflight.running.engine import Engine


def _facts(tmp_path: Path, files: dict[str, str]) -> list[FileFacts]:
    (tmp_path / "pyproject.toml").write_text("")
    engine = Engine([])
    found = []
    for name, code in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(code)
    for name in files:
        result = engine.lint_path(tmp_path / name, name)
        assert result.facts is not None
        found.append(result.facts)
    return found


_STORE = """\
import boto3
import requests

S3 = boto3.client("s3")

def load(key):
    return requests.get("http://x/" + key, timeout=5).json()

def get_report(key):
    return load(key)

def make_client():
    return boto3.client("dynamodb")

class Base:
    def __init__(self):
        self.s3 = boto3.client("s3")

class Mixin:
    def fetch(self):
        return self.s3.get_object(Bucket="b", Key="k")

class Store(Base, Mixin):
    def read(self):
        return self.fetch()
"""


def _project(tmp_path: Path) -> ProjectIndex:
    files = _facts(tmp_path, {
        "app/__init__.py": "from app.store import get_report as get_report\n",
        "app/store.py": _STORE,
        "app/server.py": "from app import get_report\nfrom app.store import Store, S3\n\n"
                         "async def tool(key: str):\n    get_report(key)\n"
                         "    Store().read()\n    S3.list_buckets()\n",
    })
    return index_of(ProjectFacts(files))


def test_summaries_survive_the_cache_and_pickle(tmp_path: Path) -> None:
    for facts in _facts(tmp_path, {"app/__init__.py": "", "app/store.py": _STORE}):
        again = FileFacts.from_json(facts.to_json())
        assert again == facts
        assert pickle.loads(pickle.dumps(facts)) == facts
    store = _facts(tmp_path, {"app/store.py": _STORE})[0]
    names = [f.name for f in store.functions]
    assert "app.store.Mixin.fetch" in names and "app.store.load" in names
    assert store.globals["S3"] == (("g:boto3.client", "()"),)


def test_summaries_from_the_cache_are_decoded_only_when_asked_for(tmp_path: Path) -> None:
    """A pre-commit run reads every project file's facts from the cache: the index learns
    the functions' names from the JSON and decodes a file's summaries only when one of its
    functions is looked at (and the JSON written back is the JSON read)."""
    files = {"app/__init__.py": "", "app/store.py": _STORE,
             "app/other.py": "def unused(x):\n    return x\n",
             "app/server.py": "from app.store import load\n\nasync def tool(key: str):\n"
                              "    load(key)\n"}
    cached = [FileFacts.from_json(f.to_json()) for f in _facts(tmp_path, files)]
    by_path = {f.path: f for f in cached}
    encoded = {f.path: f.to_json()["functions"] for f in cached}
    index = index_of(ProjectFacts(cached))
    assert not any("_functions" in f.__dict__ and isinstance(f.__dict__["_functions"], list)
                   for f in cached)  # the names came from the JSON
    summary = index.function("app.store.load")
    assert summary is not None and summary.params == ("key",)
    assert isinstance(by_path["app/store.py"].__dict__["_functions"], list)
    assert not isinstance(by_path["app/other.py"].__dict__["_functions"], list)
    assert index.path_of("app.other.unused") == "app/other.py"
    assert [f.to_json()["functions"] for f in cached] == list(encoded.values())


def test_the_facts_pack_parses_a_file_s_summaries_only_when_asked_for(tmp_path: Path) -> None:
    """The facts pack keeps each file's function summaries as JSON text beside the rest:
    a one-file run over a large project parses only the summaries the index looks at, and
    a pack cut short or damaged is not read at all."""
    files = {"app/__init__.py": "", "app/store.py": _STORE,
             "app/other.py": "def unused(x):\n    return x\n",
             "app/server.py": "from app.store import load\n\nasync def tool(key: str):\n"
                              "    load(key)\n"}
    linted = {f"key-{f.path}": f for f in _facts(tmp_path, files)}
    padding = {f"pad-{n}": FileFacts(f"pad{n}.py", f"pad{n}") for n in range(8)}
    Cache(tmp_path / "cache", "f").update_pack({**linted, **padding, "none": None})
    cache = Cache(tmp_path / "cache", "f")
    read = {key: cache.get_facts(key) for key in [*linted, "none"]}
    assert read["none"] == (None,)
    cached = {f.path: f for key, found in read.items() if key != "none"
              for f in [found[0] if found else None] if f is not None}
    assert sorted(cached) == sorted(files)
    texts = {path: f.__dict__["_functions"].text for path, f in cached.items()}
    assert all(isinstance(text, bytes) for text in texts.values())
    index = index_of(ProjectFacts(list(cached.values())))
    assert index.path_of("app.other.unused") == "app/other.py"  # the names, beside the text
    summary = index.function("app.store.load")
    assert summary is not None and summary.params == ("key",)
    assert isinstance(cached["app/store.py"].__dict__["_functions"], list)
    assert cached["app/other.py"].__dict__["_functions"].text == texts["app/other.py"]
    assert cached["app/other.py"].to_pack()[1] == texts["app/other.py"]  # written back as read
    assert cached["app/other.py"].functions == linted["key-app/other.py"].functions

    pack = next((tmp_path / "cache" / "v1").glob("facts-*.pack"))
    written = pack.read_bytes()
    flipped = written.replace(b'"requests.get"', b'"requests.got"', 1)
    assert flipped != written
    for damaged in (written[:-1], flipped):  # the texts are parsed too late to notice then
        pack.write_bytes(damaged)
        assert Cache(tmp_path / "cache", "f").get_facts("key-app/store.py") is None


def test_a_symbol_is_found_through_every_name_its_module_may_have(tmp_path: Path) -> None:
    """A module may be imported by the tails of its path (`svc.common.conn`,
    `common.conn`); a name that two modules may be imported as names neither's symbols."""
    index = index_of(_facts(tmp_path, {
        "svc/common/conn.py": "def connect():\n    return 1\n",
        "one/__init__.py": "", "one/util.py": "def helper():\n    pass\n\n"
                                              "def only_one():\n    pass\n",
        "two/__init__.py": "", "two/util.py": "def helper():\n    pass\n"}))
    connect = index.lookup("svc.common.conn.connect")
    assert connect is not None and index.path_of(connect) == "svc/common/conn.py"
    assert index.lookup("common.conn.connect") == connect
    assert index.lookup("one.util.helper") == "one.util.helper"
    assert index.lookup("util.only_one") == "one.util.only_one"
    assert index.lookup("util.helper") is None  # one.util's or two.util's?
    assert index.lookup("common.conn.missing") is None


def test_symbols_hierarchy_and_values(tmp_path: Path) -> None:
    index = _project(tmp_path)
    assert index.lookup("app.get_report") == "app.store.get_report"  # a re-export
    assert index.mro("app.store.Store") == ["app.store.Store", "app.store.Base",
                                             "app.store.Mixin"]
    assert index.subclasses("app.store.Mixin") == ["app.store.Store"]
    assert index.path_of("app.store.load") == "app/store.py"
    assert index.evaluate(("g:app.store.S3", ".list_buckets")) == (
        Value("member", "boto3-client", "list_buckets"),)
    # A mixin's `self.s3` is set by the class that uses it.
    assert index.evaluate(("self", ".s3"), "app.store.Mixin.fetch") == (
        Value("client", "boto3-client"),)
    assert index.evaluate(("g:app.store.make_client", "()")) == (
        Value("client", "boto3-client"),)


def test_call_graph_and_blocking_chains(tmp_path: Path) -> None:
    index = _project(tmp_path)
    assert [caller for caller, _ in index.callers("app.store.load")] == [
        "app.store.get_report"]
    chain = index.blocking("app.store.get_report")
    assert chain is not None
    assert [(s.path, s.line, s.name) for s in chain.chain] == [
        ("app/store.py", 10, "load()"), ("app/store.py", 7, "requests.get")]
    assert chain.sink.rule == "FML102"
    read = index.blocking("app.store.Store.read")
    assert read is not None and read.sink.rule == "FML105"
    calls = {c.call.text: c for _, _, c in index.async_calls()}
    assert index.blocking_through(calls["get_report"]) is not None
    sink = index.sink(calls["S3.list_buckets"])
    assert sink is not None and sink.rule == "FML105"


def test_chains_stop_at_eight_calls_and_at_recursion(tmp_path: Path) -> None:
    body = "import time\n\ndef f0():\n    time.sleep(1)\n"
    for n in range(1, 12):
        body += f"\ndef f{n}():\n    f{n - 1}()\n"
    body += "\ndef loop(n):\n    return loop(n - 1)\n"
    index = index_of(ProjectFacts(_facts(tmp_path, {"deep.py": body})))
    assert len(index.blocking("deep.f7").chain) == 8  # type: ignore[union-attr]
    assert index.blocking("deep.f8") is None
    assert index.blocking("deep.loop") is None


def test_config_extends_the_catalog(tmp_path: Path) -> None:
    files = _facts(tmp_path, {"m.py": "from mylib import Client\n\nc = Client()\n\n"
                                      "async def tool():\n    c.fetch()\n"})
    project = ProjectFacts(files)
    project.options = {"extend-sync-clients": ("mylib.Client",)}
    (_, _, call), = project.project_index.async_calls()
    assert project.project_index.sink(call) is not None
    assert index_of(ProjectFacts(files)).sink(call) is None


def test_chain_to_a_rule_s_own_sink_and_the_import_reach(tmp_path: Path) -> None:
    files = _facts(tmp_path, {
        "app/__init__.py": "",
        "app/log.py": "def say(x):\n    print(x)\n\ndef report(x):\n    say(x)\n",
        "app/server.py": "def main(value):\n    from app.log import report\n"
                         "    report(value)\n",
    })
    project = ProjectFacts(files)
    index = index_of(project)

    def prints(resolved):  # type: ignore[no-untyped-def]
        hit = any(t.name == "builtins.print" for t in resolved.targets)
        return "print" if hit else None

    chain = index.chain_to("app.server.main", prints)
    assert chain is not None
    assert [(s.path, s.line, s.name) for s in chain] == [
        ("app/server.py", 3, "report()"), ("app/log.py", 5, "say()"), ("app/log.py", 2, "print")]
    main = next(f for f in index.functions() if f.name == "app.server.main")
    assert main.calls[-1].args == (("0", ("value",)),)
    graph = project.import_graph
    assert graph.edges["app/server.py"] == []  # the import is in a function
    assert graph.reached_from(["app/server.py"]) == {"app/log.py", "app/__init__.py"}
    assert graph.reached_from(["app/server.py"], deferred=False) == set()


def test_calls_that_lead_nowhere_are_not_kept(tmp_path: Path) -> None:
    code = ("import json\nimport logging\nimport sys\nimport time\n\n"
            "logger = logging.getLogger(__name__)\n\n"
            "def f(x):\n    logger.info('x')\n    json.dumps(x)\n    len(x)\n"
            "    sys.stdout.write('x')\n    print(x)\n    time.sleep(1)\n    open(x)\n")
    (facts,) = _facts(tmp_path, {"m.py": code})
    (f,) = facts.functions
    assert [c.text for c in f.calls] == ["sys.stdout.write", "print", "time.sleep", "open"]


def test_answers_do_not_depend_on_the_order_of_the_files(tmp_path: Path) -> None:
    files = _facts(tmp_path, {"app/__init__.py": "", "app/store.py": _STORE,
                              "app/server.py": "from app.store import Store\n\n"
                                               "async def tool():\n    Store().read()\n"})
    forward = index_of(ProjectFacts(files))
    backward = index_of(ProjectFacts(list(reversed(files))))
    for index in (forward, backward):
        assert [f.path for f in index.files] == sorted(f.path for f in files)
    assert forward.blocking("app.store.Store.read") == backward.blocking("app.store.Store.read")


def test_a_mixin_calls_a_method_of_a_sibling_mixin(tmp_path: Path) -> None:
    code = ("import requests\n\nclass Search:\n    def search(self, q):\n"
            "        return requests.get('https://x.invalid', params={'q': q}, timeout=5)\n\n"
            "class Boards:\n    def boards(self):\n        return self.search('boards')\n\n"
            "class Fetcher(Search, Boards):\n    pass\n")
    index = index_of(ProjectFacts(_facts(tmp_path, {"m.py": code})))
    chain = index.blocking("m.Boards.boards")
    assert chain is not None
    assert [s.name for s in chain.chain] == ["Search.search()", "requests.get"]
