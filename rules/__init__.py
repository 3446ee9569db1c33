"""fastmcp-lint's built-in rules: one plugin module per rule (installed as `fastmcp_lint.rules`)."""
