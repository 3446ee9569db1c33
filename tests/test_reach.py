"""Which units of a helper module a stdio server runs (FML601 in imported modules)."""

from __future__ import annotations

import textwrap

import libcst as cst

from fastmcp_preflight.model.file_model import FileModel, ModelBuilder
from fastmcp_preflight.model.walker import Walker
from fastmcp_preflight.project.facts import (
    FileFacts,
    ImportFact,
    Location,
    stdout_reaches_stdio_server,
)

AT = Location(1, 1, 1, 1)


def build(code: str, package: str | None = "pkg") -> FileModel:
    module = cst.parse_module(textwrap.dedent(code))
    builder = ModelBuilder(module, package)
    Walker().walk(module, builder)
    return builder.finish()


HELPER = """
    import logging
    from typing import Generic, TypeVar

    T = TypeVar("T")

    def load(path: "Config") -> None:
        _warn(path)

    def _warn(text):
        print(text)

    def ask(question):
        return input(question)

    def wizard():
        print("setup")
        return ask("name?")

    class Config(Generic[T]):
        def __init__(self):
            self._check()

        def _check(self):
            print("checking")

        @property
        def summary(self):
            print("summary")

        def report(self):
            print("report")

    class Handler(logging.Handler):
        def emit(self, record):
            print(record)

    def setup():
        logging.getLogger().addHandler(Handler())

    DEFAULT = Config()

    if __name__ == "__main__":
        wizard()
"""


def test_units_of_a_helper_that_prints() -> None:
    model = build(HELPER)
    units = model.stdout_units
    assert units[""] == ("Config",)  # `DEFAULT = Config()`; a class's own statement is no use
    assert units["load"] == ("_warn",)  # annotations run no code
    assert units["wizard"] == ("ask",)
    assert units["Config"] == ("Config.__init__", "Config.summary")
    assert units["Config.__init__"] == ("Config._check",)
    assert units["Handler"] == ("Handler.emit",)  # a base of another module may call it
    assert model.terminal_units == {"ask", "wizard"}


def test_called_attributes_leave_out_self_the_standard_library_and_dunders() -> None:
    model = build("""
        import os
        import helpers as h
        from pkg import store

        def f(tracker):
            h.load()
            store.items.add(1)
            tracker.print_summary()
            os.path.join("a", "b")
            self.close()
            tracker.__enter__()
    """)
    assert model.called_attributes == {"load", "add", "print_summary"}
    assert not model.stdout_units  # no stdout write
    assert build("from pkg.helpers import *\n").called_attributes == {"*"}


def test_a_server_module_has_no_units() -> None:
    assert not build("from fastmcp import FastMCP\nmcp = FastMCP('x')\nprint('hi')\n"
                     ).stdout_units


def _server(*imports: tuple[tuple[str, ...], ...], called: tuple[str, ...] = (),
            transport: str | None = None) -> FileFacts:
    from fastmcp_preflight.project.facts import StartFact
    return FileFacts("pkg/server.py", "pkg.server", True, server_module=True,
                     imports=[ImportFact(AT, targets) for targets in imports],
                     called_attributes=list(called),
                     starts=[StartFact(AT, "run", transport)])


def _helper() -> FileFacts:
    model = build(HELPER)
    return FileFacts("pkg/helpers.py", "pkg.helpers", stdout_units=model.stdout_units,
                     terminal_units=sorted(model.terminal_units),
                     called_attributes=sorted(model.called_attributes))


def _reached(answers: dict[str, bool]) -> set[str]:
    prefix = "pkg/helpers.py#"
    return {key.removeprefix(prefix) for key, value in answers.items()
            if value and key.startswith(prefix)}


def test_imported_by_name_reaches_the_name_and_what_it_calls() -> None:
    files = [_server((("pkg.helpers.load", "pkg.helpers"), ("pkg.helpers.setup", "pkg.helpers"))),
             _helper()]
    answers = stdout_reaches_stdio_server(files)
    assert answers["pkg/helpers.py"]  # import-time code
    assert _reached(answers) == {"", "load", "_warn", "Config", "Config.__init__",
                                 "Config._check", "Config.summary", "setup", "Handler",
                                 "Handler.emit"}


def test_a_module_import_reaches_the_functions_called_on_it_and_methods_called_by_name(
        ) -> None:
    files = [_server((("pkg.helpers",),), called=("wizard", "report", "_warn")), _helper()]
    reached = _reached(stdout_reaches_stdio_server(files))
    assert "_warn" in reached and "Config.report" in reached
    assert "wizard" not in reached and "ask" not in reached  # they read the terminal
    assert "load" not in reached and "Handler.emit" not in reached


def test_a_star_import_reaches_every_unit_but_the_terminal_ones() -> None:
    files = [_server((("pkg.helpers",),), called=("*",)), _helper()]
    reached = _reached(stdout_reaches_stdio_server(files))
    assert {"load", "_warn", "Config.__init__"} <= reached
    assert "Config.report" not in reached and "wizard" not in reached


def test_nothing_is_reached_without_stdio_or_without_an_import() -> None:
    http = [_server((("pkg.helpers.load", "pkg.helpers"),), transport="http"), _helper()]
    assert not any(stdout_reaches_stdio_server(http).values())
    alone = [_server(), _helper()]
    answers = stdout_reaches_stdio_server(alone)
    assert not answers["pkg/helpers.py"] and not _reached(answers)


def test_units_survive_the_cache() -> None:
    facts = _helper()
    again = FileFacts.from_json(facts.to_json())
    assert again.stdout_units == facts.stdout_units
    assert again.terminal_units == facts.terminal_units
    assert again.called_attributes == facts.called_attributes
