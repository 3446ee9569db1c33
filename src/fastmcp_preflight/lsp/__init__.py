"""The language server (`fastmcp-lint --lsp`), on pygls: the `lsp` extra.

`edits` turns the engine's findings and fixes into text edits (no pygls), `server` wires
them to the protocol.
"""
