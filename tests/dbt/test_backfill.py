"""A backfill of a date range on DuckDB rebuilds exactly those days' partitions: counted by comparing every day of
every incremental model before and after, against raw changes made inside and outside the range."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import duckdb
from conftest import DbtResult, DbtRunner

FACTS = {
    "analytics_intermediate.int_events__unioned": "event_date",
    "analytics_marts.fct_customer_activity_daily": "activity_date",
    "analytics_marts.fct_feature_usage_daily": "activity_date",
    "analytics_marts.fct_orders": "order_date",
}
INSIDE = [date(2024, 3, 2), date(2024, 3, 3)]
OUTSIDE = date(2024, 3, 5)
TAMPERED = date(2024, 2, 28)


def _fingerprints(path: Path) -> dict[str, dict[date, str]]:
    """Per model, per day: a hash of that day's rows."""
    with duckdb.connect(str(path)) as con:
        return {
            table: dict(
                con.execute(
                    f"select {day}, md5(string_agg(row_text, '\n' order by row_text))"
                    f" from (select {day}, cast(t as varchar) as row_text from {table} as t) group by 1"
                ).fetchall()
            )
            for table, day in FACTS.items()
        }


def _change_raw_and_tamper_marts(path: Path) -> None:
    with duckdb.connect(str(path)) as con:
        con.execute("set TimeZone = 'UTC'")
        for day in [*INSIDE, OUTSIDE]:  # late-arriving web events and an order, inside and outside the range
            con.execute(
                "insert into raw_mysql.events"
                " values (?, 3, 'late-session', 'feature_used', 'late_feature', '{}', ?, ?)",
                [f"late-{day}", f"{day} 12:00:00+00", f"{day} 23:00:00+00"],
            )
            con.execute(
                "insert into raw_mysql.orders values (?, 3, 'paid', 'EUR', 99.99, ?, ?, ?)",
                [90_000 + day.day, f"{day} 12:00:00+00", f"{day} 12:00:00+00", f"{day} 23:00:00+00"],
            )
        # Every raw event of one customer-day inside the range disappears: its mart rows must go, not linger.
        con.execute("delete from raw_mysql.events where customer_id = 7 and cast(created_at as date) = ?", [INSIDE[0]])
        # Mart rows of a day outside the range are tampered with: a rebuild would restore them.
        for table, day in FACTS.items():
            column = "customer_id" if "int_events" in table or "fct_orders" in table else "activity_date"
            if column == "customer_id":
                con.execute(f"update {table} set customer_id = -1 where {day} = ?", [TAMPERED])
            else:
                con.execute(f"delete from {table} where {day} = ?", [TAMPERED])


def test_backfill_rebuilds_exactly_the_range(
    built_warehouse: tuple[Path, DbtResult], run_dbt: DbtRunner, tmp_path: Path
) -> None:
    path = tmp_path / "warehouse.duckdb"
    shutil.copy(built_warehouse[0], path)
    _change_raw_and_tamper_marts(path)
    before = _fingerprints(path)

    window = "{since: '2024-03-02T00:00:00+00:00', until: '2024-03-04T00:00:00+00:00'}"
    run_dbt("build", "--target", "local", "--vars", window, duckdb_path=path)
    after = _fingerprints(path)

    # Reference: the same raw data built from scratch.
    reference_path = tmp_path / "reference.duckdb"
    shutil.copy(path, reference_path)
    run_dbt(
        "build", "--target", "local", "--full-refresh", "--exclude", "resource_type:test", duckdb_path=reference_path
    )
    reference = _fingerprints(reference_path)

    for table in FACTS:
        changed = {d for d in before[table].keys() | after[table].keys() if before[table].get(d) != after[table].get(d)}
        assert changed == set(INSIDE), f"{table}: days changed {sorted(changed)}"
        for day in INSIDE:  # the rebuilt days are right, late rows in and deleted rows out
            assert after[table][day] == reference[table][day], f"{table} {day}"
        assert after[table].get(OUTSIDE) != reference[table][OUTSIDE], f"{table}: {OUTSIDE} is outside the range"
        assert after[table].get(TAMPERED) != reference[table][TAMPERED], f"{table}: {TAMPERED} was rewritten"
