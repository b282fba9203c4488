"""The table manifest: which tables (collections, objects) a source extracts, with cursor and keys.

The manifest is YAML with one top-level key per source. Each source declares, through a
`ManifestRules`, the name of its entity list (`tables`, `collections`, `objects`), the source-level
keys it accepts and the keys each entity accepts. Validation is strict: an unknown key, a missing
cursor or a malformed value is a `UsageError` naming the file and the key path, e.g.
`manifest.yaml: mysql.tables.orders: unknown key 'cursr' (allowed: cluster, cursor, partition, primary_key)`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from extract.errors import UsageError

PACKAGED_MANIFEST = "manifests/default.yaml"
COMMON_ENTITY_KEYS = frozenset({"cursor", "primary_key", "partition", "cluster"})


@dataclass(frozen=True)
class TableSpec:
    """One table (collection, object) to extract.

    Args:
        name: Name in the source; also the destination table name (dlt normalises it to snake_case).
        cursor: Column whose value places a row in a window (`[since, until)` applies to it).
        primary_key: Columns of the key that reruns merge on; empty for append-only tables.
        partition: Column whose day partitions the BigQuery table. For a merged table it should never change
            (a creation date), so a merge can restrict itself to the partitions of the staged rows.
        cluster: BigQuery clustering columns (default: the primary key).
        options: Source-specific keys (e.g. HubSpot `properties`, Salesforce `fields`).
    """

    name: str
    cursor: str
    primary_key: tuple[str, ...] = ()
    partition: str | None = None
    cluster: tuple[str, ...] = ()
    options: Mapping[str, Any] = field(default_factory=dict)

    @property
    def write_disposition(self) -> str:
        """`merge` on the primary key, or `window-replace` for append-only tables."""
        return "merge" if self.primary_key else "window-replace"


@dataclass(frozen=True)
class ManifestRules:
    """How a source's manifest section is shaped.

    Args:
        entities_key: Key of the entity mapping (`tables`, `collections`, `objects`).
        source_keys: Source-level keys accepted besides `entities_key`.
        entity_keys: Source-specific entity keys accepted besides cursor, primary_key, partition, cluster.
        default_cursor: Cursor used when an entity names none; None makes `cursor` required.
        default_primary_key: Primary key used when an entity names none (e.g. `Id` for Salesforce).
        default_cursors: Per-entity defaults that win over `default_cursor` (HubSpot contacts use
            `lastmodifieddate`, every other object `hs_lastmodifieddate`).
    """

    entities_key: str
    source_keys: frozenset[str] = frozenset()
    entity_keys: frozenset[str] = frozenset()
    default_cursor: str | None = None
    default_primary_key: tuple[str, ...] = ()
    default_cursors: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class SourceManifest:
    """A validated manifest section for one source."""

    source: str
    path: str
    tables: tuple[TableSpec, ...]
    settings: Mapping[str, Any]

    def select(self, names: list[str] | None) -> tuple[TableSpec, ...]:
        """Return the tables named by `--tables` (all when None), in manifest order.

        Raises:
            UsageError: When a name is not in the manifest.
        """
        if not names:
            return self.tables
        known = {t.name: t for t in self.tables}
        unknown = [n for n in names if n not in known]
        if unknown:
            raise UsageError(
                f"{self.path}: {self.source}: unknown table(s) {', '.join(unknown)} in --tables "
                f"(manifest has: {', '.join(known)})"
            )
        return tuple(t for t in self.tables if t.name in names)


def read_manifest_file(path: Path | None) -> tuple[str, dict[str, Any]]:
    """Read the YAML manifest at `path`, or the packaged one when None.

    Returns:
        The display name of the file and its parsed content.
    """
    if path is None:
        text = resources.files("extract").joinpath(PACKAGED_MANIFEST).read_text(encoding="utf-8")
        label = f"<packaged {PACKAGED_MANIFEST}>"
    else:
        label = str(path)
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"{label}: cannot read the manifest: {exc.strerror}") from None
    try:
        content = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        raise UsageError(f"{label}: invalid YAML{where}: {getattr(exc, 'problem', exc)}") from None
    if not isinstance(content, dict):
        raise UsageError(f"{label}: the manifest must be a mapping of source name to its section")
    return label, content


def _key_list(value: Any, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str) and value:
        return (value,)
    if isinstance(value, list) and value and all(isinstance(v, str) and v for v in value):
        return tuple(value)
    raise UsageError(f"{where}: must be a column name or a non-empty list of column names")


def parse_section(source: str, label: str, content: Mapping[str, Any], rules: ManifestRules) -> SourceManifest:
    """Validate the section of `source` in a parsed manifest.

    Args:
        source: Source name, the top-level key.
        label: File name used in error messages.
        content: The whole parsed manifest.
        rules: The source's manifest shape.

    Raises:
        UsageError: On any unknown key, missing cursor or malformed value.
    """
    if source not in content:
        raise UsageError(f"{label}: no '{source}' section (sections: {', '.join(map(str, content)) or 'none'})")
    section = content[source]
    if not isinstance(section, dict):
        raise UsageError(f"{label}: {source}: must be a mapping with a '{rules.entities_key}' key")
    allowed = {rules.entities_key, *rules.source_keys}
    for key in section:
        if key not in allowed:
            raise UsageError(f"{label}: {source}: unknown key '{key}' (allowed: {', '.join(sorted(allowed))})")
    entities = section.get(rules.entities_key)
    if not isinstance(entities, dict) or not entities:
        raise UsageError(f"{label}: {source}.{rules.entities_key}: must be a non-empty mapping")
    entity_allowed = COMMON_ENTITY_KEYS | rules.entity_keys
    tables = []
    for name, spec in entities.items():
        where = f"{label}: {source}.{rules.entities_key}.{name}"
        spec = {} if spec is None else spec
        if not isinstance(spec, dict):
            raise UsageError(f"{where}: must be a mapping such as {{cursor: updated_at, primary_key: id}}")
        for key in spec:
            if key not in entity_allowed:
                raise UsageError(f"{where}: unknown key '{key}' (allowed: {', '.join(sorted(entity_allowed))})")
        cursor = spec.get("cursor", rules.default_cursors.get(str(name), rules.default_cursor))
        if not isinstance(cursor, str) or not cursor:
            raise UsageError(f"{where}: missing 'cursor' (the column that places a row in a window)")
        primary_key = _key_list(spec.get("primary_key"), f"{where}.primary_key") or rules.default_primary_key
        partition = spec.get("partition")
        if partition is not None and not (isinstance(partition, str) and partition):
            raise UsageError(f"{where}.partition: must be a column name")
        cluster = _key_list(spec.get("cluster"), f"{where}.cluster") or primary_key
        if len(cluster) > 4:
            raise UsageError(f"{where}.cluster: BigQuery clusters on at most 4 columns, got {len(cluster)}")
        options = {k: v for k, v in spec.items() if k not in COMMON_ENTITY_KEYS}
        tables.append(TableSpec(str(name), cursor, primary_key, partition, cluster, options))
    settings = {k: v for k, v in section.items() if k != rules.entities_key}
    return SourceManifest(source, label, tuple(tables), settings)
