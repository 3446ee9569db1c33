"""Loading [tool.fastmcp-lint]: every key, the file search, --config, and one-line errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from fastmcp_preflight.errors import UserError
from fastmcp_preflight.running.config import Config, find_config_file, load_config

FULL_SETTINGS = """
[project]
name = "server"

[tool.fastmcp-lint]
select = ["FML1", "blocking-sleep-in-async"]
ignore = ["FML301"]
extend-select = ["FML9"]
exclude = ["generated"]
extend-exclude = ["legacy/*.py"]
respect-gitignore = false
fail-on = "error"
extend-blocking-calls = ["mylib.fetch_sync", "input"]
extend-sync-clients = ["mylib.Client"]
plugins = ["lint_rules", "extra/rule.py"]
cache-dir = ".cache/fml"

[tool.fastmcp-lint.per-file-ignores]
"tests/*" = ["FML1"]
"scripts/run.py" = []

[tool.fastmcp-lint.severity]
FML101 = "warning"
unbounded-http-timeout = "error"
"""


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def settings(*lines: str) -> str:
    return "[tool.fastmcp-lint]\n" + "\n".join(lines) + "\n"


def load_error(tmp_path: Path, *lines: str) -> str:
    write(tmp_path / "pyproject.toml", settings(*lines))
    with pytest.raises(UserError) as caught:
        load_config([tmp_path])
    message = str(caught.value)
    assert "\n" not in message
    return message


def test_every_key_parses(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    pyproject = write(tmp_path / "pyproject.toml", FULL_SETTINGS)

    config = load_config([Path(".")])

    assert config.path == pyproject
    assert config.root == tmp_path
    assert config.select == ("FML1", "blocking-sleep-in-async")
    assert config.ignore == ("FML301",)
    assert config.extend_select == ("FML9",)
    assert dict(config.per_file_ignores) == {"tests/*": ("FML1",), "scripts/run.py": ()}
    assert config.exclude == ("generated",)
    assert config.extend_exclude == ("legacy/*.py",)
    assert config.respect_gitignore is False
    assert dict(config.severity) == {"FML101": "warning", "unbounded-http-timeout": "error"}
    assert config.fail_on == "error"
    assert config.extend_blocking_calls == ("mylib.fetch_sync", "input")
    assert config.extend_sync_clients == ("mylib.Client",)
    assert config.plugins == ("lint_rules", "extra/rule.py")
    assert config.cache_dir == ".cache/fml"


def test_defaults_without_any_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    config = load_config([tmp_path])
    assert config == Config(path=None, root=tmp_path)
    assert config.select is None
    assert config.exclude is None
    assert config.respect_gitignore is True
    assert config.fail_on == "warning"
    assert dict(config.per_file_ignores) == {}
    assert dict(config.severity) == {}


def test_empty_table_gives_defaults_but_records_the_file(tmp_path: Path) -> None:
    pyproject = write(tmp_path / "pyproject.toml", "[tool.fastmcp-lint]\n")
    config = load_config([tmp_path])
    assert config == Config(path=pyproject, root=tmp_path)


def test_config_is_frozen_and_its_tables_read_only(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", FULL_SETTINGS)
    config = load_config([tmp_path])
    with pytest.raises(AttributeError):
        config.select = ()  # type: ignore[misc]
    with pytest.raises(TypeError):
        config.severity["FML101"] = "error"  # type: ignore[index]
    assert hash(config) == hash(load_config([tmp_path]))


# --- finding the file ---------------------------------------------------------------------------


def test_nearest_pyproject_with_the_table_wins(tmp_path: Path) -> None:
    outer = write(tmp_path / "pyproject.toml", settings('fail-on = "error"'))
    write(tmp_path / "pkg" / "pyproject.toml", '[project]\nname = "pkg"\n')  # no table: skipped
    inner = write(tmp_path / "pkg" / "sub" / "pyproject.toml", settings('ignore = ["FML2"]'))
    source = write(tmp_path / "pkg" / "sub" / "deep" / "server.py", "")

    assert find_config_file([source]) == inner
    assert find_config_file([source.parent]) == inner
    assert find_config_file([tmp_path / "pkg"]) == outer
    assert find_config_file([tmp_path / "pkg" / "server.py"]) == outer  # need not exist

    config = load_config([tmp_path / "pkg"])
    assert config.path == outer
    assert config.root == tmp_path
    assert config.fail_on == "error"


def test_only_the_first_path_decides(tmp_path: Path) -> None:
    first = write(tmp_path / "a" / "pyproject.toml", settings('ignore = ["A"]'))
    write(tmp_path / "b" / "pyproject.toml", settings('ignore = ["B"]'))
    config = load_config([tmp_path / "a", tmp_path / "b"])
    assert config.path == first
    assert config.ignore == ("A",)


def test_relative_paths_are_searched_from_cwd(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pyproject = write(tmp_path / "pyproject.toml", settings())
    (tmp_path / "src").mkdir()
    monkeypatch.chdir(tmp_path / "src")
    assert find_config_file([Path(".")]) == pyproject
    assert find_config_file([]) == pyproject


def test_unrelated_broken_pyproject_on_the_way_up_is_ignored(tmp_path: Path) -> None:
    outer = write(tmp_path / "pyproject.toml", settings())
    write(tmp_path / "pkg" / "pyproject.toml", "this is [not toml")
    assert find_config_file([tmp_path / "pkg"]) == outer


def test_no_table_anywhere_root_is_the_project_root(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path / "proj" / "pyproject.toml", '[project]\nname = "x"\n')
    (tmp_path / "repo" / ".git").mkdir(parents=True)
    (tmp_path / "repo" / "src").mkdir()
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")

    assert find_config_file([tmp_path / "proj"]) is None
    assert load_config([tmp_path / "proj"]).root == tmp_path / "proj"
    assert load_config([tmp_path / "repo" / "src"]).root == tmp_path / "repo"
    # cwd is the fallback only when no ancestor marks a project; tmp_path's ancestors may.
    loose = load_config([tmp_path / "elsewhere"])
    assert loose.path is None
    assert loose.root in (tmp_path / "elsewhere", *tmp_path.parents)


# --- --config -----------------------------------------------------------------------------------


def test_explicit_standalone_file_holds_settings_at_top_level(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", settings('ignore = ["IGNORED"]'))
    standalone = write(
        tmp_path / "ci" / "fastmcp-lint.toml", 'select = ["FML1"]\nfail-on = "error"\n'
    )

    config = load_config([tmp_path], explicit=standalone)

    assert config.path == standalone
    assert config.root == tmp_path / "ci"
    assert config.select == ("FML1",)
    assert config.ignore == ()  # the pyproject.toml next to the paths is not read
    assert config.fail_on == "error"


def test_explicit_pyproject_reads_its_table(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pyproject = write(tmp_path / "other" / "pyproject.toml", settings('ignore = ["FML2"]'))
    monkeypatch.chdir(tmp_path)
    config = load_config([tmp_path], explicit=Path("other/pyproject.toml"))
    assert config.path == pyproject
    assert config.root == tmp_path / "other"
    assert config.ignore == ("FML2",)


def test_explicit_pyproject_without_the_table_is_an_error(tmp_path: Path) -> None:
    pyproject = write(tmp_path / "pyproject.toml", '[project]\nname = "x"\n')
    with pytest.raises(UserError, match=r"pyproject\.toml: no \[tool\.fastmcp-lint\] table"):
        load_config([tmp_path], explicit=pyproject)


def test_missing_explicit_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(UserError, match=r"config file '.*nope\.toml' does not exist"):
        load_config([tmp_path], explicit=tmp_path / "nope.toml")


def test_standalone_file_with_a_tool_table_gets_a_hint(tmp_path: Path) -> None:
    standalone = write(tmp_path / "lint.toml", settings('select = ["FML1"]'))
    with pytest.raises(UserError) as caught:
        load_config([tmp_path], explicit=standalone)
    message = str(caught.value)
    assert "lint.toml: unknown key 'tool'" in message
    assert "top level" in message


def test_explicit_file_that_is_a_folder_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "cfg.toml").mkdir()
    with pytest.raises(UserError, match=r"cfg\.toml: cannot read"):
        load_config([tmp_path], explicit=tmp_path / "cfg.toml")


# --- malformed settings: one line naming the file, the key and what was expected ----------------


@pytest.mark.parametrize(
    ("line", "key", "expected"),
    [
        ("select = 1", "select", "expected a list of strings, got int"),
        ('select = "FML1"', "select", "expected a list of strings, got str"),
        ('select = ["FML1", 2]', "select[1]", "expected a string, got int"),
        ("ignore = {}", "ignore", "expected a list of strings, got table"),
        ("extend-select = true", "extend-select", "expected a list of strings, got bool"),
        ('exclude = "build"', "exclude", "expected a list of strings, got str"),
        ("extend-exclude = [1.5]", "extend-exclude[0]", "expected a string, got float"),
        ('respect-gitignore = "yes"', "respect-gitignore", "expected true or false, got str"),
        ("respect-gitignore = 1", "respect-gitignore", "expected true or false, got int"),
        ('fail-on = "fatal"', "fail-on", 'expected "error" or "warning", got \'fatal\''),
        ("fail-on = 2", "fail-on", 'expected "error" or "warning", got int'),
        ('severity = ["FML1"]', "severity", "got list"),
        ('severity = {FML101 = "info"}', "severity.FML101", "got 'info'"),
        ('per-file-ignores = ["x"]', "per-file-ignores", "expected a table of glob = [codes]"),
        ('per-file-ignores = {"t/*" = "FML1"}', 'per-file-ignores."t/*"', "list of strings"),
        ('per-file-ignores = {"t/*" = [3]}', 'per-file-ignores."t/*"[0]', "expected a string"),
        ('extend-blocking-calls = "a.b"', "extend-blocking-calls", "list of strings, got str"),
        ('extend-sync-clients = ["my lib.Client"]', "extend-sync-clients[0]", "dotted name"),
        ('extend-blocking-calls = ["my lib.get"]', "extend-blocking-calls[0]", "dotted name"),
        ('extend-blocking-calls = ["mylib."]', "extend-blocking-calls[0]", "dotted name"),
        ('plugins = "rules.py"', "plugins", "expected a list of strings, got str"),
        ('plugins = [""]', "plugins[0]", "expected a non-empty string"),
        ("cache-dir = 3", "cache-dir", "expected a string, got int"),
        ('cache-dir = ""', "cache-dir", "expected a non-empty string"),
    ],
)
def test_malformed_value(tmp_path: Path, line: str, key: str, expected: str) -> None:
    message = load_error(tmp_path, line)
    assert message.startswith("pyproject.toml: [tool.fastmcp-lint] ") or message.startswith(
        f"{(tmp_path / 'pyproject.toml').as_posix()}: [tool.fastmcp-lint] "
    )
    assert f"] {key}: " in message
    assert expected in message


def test_messages_use_a_cwd_relative_file_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    message = load_error(tmp_path / "svc", "select = 1")
    assert message == (
        "svc/pyproject.toml: [tool.fastmcp-lint] select: expected a list of strings, got int"
    )


def test_unknown_key_lists_the_known_ones_and_suggests(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    message = load_error(tmp_path, 'selec = ["FML1"]')
    assert message.startswith("pyproject.toml: [tool.fastmcp-lint] unknown key 'selec'")
    assert "expected one of: cache-dir, exclude, extend-blocking-calls" in message
    assert message.endswith("did you mean 'select'?")


def test_snake_case_key_suggests_kebab_case(tmp_path: Path) -> None:
    message = load_error(tmp_path, 'extend_select = ["FML1"]')
    assert "unknown key 'extend_select'" in message
    assert "did you mean 'extend-select'?" in message


def test_unknown_key_with_nothing_close_has_no_suggestion(tmp_path: Path) -> None:
    message = load_error(tmp_path, "zzz = 1")
    assert "unknown key 'zzz'" in message
    assert "did you mean" not in message


def test_rule_codes_are_not_validated_here(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", settings('select = ["NOPE999"]', 'severity = {X = "error"}'))
    config = load_config([tmp_path])
    assert config.select == ("NOPE999",)
    assert dict(config.severity) == {"X": "error"}


def test_table_that_is_not_a_table(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "pyproject.toml", '[tool]\n"fastmcp-lint" = 3\n')
    with pytest.raises(UserError) as caught:
        load_config([tmp_path])
    assert str(caught.value) == "pyproject.toml: [tool.fastmcp-lint]: expected a table, got int"


def test_invalid_toml_names_the_file_and_keeps_tomllib_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "pyproject.toml", '[tool.fastmcp-lint]\nselect = = ["FML1"]\n')
    with pytest.raises(UserError) as caught:
        load_config([tmp_path])
    message = str(caught.value)
    assert message.startswith("pyproject.toml: invalid TOML: ")
    assert "line" in message
    assert "\n" not in message


def test_invalid_toml_in_explicit_standalone_file(tmp_path: Path) -> None:
    standalone = write(tmp_path / "lint.toml", "select = [\n")
    with pytest.raises(UserError, match=r"lint\.toml: invalid TOML: "):
        load_config([tmp_path], explicit=standalone)


def test_non_utf8_file(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_bytes(b"[tool.fastmcp-lint]\nselect = ['\xff']\n")
    with pytest.raises(UserError, match=r"pyproject\.toml: invalid TOML: not UTF-8"):
        load_config([tmp_path])


def test_malformed_standalone_value_has_no_table_label(tmp_path: Path) -> None:
    standalone = write(tmp_path / "lint.toml", "ignore = 1\n")
    with pytest.raises(UserError) as caught:
        load_config([tmp_path], explicit=standalone)
    assert str(caught.value).endswith("lint.toml: ignore: expected a list of strings, got int")


def test_unreadable_pyproject(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path / "pyproject.toml", settings())

    def refuse(self: Path) -> bytes:
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "read_bytes", refuse)
    with pytest.raises(UserError, match=r"pyproject\.toml: cannot read: Permission denied"):
        load_config([tmp_path])
