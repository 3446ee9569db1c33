"""FML905 sql-injection-from-tool-input."""

from __future__ import annotations

from fastmcp_preflight.api import Invalid, ToolInputRule, Valid


class SqlInjectionFromToolInput(ToolInputRule):
    """Tool input is built into the text of an SQL statement."""

    code = "FML905"
    name = "sql-injection-from-tool-input"
    severity = "error"
    checklist = "(security)"
    tags = ("security",)
    security_severity = 8.0
    summary = "tool input is built into SQL text instead of bound as a parameter"
    what = (
        "Finds, in the body of a tool, resource or prompt function, a method named `execute`, "
        "`executemany`, `executescript`, `fetch`, `fetchrow`, `fetchval`, "
        "`exec_driver_sql` or `query` (BigQuery, ClickHouse and Snowflake clients), or "
        "`sqlalchemy.text(...)`, whose first argument is an f-string, "
        "`%` or `+` building, or `.format(...)` that contains a value derived from the tool's "
        "parameters (see FML901 for what derives), given directly or through a local name "
        "(`query = f\"...{name}...\"; cursor.execute(query)`). Not reported: values passed "
        "as bound parameters (`execute(\"... WHERE id = ?\", (item_id,))`); SQL text that "
        "is itself a parameter (a tool that runs the SQL it is given); building after checks "
        "that mention values from each parameter built in (`if table not in TABLES: raise`; "
        "checking one identifier does not cover another); values derived only from "
        "parameters annotated `int`, `float`, `bool`, `Literal[...]`, an `Enum` subclass, "
        "`uuid.UUID`, `datetime.date`/`datetime.datetime` or `decimal.Decimal` (also "
        "`X | None`, `Optional[X]`, `Annotated[X, ...]`), which pydantic validates into "
        "values that cannot carry SQL. "
        "Reported at the call."
    ) + ToolInputRule.THROUGH_THE_PROJECT + (
        " Whether the SQL text is a building is judged on the "
        "expression the tool passes in (`run(f\"... {name}\")`)."
    )
    why = (
        "Text pasted into SQL is parsed as SQL: a name of `x' OR '1'='1` reads every row, "
        "`x'; DROP TABLE users; --` deletes them. The model fills tool parameters from what "
        "it reads, so a prompt injection in any document it sees can write the query."
    )
    instead = (
        "Keep the SQL text constant and pass values as bound parameters "
        "(`cursor.execute(\"SELECT * FROM users WHERE name = ?\", (name,))`, "
        "`conn.fetch(\"... WHERE id = $1\", item_id)`, `text(\"... = :name\")` with "
        "`{\"name\": name}`); identifiers (table and column names) cannot be bound, so check "
        "them against an allow-list first."
    )
    hint = "pass values as bound parameters (`?`, `%s`, `$1`, `:name`); allow-list identifiers"

    VALID = (
        # Validated types cannot carry SQL (the issue: `int` parameters were reported).
        Valid("import enum\nfrom typing import Literal, Optional\nfrom fastmcp import FastMCP\n\n"
              "mcp = FastMCP('x')\n\nclass Order(str, enum.Enum):\n    ASC = 'ASC'\n"
              "    DESC = 'DESC'\n\n@mcp.tool\n"
              "def recent(db, limit: int = 10, order: Order = Order.DESC,\n"
              "           kind: Optional[Literal['a', 'b']] = None) -> list:\n"
              "    return db.execute(f'SELECT * FROM t WHERE k = {kind!r} '\n"
              "                      f'ORDER BY ts {order.value} LIMIT {limit}').fetchall()\n"),
        Valid("import sqlite3\nfrom fastmcp import FastMCP\n\nmcp = FastMCP('x')\n\n@mcp.tool\n"
              "def find(name: str) -> list:\n    \"\"\"Find users by name.\"\"\"\n"
              "    with sqlite3.connect('app.db') as db:\n"
              "        return db.execute('SELECT * FROM users WHERE name = ?', "
              "(name,)).fetchall()\n"),
        # An identifier checked against an allow-list before it is built in.
        Valid("from fastmcp import FastMCP\n\nmcp = FastMCP('x')\nTABLES = {'users', 'orders'}"
              "\n\n@mcp.tool\nasync def count(table: str, db) -> int:\n"
              "    if table not in TABLES:\n        raise ValueError(table)\n"
              "    return await db.fetchval(f'SELECT count(*) FROM {table}')\n"),
        # Only constants are built into the text; the value is bound.
        Valid("from sqlalchemy import text\nfrom fastmcp import FastMCP\n\nmcp = FastMCP('x')"
              "\nCOLUMNS = 'id, name'\n\n@mcp.tool\ndef get(user_id: int, conn) -> list:\n"
              "    sql = f'SELECT {COLUMNS} FROM users WHERE id = :id'\n"
              "    return conn.execute(text(sql), {'id': user_id}).all()\n"),
        # A tool that runs the SQL it is given: not string building.
        Valid("from fastmcp import FastMCP\n\nmcp = FastMCP('x')\n\n@mcp.tool\n"
              "def query(sql: str, cursor) -> list:\n    cursor.execute(sql)\n"
              "    return cursor.fetchall()\n"),
    )
    INVALID = (
        # `query` of BigQuery/ClickHouse/Snowflake clients; the int is safe, the str is not.
        Invalid("from fastmcp import FastMCP\n\nmcp = FastMCP('x')\n\n@mcp.tool\n"
                "def top(client, table: str, limit: int = 10) -> list:\n"
                "    return client.query(f'SELECT * FROM {table} LIMIT {limit}').result_rows\n",
                at=((7, 12),)),
        Invalid("import sqlite3\nfrom fastmcp import FastMCP\n\nmcp = FastMCP('x')\n\n"
                "@mcp.tool\ndef find(name: str) -> list:\n    \"\"\"Find users by name.\"\"\"\n"
                "    query = f\"SELECT * FROM users WHERE name = '{name}'\"\n"
                "    with sqlite3.connect('app.db') as db:\n"
                "        return db.execute(query).fetchall()\n",
                at=((11, 16),)),
        Invalid("from fastmcp import FastMCP\n\nmcp = FastMCP('x')\n\n@mcp.tool\n"
                "async def orders(customer: str, status: str, pool) -> list:\n"
                "    sql = 'SELECT * FROM orders WHERE customer = %s' % (customer,)\n"
                "    sql += \" AND status = '\" + status + \"'\"\n"
                "    async with pool.acquire() as conn:\n"
                "        return await conn.fetch(sql)\n",
                at=((10, 22),)),
        Invalid("import sqlalchemy as sa\nfrom fastmcp import FastMCP\n\nmcp = FastMCP('x')\n\n"
                "@mcp.tool\ndef delete(item: str, engine) -> None:\n"
                "    with engine.begin() as conn:\n"
                "        conn.execute(sa.text('DELETE FROM items WHERE id = {}'.format(item)))\n",
                at=((9, 22),)),
        # The type is checked against an allow-list; the table and column names are not.
        Invalid("from fastmcp import FastMCP\n\nmcp = FastMCP('x')\nTYPES = {'TEXT', 'INTEGER'}"
                "\n\n@mcp.tool\ndef add_column(table: str, column: str, kind: str, db) -> None:\n"
                "    if kind.upper() not in TYPES:\n        raise ValueError(kind)\n"
                "    db.execute(f'ALTER TABLE {table} ADD COLUMN {column} {kind}')\n",
                at=((10, 5),)),
    )
