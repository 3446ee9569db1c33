"""Shared fixtures: the registry of every installed rule, loaded once per test session."""

from __future__ import annotations

import pytest

from fastmcp_lint.registry import Registry, default_plugins


@pytest.fixture(scope="session")
def registry() -> Registry:
    return Registry.load(default_plugins())
