"""`dbt build --target local` on a raw DuckDB warehouse: models, data tests and unit tests all pass, and the
marts agree with the raw data."""

from __future__ import annotations

from pathlib import Path

import duckdb
from conftest import DbtResult


def test_build_passes_models_data_tests_and_unit_tests(built_warehouse: tuple[Path, DbtResult]) -> None:
    _, result = built_warehouse
    results = result.run_results()["results"]
    assert results, "dbt build ran nothing"
    failed = [r["unique_id"] for r in results if r["status"] not in ("success", "pass")]
    assert failed == []
    kinds = {r["unique_id"].split(".")[0] for r in results}
    assert {"model", "test", "unit_test", "seed"} <= kinds
    assert sum(r["unique_id"].startswith("unit_test.") for r in results) >= 7


def test_marts_agree_with_raw(built_warehouse: tuple[Path, DbtResult]) -> None:
    path, _ = built_warehouse
    with duckdb.connect(str(path), read_only=True) as con:
        # Every raw event counts once, duplicates collapsed.
        (raw_events,) = con.execute(
            "select (select count(distinct event_id) from raw_mysql.events)"
            " + (select count(distinct _id) from raw_mongodb.app_events)"
        ).fetchone()
        (known_events,) = con.execute(
            "select (select count(*) from raw_mysql.events where customer_id is not null)"
            " - (select count(*) - count(distinct event_id) from raw_mysql.events where customer_id is not null)"
            " + (select count(*) from raw_mongodb.app_events)"
        ).fetchone()
        assert (
            con.execute("select count(*) from analytics_intermediate.int_events__unioned").fetchone()[0] == raw_events
        )
        assert (
            con.execute("select sum(events_count) from analytics_marts.fct_customer_activity_daily").fetchone()[0]
            == known_events
        )
        # Orders: one count per raw order, amounts exact.
        raw_orders, raw_total = con.execute("select count(*), sum(total_amount) from raw_mysql.orders").fetchone()
        orders, gross = con.execute(
            "select sum(orders_count), sum(gross_amount) from analytics_marts.fct_orders"
        ).fetchone()
        assert (orders, gross) == (raw_orders, raw_total)
        # Identity: a shop customer whose email differs only in case/spaces is one customer in all three sources.
        merged = con.execute(
            "select count(*) from analytics_marts.dim_customers"
            " where is_shop_customer and is_in_hubspot and is_in_salesforce"
        ).fetchone()[0]
        assert merged > 0
        expected_people = con.execute(
            """
            select count(distinct coalesce(nullif(lower(trim(email)), ''), src || ':' || id)) from (
                select 'mysql' as src, cast(id as varchar) as id, email from raw_mysql.customers
                union all select 'hubspot', id, email from raw_hubspot.contacts where not archived
                union all select 'salesforce', id, email from raw_salesforce.contact where not is_deleted
            )
            """
        ).fetchone()[0]
        assert con.execute("select count(*) from analytics_marts.dim_customers").fetchone()[0] == expected_people
        # Soft-deleted CRM rows are flagged in staging and absent from the pipeline.
        deleted = con.execute("select count(*) from analytics_staging.stg_hubspot__deals where is_deleted").fetchone()[
            0
        ]
        assert deleted == con.execute("select count(*) from raw_hubspot.deals where archived").fetchone()[0] > 0
        live_deals = con.execute(
            "select (select count(*) from raw_hubspot.deals where not archived)"
            " + (select count(*) from raw_salesforce.opportunity where not is_deleted)"
        ).fetchone()[0]
        assert con.execute("select count(*) from analytics_marts.fct_sales_pipeline").fetchone()[0] == live_deals
        # Retention is plottable: month 0 of every cohort is 100 %.
        month0 = con.execute(
            "select distinct retention_rate from analytics_marts.fct_retention_cohorts"
            " where months_since_first_activity = 0"
        ).fetchall()
        assert month0 == [(1,)]
