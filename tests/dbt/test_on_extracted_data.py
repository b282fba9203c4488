"""dbt build on data loaded by the real extractor from the real MariaDB (the demo shop), without Docker."""

from __future__ import annotations

import duckdb

from demo.seed_shop import ShopSize, seed_shop
from extract.cli import main as extract

SHOP = ShopSize(customers=600, orders=4_000, sessions=5_000)


def test_dbt_build_passes_on_the_extractors_output(mysql_db, warehouse, run_dbt, capsys):
    with mysql_db.connect() as conn:
        counts = seed_shop(conn, SHOP)
    base = ["--source", "mysql", "--log-format", "json"]
    assert extract([*base, "--since", "2024-01-01", "--until", "2024-03-01"]) == 0
    assert extract([*base, "--since", "2024-03-01", "--until", "2024-03-08", "--chunk", "1d"]) == 0
    capsys.readouterr()

    result = run_dbt("build", "--target", "local", "--vars", '{"enabled_sources": ["mysql"]}', duckdb_path=warehouse)
    assert result.returncode == 0
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        orders = conn.execute("SELECT sum(orders_count) FROM analytics_marts.fct_orders").fetchone()[0]
        customers = conn.execute("SELECT count(mysql_customer_id) FROM analytics_marts.dim_customers").fetchone()[0]
    assert orders == counts["orders"]  # every extracted order reaches the daily fact once
    assert customers == counts["customers"]
