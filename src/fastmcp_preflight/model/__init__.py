"""The model of one file: the walk, name scopes, data flow, and what FastMCP code means."""
