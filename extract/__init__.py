"""ELT extractor: one half-open UTC window from a source into BigQuery or DuckDB."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("elt-extract")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0+source"
