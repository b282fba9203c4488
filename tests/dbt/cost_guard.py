"""The BigQuery cost rule, checked on a compiled manifest: a windowed run of an incremental model reads only the
window's partitions of its sources and incremental parents, and overwrites only the window's partitions of itself.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

_LITERAL = r"cast\('([^']+)' as (?:timestamp|date)\)"


def window_days(since: datetime, until: datetime) -> list[date]:
    """The UTC days a window [since, until) covers once widened to whole days."""
    day = since.date()
    end = until.date() + timedelta(days=1) if until.time() != datetime.min.time() else until.date()
    days = []
    while day < end:
        days.append(day)
        day += timedelta(days=1)
    return days


def violations(manifest: dict, since: datetime, until: datetime) -> list[str]:
    """Every way in which the manifest's incremental models break the cost rule for the window, one line each."""
    days = window_days(since, until)
    expected_partitions = [f"cast('{d.isoformat()}' as date)" for d in days]
    bounds = {days[0].isoformat(), (days[-1] + timedelta(days=1)).isoformat()}
    found: list[str] = []
    nodes = manifest["nodes"]
    for node in nodes.values():
        if node["resource_type"] != "model" or node["config"]["materialized"] != "incremental":
            continue
        name, config = node["name"], node["config"]
        partition_by = config.get("partition_by") or {}
        if config.get("incremental_strategy") != "insert_overwrite":
            found.append(f"{name}: strategy {config.get('incremental_strategy')!r}, not insert_overwrite")
        if partition_by.get("granularity") != "day" or not config.get("require_partition_filter"):
            found.append(f"{name}: not day-partitioned with require_partition_filter")
        if config.get("partitions") != expected_partitions:
            found.append(
                f"{name}: target partitions {config.get('partitions')} are not the window {expected_partitions}"
            )
        if not config.get("cluster_by"):
            found.append(f"{name}: not clustered")
        parents = [manifest["sources"][p] for p in node["depends_on"]["nodes"] if p.startswith("source.")]
        parents += [
            nodes[p]
            for p in node["depends_on"]["nodes"]
            if p.startswith("model.") and nodes[p]["config"]["materialized"] == "incremental"
        ]
        for parent in parents:
            found += _unrestricted_reads(name, node["compiled_code"], parent["relation_name"], bounds)
    return found


def _unrestricted_reads(model: str, sql: str, relation: str, bounds: set[str]) -> list[str]:
    pattern = re.compile(
        re.escape(relation) + rf"\s+where\s+(\w+)\s*>=\s*{_LITERAL}\s+and\s+\1\s*<\s*{_LITERAL}", re.IGNORECASE
    )
    occurrences = sql.count(relation)
    restricted = 0
    for match in pattern.finditer(sql):
        start, end = match.group(2)[:10], match.group(3)[:10]
        if {start, end} == bounds:
            restricted += 1
    if occurrences == 0:
        return [f"{model}: does not read {relation} although it depends on it"]
    if restricted != occurrences:
        return [f"{model}: {occurrences - restricted} of {occurrences} reads of {relation} not restricted to {bounds}"]
    return []
