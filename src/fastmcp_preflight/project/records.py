"""The span type every fact carries (its own module, so summaries and facts share it)."""

from __future__ import annotations

from typing import NamedTuple


class Location(NamedTuple):
    """A span in a file: 1-based lines and columns, end column exclusive."""

    line: int
    column: int
    end_line: int
    end_column: int
