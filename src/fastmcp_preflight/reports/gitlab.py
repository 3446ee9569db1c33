"""`--format gitlab`: GitLab CI code quality report (the Code Climate subset GitLab reads).

A JSON array of issues: `description`, `check_name`, `fingerprint`, `severity` and `location`
(`path` relative to the repository root, `lines.begin`/`lines.end`). GitLab compares the
fingerprints of a merge request's report with its target branch's to show what is new, so the
fingerprint leaves out line numbers: it hashes the code, the path, the message and the
finding's rank among identical ones, and moving code up or down keeps it.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from typing import Any

from fastmcp_preflight.reports.summary import RunSummary

#: fastmcp-lint severity -> Code Climate severity.
SEVERITIES = {"error": "major", "warning": "minor"}


def render_gitlab(summary: RunSummary) -> str:
    """Render the issues as indented JSON ending in a newline (`[]` when clean)."""
    seen: Counter[tuple[str, str, str]] = Counter()
    issues: list[dict[str, Any]] = []
    for d in summary.diagnostics:
        path = summary.repository_path(d.path)
        key = (d.code, path, d.message)
        rank = seen[key]
        seen[key] += 1
        digest = hashlib.sha256("\0".join((*key, str(rank))).encode("utf-8")).hexdigest()
        issues.append({
            "type": "issue",
            "check_name": d.code,
            "description": f"{d.code} {d.message}",
            "categories": ["Bug Risk"],
            "severity": SEVERITIES.get(d.severity, "minor"),
            "fingerprint": digest,
            "location": {"path": path, "lines": {"begin": d.line, "end": d.end_line}},
        })
    return json.dumps(issues, indent=2, ensure_ascii=True, allow_nan=False) + "\n"
