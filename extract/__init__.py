"""ELT extractor: one half-open UTC window from a source into BigQuery or DuckDB."""
