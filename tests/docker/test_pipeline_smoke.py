"""The real images on real data: extract image -> MariaDB -> DuckDB, dbt image -> marts, and the DAG's pod.

The extract container runs as a pod would: read-only root, uid 10001, /tmp as its only writable path,
512 MiB of memory and one CPU, reaching the host's MariaDB through the host network.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest
from docker_support import run_image

from demo.seed_shop import ShopSize, seed_shop

pytestmark = pytest.mark.docker

SHOP = ShopSize(customers=800, orders=6_000, sessions=8_000)
HISTORY, SINCE, UNTIL = "2024-01-01", "2024-03-01", "2024-03-08"


@pytest.fixture(scope="module")
def shop_db(mariadb):
    name = "smoke_shop"
    with mariadb.root_connection() as conn, conn.cursor() as cur:
        cur.execute(f"DROP DATABASE IF EXISTS {name}")
        cur.execute(f"CREATE DATABASE {name} CHARACTER SET utf8mb4")
    with mariadb.connect(database=name) as conn:
        counts = seed_shop(conn, SHOP)
    url = mariadb.url_for(name)
    return url, counts


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("smoke-data")
    path.chmod(0o777)  # the container writes as uid 10001
    return path


def _extract(extract_image, url, data_dir, *args):
    return run_image(
        extract_image,
        ["--source", "mysql", *args],
        memory="512m",
        cpus="1",
        network="host",
        env={"SOURCES__MYSQL__CREDENTIALS": url, "DESTINATION__DUCKDB__CREDENTIALS": "/data/warehouse.duckdb"},
        volumes={data_dir: "/data"},
    )


def _count(path: Path, sql: str) -> int:
    with duckdb.connect(str(path), read_only=True) as conn:
        return conn.execute(sql).fetchone()[0]


@pytest.fixture(scope="module")
def loaded(extract_image, shop_db, data_dir):
    """The history, then the week in daily chunks, loaded by the extract image as a pod would run it."""
    url, _ = shop_db
    history = _extract(extract_image, url, data_dir, "--since", HISTORY, "--until", SINCE)
    week = _extract(
        extract_image,
        url,
        data_dir,
        "--since",
        SINCE,
        "--until",
        UNTIL,
        "--chunk",
        "1d",
        "--report",
        "/data/report.json",
    )
    return history, week


def test_extract_image_loads_the_shop_read_only_non_root_in_512_mib(loaded, shop_db, data_dir):
    history, week = loaded
    assert history.returncode == 0, history.stderr[-3000:]
    assert week.returncode == 0, week.stderr[-3000:]
    _, counts = shop_db
    report = json.loads((data_dir / "report.json").read_text())
    assert report["status"] == "success"
    assert [c["status"] for c in report["chunks"]] == ["committed"] * 7
    warehouse = data_dir / "warehouse.duckdb"
    for table in ("customers", "orders", "order_items", "events"):
        assert _count(warehouse, f"SELECT count(*) FROM raw_mysql.{table}") == counts[table]
    finished = [json.loads(line) for line in week.stderr.splitlines() if '"run_finished"' in line]
    assert finished[-1]["exit_code"] == 0
    assert finished[-1]["rows"] == sum(t["rows_loaded"] for t in report["tables"].values())


def test_dbt_image_builds_the_marts_on_the_extracted_warehouse(dbt_image, loaded, data_dir):
    assert loaded[1].returncode == 0
    result = run_image(
        dbt_image,
        ["build", "--target", "local", "--vars", '{"enabled_sources": ["mysql"]}'],
        env={"DBT_DUCKDB_PATH": "/data/warehouse.duckdb"},
        volumes={data_dir: "/data"},
        memory="1g",
    )
    assert result.returncode == 0, (result.stdout + result.stderr)[-3000:]
    assert "ERROR=0" in result.stdout
    assert _count(data_dir / "warehouse.duckdb", "SELECT count(*) FROM analytics_marts.fct_orders") > 0


def test_the_dags_rendered_extract_pod_runs_in_the_image(extract_image, shop_db, tmp_path):
    from tests.dags.render import render_extract_pod

    url, counts = shop_db
    image, cmds, args, env = render_extract_pod(
        "mysql", datetime(2024, 3, 2, tzinfo=UTC), datetime(2024, 3, 3, tzinfo=UTC)
    )
    assert image.endswith("/extract:0123abc")
    assert cmds is None  # the image's entrypoint, python -m extract
    assert args[args.index("--since") + 1] == "2024-03-02T00:00:00+00:00"
    assert args[args.index("--until") + 1] == "2024-03-03T00:00:00+00:00"
    # Same command and arguments, on DuckDB instead of BigQuery (no Google APIs from here).
    local_args = [
        ("duckdb" if previous == "--destination" else a) for previous, a in zip([None, *args[:-1]], args, strict=True)
    ]
    data_dir = tmp_path / "pod"
    data_dir.mkdir()
    data_dir.chmod(0o777)
    plain_env = {k: v for k, v in env.items() if not k.startswith("DESTINATION__FILESYSTEM")}
    result = run_image(
        extract_image,
        local_args,
        memory="512m",
        cpus="1",
        network="host",
        env={**plain_env, "SOURCES__MYSQL__CREDENTIALS": url, "DESTINATION__DUCKDB__CREDENTIALS": "/data/w.duckdb"},
        volumes={data_dir: "/data"},
    )
    assert result.returncode == 0, result.stderr[-3000:]
    loaded = _count(data_dir / "w.duckdb", "SELECT count(*) FROM raw_mysql.events")
    assert 0 < loaded < counts["events"]  # one day of the week
