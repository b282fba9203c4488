"""Type fidelity of the MySQL source against a real MariaDB: no silent loss, no float, no crash."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time
from decimal import Decimal

import pytest

from tests.extract.conftest import query

TYPES = """
CREATE TABLE types (
  id INT PRIMARY KEY,
  d12 DECIMAL(12,2), d38 DECIMAL(38,9), d38s DECIMAL(38,20), d65 DECIMAL(65,30),
  ub BIGINT UNSIGNED, sb BIGINT, iu INT UNSIGNED, ti TINYINT, f DOUBLE,
  dt6 DATETIME(6), ts6 TIMESTAMP(6) NULL DEFAULT NULL, d DATE, t TIME(6), y YEAR,
  j JSON, txt VARCHAR(100), bin VARBINARY(16), blb BLOB, e ENUM('small','large'), st SET('x','y'), b BIT(8),
  updated_at DATETIME(6) NOT NULL,
  KEY (updated_at)
) CHARACTER SET utf8mb4
"""
D38 = "12345678901234567890123456789.123456789"
D38S = "123456789012345678.12345678901234567890"
D65 = "12345678901234567890123456789012345.123456789012345678901234567890"
UB = 18446744073709551615
EMOJI = "naïve 日本語 😀 ok"
JSON_DOC = {"a": [1, 2], "b": {"c": "x"}}


@pytest.fixture
def typed(mysql_db, manifest):
    mysql_db.execute(TYPES)
    with mysql_db.connect() as conn, conn.cursor() as cur:
        cur.execute("SET SESSION sql_mode = ''")  # allow the zero dates that legacy MySQL data holds
        cur.execute("SET SESSION time_zone = '+05:00'")  # TIMESTAMP literals below are local to +05:00
        cur.execute(
            "INSERT INTO types VALUES (1, 1234567890.12, %s, %s, %s, %s, -9223372036854775808, 4294967295, -128, 0.1,"
            " '2024-03-01 10:11:12.123456', '2024-03-01 15:00:00.654321', '2024-02-29', '23:59:59.999999', 2024,"
            " %s, %s, X'00FF10', X'DEADBEEF', 'large', 'x,y', b'10100101', '2024-03-01 12:00:00')",
            (D38, D38S, D65, UB, json.dumps(JSON_DOC), EMOJI),
        )
        cur.execute("INSERT INTO types (id, updated_at) VALUES (2, '2024-03-01 12:00:01')")
        cur.execute(
            "INSERT INTO types (id, dt6, d, ts6, updated_at) VALUES (3, '0000-00-00 00:00:00', '2024-00-10',"
            " '0000-00-00 00:00:00', '2024-03-01 12:00:02')"
        )
    return manifest({"mysql": {"tables": {"types": {"cursor": "updated_at", "primary_key": "id"}}}})


def test_every_type_arrives_exactly(typed, warehouse, run_cli, mariadb):
    # The server's session time zone must not shift TIMESTAMP values: run the extract under +03:00.
    with mariadb.root_connection() as conn, conn.cursor() as cur:
        cur.execute("SET GLOBAL time_zone = '+03:00'")
    try:
        result = run_cli("--source", "mysql", "--config", str(typed), "--since", "2024-03-01", "--until", "2024-03-02")
    finally:
        with mariadb.root_connection() as conn, conn.cursor() as cur:
            cur.execute("SET GLOBAL time_zone = 'SYSTEM'")
    assert result.code == 0, result.stderr
    row = query(
        warehouse,
        "SELECT d12, d38, d38s, d65, ub, sb, iu, ti, f, dt6, ts6, d, t, y, j->>'$.b.c', json_array_length(j->'$.a'),"
        " txt, bin, blb, e, st, b FROM raw_mysql.types WHERE id = 1",
    )[0]
    assert row[0] == Decimal("1234567890.12")
    assert row[1] == Decimal(D38)
    assert str(row[2]) == D38S
    assert Decimal(str(row[3])) == Decimal(D65)  # beyond DuckDB's 38 digits: exact text, never a float
    assert int(row[4]) == UB
    assert row[5] == -9223372036854775808
    assert row[6] == 4294967295
    assert row[7] == -128
    assert row[8] == 0.1
    assert row[9] == datetime(2024, 3, 1, 10, 11, 12, 123456, tzinfo=UTC)
    assert row[10] == datetime(2024, 3, 1, 10, 0, 0, 654321, tzinfo=UTC)  # 15:00 at +05:00
    assert row[11] == date(2024, 2, 29)
    assert row[12] == time(23, 59, 59, 999999)
    assert row[13] == 2024
    assert row[14] == "x"
    assert row[15] == 2
    assert row[16] == EMOJI
    assert bytes(row[17]) == b"\x00\xff\x10"
    assert bytes(row[18]) == b"\xde\xad\xbe\xef"
    assert row[19] == "large"
    assert row[20] == "x,y"
    assert row[21] == 0b10100101


def test_column_types_in_duckdb_are_exact_types(typed, warehouse, run_cli):
    assert (
        run_cli("--source", "mysql", "--config", str(typed), "--since", "2024-03-01", "--until", "2024-03-02").code == 0
    )
    types = dict(
        query(
            warehouse,
            "SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = 'raw_mysql'"
            " AND table_name = 'types'",
        )
    )
    assert types["d12"] == "DECIMAL(12,2)"
    assert types["d38"] == "DECIMAL(38,9)"
    assert types["ub"] == "DECIMAL(20,0)"
    assert types["dt6"] == "TIMESTAMP WITH TIME ZONE"
    assert types["j"] == "JSON"
    assert types["bin"] == "BLOB"
    assert "DOUBLE" not in (types["d12"], types["d38"], types["d65"])


def test_nulls_stay_null(typed, warehouse, run_cli):
    assert (
        run_cli("--source", "mysql", "--config", str(typed), "--since", "2024-03-01", "--until", "2024-03-02").code == 0
    )
    row = query(warehouse, "SELECT d12, d38, ub, dt6, ts6, d, t, j, txt, bin, e FROM raw_mysql.types WHERE id = 2")[0]
    assert row == (None,) * 11


def test_zero_dates_become_null_and_are_counted(typed, warehouse, run_cli):
    result = run_cli("--source", "mysql", "--config", str(typed), "--since", "2024-03-01", "--until", "2024-03-02")
    assert result.code == 0, result.stderr
    assert query(warehouse, "SELECT dt6, d, ts6 FROM raw_mysql.types WHERE id = 3") == [(None, None, None)]
    anomalies = result.report["tables"]["types"]["anomalies"]
    assert anomalies == {"zero_date:dt6": 1, "zero_date:d": 1, "zero_date:ts6": 1}
    assert "zero_date:dt6=1" in result.stderr


def test_naive_datetimes_are_read_in_the_configured_timezone(mysql_db, warehouse, run_cli, manifest):
    mysql_db.execute("CREATE TABLE visits (id INT PRIMARY KEY, at DATETIME(6) NOT NULL)")
    # Paris is UTC+1 in winter: local 00:30 on 2024-03-02 is 23:30 UTC on 2024-03-01.
    mysql_db.execute(
        "INSERT INTO visits VALUES (%s, %s)", args=[(1, "2024-03-02 00:30:00"), (2, "2024-03-02 01:30:00")]
    )
    config = manifest(
        {"mysql": {"timezone": "Europe/Paris", "tables": {"visits": {"cursor": "at", "primary_key": "id"}}}}
    )
    result = run_cli("--source", "mysql", "--config", str(config), "--since", "2024-03-01", "--until", "2024-03-02")
    assert result.code == 0, result.stderr
    assert query(warehouse, 'SELECT id, "at" FROM raw_mysql.visits') == [(1, datetime(2024, 3, 1, 23, 30, tzinfo=UTC))]


def test_unknown_timezone_is_a_config_error(mysql_db, warehouse, run_cli, manifest):
    mysql_db.execute("CREATE TABLE visits (id INT PRIMARY KEY, at DATETIME NOT NULL)")
    config = manifest({"mysql": {"timezone": "Mars/Olympus", "tables": {"visits": {"cursor": "at"}}}})
    result = run_cli("--source", "mysql", "--config", str(config), "--since", "2024-03-01", "--until", "2024-03-02")
    assert result.code == 2
    assert result.error_lines == [
        f"error: {config}: mysql.timezone: unknown time zone 'Mars/Olympus' (use an IANA name)"
    ]
