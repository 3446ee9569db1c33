"""Report formats: one module a format, each a pure function of a sorted `RunSummary`.

`formats.STRING_FORMATS` maps the formats that render to a string; `text` writes to a rich
Console instead. This package module imports nothing, so a run imports only the formats it
prints (and `summary`, which every run needs).
"""
