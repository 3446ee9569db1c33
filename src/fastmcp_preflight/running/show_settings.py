"""`--show-settings PATH`: which config applies to a path, and what it resolves to.

The same resolution a run uses (see `ConfigResolver`): the nearest pyproject.toml with a
[tool.fastmcp-lint] table above the path, or the `--config` file. Printed as plain text, or
as JSON with `--format json`.
"""

from __future__ import annotations

import json
from dataclasses import fields
from pathlib import Path
from typing import Any

from fastmcp_preflight.errors import UserError
from fastmcp_preflight.running.config import TOOL_TABLE, Config, ConfigResolver
from fastmcp_preflight.running.discovery import display_path
from fastmcp_preflight.running.pipeline import (
    FileSettings,
    RunOptions,
    catalog,
    plugin_paths,
    test_code,
)


def resolved_settings(options: RunOptions, path: Path) -> dict[str, Any]:
    """The config file that decides `path`'s settings, its settings, and the rules they
    enable for it, as plain data."""
    if not path.exists():
        raise UserError(f"--show-settings: path '{path}' does not exist")
    config = ConfigResolver.for_run(options.config_file).for_path(path)
    run_config, rule_catalog = catalog(options, [config])
    owners = plugin_paths([run_config, config])[2]
    rules, settings = FileSettings(options, rule_catalog.registry, owners).of(config)
    values: dict[str, Any] = {}
    for item in fields(Config):
        if item.name in ("path", "root"):
            continue
        value = getattr(config, item.name)
        if isinstance(value, tuple):
            value = list(value)
        elif hasattr(value, "items"):
            value = {key: list(v) if isinstance(v, tuple) else v for key, v in value.items()}
        values[item.name.replace("_", "-")] = value
    return {
        "path": display_path(path),
        "config": None if config.path is None else display_path(config.path),
        "root": display_path(config.root),
        "settings": values,
        "enabled_rules": [rule.code for rule in rules],
        "severity": dict(sorted(settings.severity.items())),
        "test_code": path.is_file() and test_code(options, config)(path),
    }


def render(data: dict[str, Any], fmt: str) -> str:
    """`--format json` gives the data as JSON, any other format plain text."""
    if fmt == "json":
        return json.dumps(data, indent=2) + "\n"
    config = data["config"] or f"none (no pyproject.toml with [tool.{TOOL_TABLE}]; defaults)"
    lines = [f"Path: {data['path']}", f"Config: {config}", f"Root: {data['root']}",
             "Settings:"]
    lines += [f"  {key} = {json.dumps(value)}" for key, value in data["settings"].items()]
    lines.append(f"Enabled rules ({len(data['enabled_rules'])}): "
                 + ", ".join(data["enabled_rules"]))
    if data["severity"]:
        lines.append("Severity overrides: " + ", ".join(
            f"{code}={level}" for code, level in data["severity"].items()))
    if data["test_code"]:
        lines.append("Test code: skipped unless --include-tests or lint-tests = true")
    return "\n".join(lines) + "\n"
