"""fastmcp-lint's built-in rules: one plugin module per rule.

Installed as `fastmcp_preflight.rules`.
"""
