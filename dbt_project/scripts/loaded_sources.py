"""Print the dbt `--vars` naming the raw sources present in a DuckDB warehouse.

    dbt build --vars "$(python dbt_project/scripts/loaded_sources.py --duckdb warehouse.duckdb)"

A source counts as loaded when its `raw_<source>` schema holds every table its staging models read. Exit codes:
0 ok, 2 bad arguments or no file, 3 not even MySQL is loaded (the marts need it).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import duckdb

# The raw tables each source's staging models read (the extractor's contract, docs/dbt.md).
REQUIRED_TABLES: dict[str, frozenset[str]] = {
    "mysql": frozenset({"customers", "orders", "order_items", "events"}),
    "mongodb": frozenset({"app_events", "users"}),
    "hubspot": frozenset({"contacts", "companies", "deals"}),
    "salesforce": frozenset({"account", "contact", "opportunity"}),
}


def loaded_sources(path: Path) -> list[str]:
    """Return the sources whose raw tables are all present in the DuckDB file at `path`, in a stable order."""
    with duckdb.connect(str(path), read_only=True) as con:
        rows = con.execute(
            "select table_schema, table_name from information_schema.tables where table_schema like 'raw_%'"
        ).fetchall()
    present: dict[str, set[str]] = {}
    for schema, table in rows:
        present.setdefault(schema.removeprefix("raw_"), set()).add(table)
    return [name for name, tables in REQUIRED_TABLES.items() if tables <= present.get(name, set())]


def main(argv: list[str] | None = None) -> int:
    """Command line entry point; returns the exit code."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duckdb", type=Path, default=Path("warehouse.duckdb"), help="DuckDB file")
    args = parser.parse_args(argv)
    if not args.duckdb.is_file():
        print(f"loaded_sources: no DuckDB file at {args.duckdb}; run the extractor first", file=sys.stderr)
        return 2
    try:
        sources = loaded_sources(args.duckdb)
    except duckdb.Error as exc:
        print(f"loaded_sources: cannot read {args.duckdb}: {exc}", file=sys.stderr)
        return 2
    if "mysql" not in sources:
        print(f"loaded_sources: raw_mysql is incomplete in {args.duckdb}; the marts need it", file=sys.stderr)
        return 3
    print(json.dumps({"enabled_sources": sources}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
