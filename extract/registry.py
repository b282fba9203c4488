"""The registry: source name -> the class that implements it, imported only when used."""

from __future__ import annotations

from importlib import import_module

from extract.errors import UsageError
from extract.sources.base import Source

SOURCES: dict[str, str] = {
    "mysql": "extract.sources.mysql:MySQLSource",
    "mongodb": "extract.sources.mongodb:MongoDBSource",
    "hubspot": "extract.sources.hubspot:HubSpotSource",
    "salesforce": "extract.sources.salesforce:SalesforceSource",
}


def load_source_class(name: str) -> type[Source]:
    """Import and return the `Source` subclass registered as `name`.

    Raises:
        UsageError: When no source has that name, or its module is not installed yet.
    """
    target = SOURCES.get(name)
    if target is None:
        raise UsageError(f"unknown source {name!r} (known: {', '.join(SOURCES)})")
    module_name, _, class_name = target.partition(":")
    try:
        module = import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name and exc.name.startswith(module_name):
            raise UsageError(f"source {name!r} is not available in this build") from None
        raise
    return getattr(module, class_name)
