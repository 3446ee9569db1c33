"""`--show-fixes`: which findings the fixes removed (or would remove), file by file, as ruff
enumerates them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence


def render_fix_list(title: str, files: Sequence[tuple[str, Mapping[str, int]]],
                    names: Mapping[str, str]) -> str:
    """`Fixed 2 problems:` then per file `- path:` and `    1 x FML101 (name)` lines;
    files without fixes are left out, and nothing at all is an empty string."""
    rows = [(path, codes) for path, codes in files if any(codes.values())]
    total = sum(sum(codes.values()) for _, codes in rows)
    if not total:
        return ""
    lines = [f"{title} {total} problem{'s' if total != 1 else ''}:"]
    for path, codes in rows:
        lines.append(f"- {path}:")
        width = max(len(str(count)) for count in codes.values())
        for code, count in sorted(codes.items()):
            if count:
                name = names.get(code)
                lines.append(f"    {str(count).rjust(width)} x {code}"
                             + (f" ({name})" if name else ""))
    return "\n".join(lines) + "\n"
