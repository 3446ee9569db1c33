"""Shared fixtures: the registry of every installed rule, loaded once per test session."""

from __future__ import annotations

import pytest

from fastmcp_preflight.plugins.registry import Registry, default_plugins


@pytest.fixture(scope="session")
def registry() -> Registry:
    return Registry.load(default_plugins())
