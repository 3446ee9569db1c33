"""File discovery: which .py files a run lints, and in what order."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from fastmcp_preflight.errors import UserError
from fastmcp_preflight.running.config import Config
from fastmcp_preflight.running.discovery import DEFAULT_EXCLUDES, discover, display_path


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty project folder that is also the cwd, so results read as relative paths."""
    root = tmp_path / "project"
    root.mkdir()
    monkeypatch.chdir(root)
    return root


def touch(root: Path, *names: str) -> None:
    for name in names:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x = 1\n", encoding="utf-8")


def found(paths: list[Path]) -> list[str]:
    return [path.as_posix() for path in paths]


def lint(root: Path, *given: str, **settings: object) -> list[str]:
    config = Config(path=None, root=root, **settings)  # type: ignore[arg-type]
    return found(discover([Path(name) for name in given], config))


def make_repo(folder: Path) -> None:
    (folder / ".git").mkdir(parents=True)


def test_walks_folders_for_py_files_only(project: Path) -> None:
    touch(project, "server.py", "pkg/__init__.py", "pkg/tools/a.py", "stub.pyi", "notes.txt")
    (project / "pkg" / "empty").mkdir()
    assert lint(project, ".") == ["pkg/__init__.py", "pkg/tools/a.py", "server.py"]


def test_paths_keep_the_spelling_the_user_gave(project: Path, tmp_path: Path) -> None:
    touch(project, "src/app.py")
    assert found(discover([Path("src")], Config(path=None, root=project))) == ["src/app.py"]
    absolute = discover([project / "src"], Config(path=None, root=project))
    assert absolute == [project / "src" / "app.py"]


def test_default_excludes_are_pruned(project: Path) -> None:
    touch(
        project,
        "app.py",
        ".venv/x.py",
        "build/y.py",
        "venv/lib/site-packages/dep.py",
        "node_modules/pkg/z.py",
        "src/__pycache__/app.py",
        "src/build/nested.py",
        "server.egg-info/w.py",
        ".fastmcp-lint-cache/c.py",
        ".git/hooks/h.py",
        ".mypy_cache/m.py",
        "dist/d.py",
    )
    assert lint(project, ".") == ["app.py"]


def test_default_excludes_list_the_usual_suspects() -> None:
    for name in (".git", ".venv", "venv", "__pycache__", "build", "dist", "node_modules"):
        assert name in DEFAULT_EXCLUDES
    assert "*.egg-info" in DEFAULT_EXCLUDES


def test_files_named_like_excluded_folders_are_kept(project: Path) -> None:
    touch(project, "build.py", "dist_tools.py")
    assert lint(project, ".") == ["build.py", "dist_tools.py"]


def test_default_excludes_do_not_apply_to_named_paths(project: Path) -> None:
    touch(project, ".venv/x.py", "build/y.py", "build/.tox/skip.py")
    assert lint(project, ".venv/x.py") == [".venv/x.py"]
    # A named folder is linted, but the default excludes still prune below it.
    assert lint(project, "build") == ["build/y.py"]


def test_exclude_replaces_the_defaults(project: Path) -> None:
    touch(project, "app.py", ".venv/x.py", "generated/g.py", "src/generated/h.py")
    assert lint(project, ".", exclude=("generated",)) == [".venv/x.py", "app.py"]


def test_extend_exclude_adds_to_the_defaults(project: Path) -> None:
    touch(project, "app.py", ".venv/x.py", "legacy/old.py", "src/legacy/old.py", "src/keep.py")
    assert lint(project, ".", extend_exclude=("legacy/",)) == ["app.py", "src/keep.py"]


def test_exclude_patterns_are_gitignore_style_relative_to_root(project: Path) -> None:
    touch(project, "gen/a.py", "src/gen/b.py", "src/api/c_pb2.py", "src/api/d.py", "e_pb2.py")
    excluded = lint(project, ".", extend_exclude=("/gen", "src/**/*_pb2.py"))
    assert excluded == ["e_pb2.py", "src/api/d.py", "src/gen/b.py"]
    assert lint(project, ".", extend_exclude=("*_pb2.py",)) == [
        "gen/a.py",
        "src/api/d.py",
        "src/gen/b.py",
    ]


def test_exclude_is_relative_to_config_root_not_cwd(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    touch(project, "gen/a.py", "src/gen/b.py")
    monkeypatch.chdir(project / "src")
    config = Config(path=None, root=project, extend_exclude=("/gen",))
    assert found(discover([Path(".")], config)) == ["gen/b.py"]
    assert found(discover([Path("..")], config)) == ["../src/gen/b.py"]


def test_user_excludes_apply_to_named_files_and_folders(project: Path) -> None:
    touch(project, "migrations/m1.py", "src/app.py", "src/settings_local.py")
    settings: dict[str, object] = {"extend_exclude": ("migrations", "settings_local.py")}
    named = ("migrations/m1.py", "src/settings_local.py", "src/app.py", "migrations")
    assert lint(project, *named, **settings) == ["src/app.py"]


def test_user_excludes_match_names_outside_the_root(project: Path, tmp_path: Path) -> None:
    touch(tmp_path / "outside", "vendor/v.py", "mine.py")
    config = Config(path=None, root=project, extend_exclude=("vendor",))
    assert discover([tmp_path / "outside"], config) == [tmp_path / "outside" / "mine.py"]


def test_invalid_exclude_pattern_names_the_file_and_key(project: Path) -> None:
    config = Config(path=project / "pyproject.toml", root=project, extend_exclude=("\\",))
    with pytest.raises(UserError) as caught:
        discover([project], config)
    message = str(caught.value)
    assert message.startswith("pyproject.toml: [tool.fastmcp-lint] extend-exclude[0]: ")
    assert "\n" not in message


# --- .gitignore ---------------------------------------------------------------------------------


def test_root_and_nested_gitignores_are_honoured(project: Path) -> None:
    make_repo(project)
    touch(
        project,
        "app.py",
        "scratch.py",
        "out/gen.py",
        "pkg/a.py",
        "pkg/local_only.py",
        "pkg/deep/local_only.py",
        "pkg/deep/keep_me.py",
        "other/local_only.py",
    )
    (project / ".gitignore").write_text("scratch.py\nout/\n*keep_me.py\n", encoding="utf-8")
    # Nested file: its patterns are relative to its own folder and override the root's.
    (project / "pkg" / ".gitignore").write_text("local_only.py\n!keep_me.py\n", encoding="utf-8")

    assert lint(project, ".") == [
        "app.py",
        "other/local_only.py",
        "pkg/a.py",
        "pkg/deep/keep_me.py",
    ]


def test_anchored_nested_gitignore_pattern(project: Path) -> None:
    make_repo(project)
    touch(project, "pkg/tmp/a.py", "pkg/sub/tmp/b.py", "tmp/c.py")
    (project / "pkg" / ".gitignore").write_text("/tmp/\n", encoding="utf-8")
    assert lint(project, ".") == ["pkg/sub/tmp/b.py", "tmp/c.py"]


def test_gitignore_above_the_named_folder_applies(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_repo(project)
    touch(project, "src/app.py", "src/secret.py")
    (project / ".gitignore").write_text("secret.py\n", encoding="utf-8")
    monkeypatch.chdir(project / "src")
    assert found(discover([Path(".")], Config(path=None, root=project))) == ["app.py"]


def test_git_info_exclude_is_honoured(project: Path) -> None:
    make_repo(project)
    (project / ".git" / "info").mkdir()
    (project / ".git" / "info" / "exclude").write_text("mine.py\n", encoding="utf-8")
    touch(project, "app.py", "mine.py")
    assert lint(project, ".") == ["app.py"]


def test_respect_gitignore_false(project: Path) -> None:
    make_repo(project)
    touch(project, "app.py", "scratch.py", "pkg/local.py")
    (project / ".gitignore").write_text("scratch.py\n", encoding="utf-8")
    (project / "pkg" / ".gitignore").write_text("*\n", encoding="utf-8")
    assert lint(project, ".") == ["app.py"]
    assert lint(project, ".", respect_gitignore=False) == ["app.py", "pkg/local.py", "scratch.py"]


def test_gitignore_outside_a_repository_means_nothing(project: Path) -> None:
    touch(project, "app.py", "scratch.py")
    (project / ".gitignore").write_text("scratch.py\n", encoding="utf-8")
    assert lint(project, ".") == ["app.py", "scratch.py"]


def test_nested_repository_uses_its_own_ignore_rules(project: Path) -> None:
    make_repo(project)
    make_repo(project / "vendored")
    touch(project, "app.py", "scratch.py", "vendored/scratch.py", "vendored/tmp.py")
    (project / ".gitignore").write_text("scratch.py\n", encoding="utf-8")
    (project / "vendored" / ".gitignore").write_text("tmp.py\n", encoding="utf-8")
    assert lint(project, ".") == ["app.py", "vendored/scratch.py"]


def test_named_gitignored_file_is_still_linted(project: Path) -> None:
    make_repo(project)
    touch(project, "scratch.py", "out/gen.py")
    (project / ".gitignore").write_text("scratch.py\nout/\n", encoding="utf-8")
    assert lint(project, "scratch.py", "out/gen.py") == ["out/gen.py", "scratch.py"]


def test_named_gitignored_folder_is_walked_with_its_other_rules(project: Path) -> None:
    make_repo(project)
    touch(project, "out/gen.py", "out/sub/more.py", "out/api_pb2.py", "out/.venv/v.py")
    (project / ".gitignore").write_text("out/\n*_pb2.py\n", encoding="utf-8")
    assert lint(project, ".") == []
    assert lint(project, "out") == ["out/gen.py", "out/sub/more.py"]


def test_identical_gitignores_in_different_folders_are_different_files(project: Path) -> None:
    make_repo(project)
    touch(project, "a/gen/x.py", "b/gen/y.py")
    (project / "a" / ".gitignore").write_text("gen/\n", encoding="utf-8")
    (project / "b" / ".gitignore").write_text("gen/\n", encoding="utf-8")
    # Naming a/gen lifts only the pattern that ignores a/gen.
    assert lint(project, "a/gen", "b") == ["a/gen/x.py"]


# --- odd file system shapes ---------------------------------------------------------------------


def test_nonexistent_path_is_an_error(project: Path) -> None:
    touch(project, "app.py")
    with pytest.raises(UserError, match=r"^path 'missing\.py' does not exist$"):
        discover([Path("app.py"), Path("missing.py")], Config(path=None, root=project))


def test_folder_named_like_a_python_file_is_a_folder(project: Path) -> None:
    touch(project, "weird.py/inner.py")
    assert lint(project, ".") == ["weird.py/inner.py"]
    assert lint(project, "weird.py") == ["weird.py/inner.py"]


def test_named_file_of_any_suffix_is_linted(project: Path) -> None:
    touch(project, "script", "stub.pyi")
    assert lint(project, "script", "stub.pyi") == ["script", "stub.pyi"]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_things_that_are_not_files_or_folders_are_skipped(project: Path) -> None:
    touch(project, "app.py")
    os.mkfifo(project / "pipe.py")
    assert lint(project, ".") == ["app.py"]
    assert lint(project, "pipe.py") == []


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symlinks")
def test_symlink_loops_do_not_hang(project: Path) -> None:
    touch(project, "pkg/a.py")
    (project / "pkg" / "loop").symlink_to(project, target_is_directory=True)
    (project / "pkg" / "self").symlink_to(project / "pkg", target_is_directory=True)
    (project / "dangling.py").symlink_to(project / "nowhere.py")
    (project / "looped.py").symlink_to(project / "looped.py")
    # A .py link that can't be followed is returned, so reading it reports it (FML000)
    # instead of silently checking less than the project holds; folder links aren't followed.
    assert lint(project, ".") == ["dangling.py", "looped.py", "pkg/a.py"]


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symlinks")
def test_symlinked_folders_are_followed_only_when_named(project: Path, tmp_path: Path) -> None:
    touch(tmp_path / "shared", "lib.py")
    (project / "linked").symlink_to(tmp_path / "shared", target_is_directory=True)
    assert lint(project, ".") == []
    assert lint(project, "linked") == ["linked/lib.py"]


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symlinks")
def test_symlinked_file_is_linted_once(project: Path) -> None:
    touch(project, "real.py")
    (project / "alias.py").symlink_to(project / "real.py")
    assert lint(project, ".") == ["alias.py"]  # the first by display path stands for both


def test_output_is_deduplicated_and_sorted(project: Path) -> None:
    touch(project, "b.py", "a/z.py", "a/b.py", "A.py", "c/a.py")
    result = lint(project, "c", "b.py", "./a", ".", str(project / "b.py"), "a/z.py")
    assert result == ["A.py", "a/b.py", "a/z.py", "b.py", "c/a.py"]


def test_no_paths_no_files(project: Path) -> None:
    touch(project, "app.py")
    assert discover([], Config(path=None, root=project)) == []


# --- display_path -------------------------------------------------------------------------------


def test_display_path_is_cwd_relative_with_slashes(project: Path, tmp_path: Path) -> None:
    assert display_path(project / "src" / "app.py") == "src/app.py"
    assert display_path(Path("src") / "app.py") == "src/app.py"
    assert display_path(Path("./src/../src/app.py")) == "src/app.py"
    assert display_path(project) == "."
    assert display_path(tmp_path / "other.py") == (tmp_path / "other.py").as_posix()
    assert display_path(Path("../other.py")) == (tmp_path / "other.py").as_posix()
