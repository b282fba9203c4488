"""The one place that builds a MongoDB client, so tests can swap in `mongomock` or point at `mockupdb`."""

from __future__ import annotations

from datetime import UTC
from typing import Any

import pymongo
from bson.codec_options import DatetimeConversion

APP_NAME = "elt-extract"


def create_client(url: str, *, server_selection_timeout_ms: int) -> Any:
    """A pymongo client whose decoding keeps every value faithful.

    - `tz_aware=True`, `tzinfo=UTC`: BSON dates are UTC instants, so they arrive as aware datetimes.
    - `uuidRepresentation="standard"`: binary subtype 4 decodes to `uuid.UUID`.
    - `datetime_conversion=DATETIME_AUTO`: dates outside Python's range arrive as `DatetimeMS` instead of failing.

    Args:
        url: `mongodb://` or `mongodb+srv://` connection string (holds the password: never log it).
        server_selection_timeout_ms: How long to wait for a usable server before failing (transient).
    """
    return pymongo.MongoClient(
        url,
        tz_aware=True,
        tzinfo=UTC,
        uuidRepresentation="standard",
        datetime_conversion=DatetimeConversion.DATETIME_AUTO,
        serverSelectionTimeoutMS=server_selection_timeout_ms,
        appname=APP_NAME,
        connect=False,
    )
