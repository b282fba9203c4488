"""Read a big window through a Bulk API 2.0 query job: create (`queryAll`), poll, page the CSV results.

Bulk 2.0 refuses `COUNT()` and is slowed down by `ORDER BY` (it disables PK chunking), so the job's
SOQL has the same fields and WHERE clause as the REST query but no ORDER BY: the window is read whole
and merged on `Id`, so order does not matter. Results come as CSV sets of at most `max_records` rows,
chained by the `Sforce-Locator` header (the string `null` after the last set). Each cell is converted
with the field's describe type (`fields.py`), so the rows equal those of the REST path.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

from extract.errors import ExtractError, TransientError
from extract.sources.salesforce import client as client_module
from extract.sources.salesforce.client import SalesforceApi
from extract.sources.salesforce.fields import FieldInfo

TERMINAL_FAILURES = frozenset({"Failed", "Aborted"})


def wait_for_job(api: SalesforceApi, job_id: str, timeout_s: float, max_poll_s: float = 10.0) -> dict[str, Any]:
    """Poll a query job until `JobComplete`.

    Raises:
        TransientError: When the job does not complete within `timeout_s` or was aborted.
        ExtractError: When the job failed (its `errorMessage` says why).
    """
    waited = 0.0
    delay = 0.5
    while True:
        job = api.query_job(job_id)
        state = job.get("state")
        if state == "JobComplete":
            return job
        if state in TERMINAL_FAILURES:
            message = " ".join(str(job.get("errorMessage") or "no errorMessage").split())[:300]
            error = TransientError if state == "Aborted" else ExtractError
            raise error(f"{api.where}: Bulk API 2.0 query job {job_id} {state.lower()}: {message}")
        if waited >= timeout_s:
            raise TransientError(
                f"{api.where}: Bulk API 2.0 query job {job_id} still {state} after {timeout_s:.0f}s; rerun the window"
            )
        client_module.SLEEP(delay)
        waited += delay
        delay = min(max_poll_s, delay * 2)


def bulk_records(
    api: SalesforceApi,
    soql: str,
    fields: list[FieldInfo],
    *,
    max_records: int,
    timeout_s: float,
) -> Iterator[list[dict[str, Any]]]:
    """Yield the rows of a Bulk API 2.0 `queryAll` job, one list per result set, typed by `fields`.

    Args:
        api: The logged-in client.
        soql: The query (no ORDER BY, no COUNT()).
        fields: The selected fields, in SELECT order.
        max_records: Rows per result set (`maxRecords`).
        timeout_s: How long to wait for the job.
    """
    job = api.create_query_job(soql)
    job_id = str(job["id"])
    try:
        wait_for_job(api, job_id, timeout_s)
        by_name = {f.name.lower(): f for f in fields}
        locator: str | None = None
        while True:
            text, locator = api.query_job_results(job_id, locator, max_records)
            reader = csv.reader(io.StringIO(text, newline=""))
            header = next(reader, None)
            if header:
                columns = [by_name.get(name.lower()) for name in header]
                unknown = [name for name, column in zip(header, columns, strict=True) if column is None]
                if unknown:
                    raise ExtractError(f"{api.where}: Bulk API 2.0 returned unexpected columns {unknown}")
                batch = [
                    {c.column: c.from_csv(cell) for c, cell in zip(columns, row, strict=True) if c is not None}
                    for row in reader
                    if row
                ]
                if batch:
                    yield batch
            if locator is None:
                return
    finally:
        api.delete_query_job(job_id)
