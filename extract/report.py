"""The run report: what a run did, per table and per chunk, as JSON and as a short human summary."""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from extract.log import redact
from extract.window import Window, format_instant


@dataclass
class ChunkReport:
    """One sub-window of a run and whether it was committed."""

    since: str
    until: str
    status: str = "pending"  # pending | committed | failed | planned
    rows: int = 0
    duration_s: float = 0.0


@dataclass
class TableReport:
    """What happened to one table over the whole run."""

    name: str
    write_disposition: str
    rows_loaded: int = 0
    rows_in_source: int | None = None
    anomalies: dict[str, int] = field(default_factory=dict)
    duration_s: float = 0.0  # time spent reading this table from the source (the chunk's load is shared)
    status: str = "pending"  # pending | success | failed | planned

    def add_anomalies(self, counts: dict[str, int]) -> None:
        """Add anomaly counts such as `{'zero_date:created_at': 3}`."""
        for key, count in counts.items():
            if count:
                self.anomalies[key] = self.anomalies.get(key, 0) + count


@dataclass
class RunReport:
    """The JSON document written by `--report` and summarised on stderr."""

    source: str
    destination: str
    dataset: str
    window: dict[str, str]
    status: str = "running"  # running | success | failed | dry-run
    exit_code: int | None = None
    started_at: str = ""
    finished_at: str = ""
    duration_s: float = 0.0
    version: str = ""
    chunks: list[ChunkReport] = field(default_factory=list)
    tables: dict[str, TableReport] = field(default_factory=dict)
    error: str | None = None
    resume_command: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def start(cls, source: str, destination: str, dataset: str, window: Window, chunks: list[Window]) -> RunReport:
        """Create the report of a run that is about to start."""
        return cls(
            source=source,
            destination=destination,
            dataset=dataset,
            window={"since": format_instant(window.since), "until": format_instant(window.until)},
            chunks=[ChunkReport(format_instant(c.since), format_instant(c.until)) for c in chunks],
        )

    @property
    def rows_loaded(self) -> int:
        """Rows loaded over all tables."""
        return sum(t.rows_loaded for t in self.tables.values())

    def to_json(self) -> str:
        """Serialise the report, secrets redacted."""
        return redact(json.dumps(asdict(self), indent=2, default=str, ensure_ascii=False))

    def write(self, path: Path) -> None:
        """Write the report atomically (temp file, then rename) so a reader never sees half a report."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(self.to_json() + "\n")
        Path(tmp).replace(path)

    def summary(self) -> str:
        """A few human lines: status, window, then one line per table."""
        window = f"[{self.window['since']}, {self.window['until']})"
        lines = [
            f"{self.source} -> {self.destination}:{self.dataset} {window}: {self.status}, "
            f"{self.rows_loaded} rows in {self.duration_s:.1f}s"
        ]
        for table in self.tables.values():
            anomalies = ", ".join(f"{k}={v}" for k, v in sorted(table.anomalies.items()))
            source_rows = "" if table.rows_in_source is None else f" (source: {table.rows_in_source})"
            lines.append(
                f"  {table.name:<24} {table.status:<8} {table.rows_loaded:>10} rows{source_rows}"
                f" {table.duration_s:7.1f}s" + (f"  anomalies: {anomalies}" if anomalies else "")
            )
        if self.status == "failed" and len(self.chunks) > 1:
            committed = [f"[{c.since}, {c.until})" for c in self.chunks if c.status == "committed"]
            lines.append(
                f"  committed chunks ({len(committed)} of {len(self.chunks)}): {', '.join(committed) or 'none'}"
            )
        if self.error:
            lines.append(f"  error: {self.error}")
        if self.resume_command:
            lines.append(f"  resume with: {self.resume_command}")
        return redact("\n".join(lines))
