"""A scripted MongoDB wire-protocol peer (mockupdb) that records every command pymongo sends.

mockupdb speaks the real protocol, so these tests see the exact `find`/`getMore` commands of the source.
pymongo 4.x needs `max_wire_version=21` (shared NOTES.md).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mockupdb import MockupDB

Responder = Callable[[Any], bool]


class WireServer:
    """MockupDB on 127.0.0.1 that answers commands by name and remembers what it was sent.

    Args:
        collections: Collection names listed by `listCollections`.
        indexes: Index documents listed by `listIndexes` (`{"name": ..., "key": {...}}`).
    """

    def __init__(self, collections: list[str], indexes: list[dict[str, Any]] | None = None) -> None:
        self.server = MockupDB(auto_ismaster=True, max_wire_version=21)
        # mockupdb has no host option and binds "localhost"; our tests listen on 127.0.0.1 only.
        self.server._address = ("127.0.0.1", 0)
        self.commands: list[dict[str, Any]] = []
        self.responders: dict[str, Responder] = {}
        self.collections = collections
        self.indexes = indexes if indexes is not None else [{"v": 2, "key": {"_id": 1}, "name": "_id_"}]
        self.find_batches: list[list[dict[str, Any]]] = []
        self.server.autoresponds(self._handle)

    def start(self) -> WireServer:
        """Start listening."""
        self.server.run()
        return self

    def stop(self) -> None:
        """Stop the server."""
        self.server.stop()

    def url(self, user: str = "", password: str = "", database: str = "app", **options: Any) -> str:
        """A connection string for the server."""
        auth = f"{user}:{password}@" if user else ""
        query = "&".join(f"{k}={v}" for k, v in {"directConnection": "true", **options}.items())
        return f"mongodb://{auth}127.0.0.1:{self.server.port}/{database}?{query}"

    def named(self, name: str) -> list[dict[str, Any]]:
        """The recorded commands called `name`."""
        return [c for c in self.commands if next(iter(c)) == name]

    def _handle(self, request: Any) -> bool:
        name = request.command_name
        if name in ("ismaster", "isMaster", "hello"):
            return False  # mockupdb's auto_ismaster answers
        self.commands.append(dict(request.doc))
        if name in self.responders:
            return self.responders[name](request)
        if name == "listCollections":
            batch = [{"name": c, "type": "collection", "options": {}, "info": {}} for c in self.collections]
            return request.ok(cursor={"id": 0, "ns": "app.$cmd.listCollections", "firstBatch": batch})
        if name == "listIndexes":
            namespace = f"app.{request.doc['listIndexes']}"
            return request.ok(cursor={"id": 0, "ns": namespace, "firstBatch": self.indexes})
        if name == "find":
            namespace = f"app.{request.doc['find']}"
            if "limit" in request.doc:  # the sample taken at open
                first = self.find_batches[0][:1] if self.find_batches else []
                return request.ok(cursor={"id": 0, "ns": namespace, "firstBatch": first})
            batches = self.find_batches or [[]]
            cursor_id = 4242 if len(batches) > 1 else 0
            return request.ok(cursor={"id": cursor_id, "ns": namespace, "firstBatch": batches[0]})
        if name == "getMore":
            namespace = f"app.{request.doc['collection']}"
            index = len(self.named("getMore"))
            last = index + 1 >= len(self.find_batches)
            batch = self.find_batches[index] if index < len(self.find_batches) else []
            return request.ok(cursor={"id": 0 if last else 4242, "ns": namespace, "nextBatch": batch})
        if name == "aggregate":
            # `count_documents` (the reconciliation count) runs as an aggregate: the source holds what `find` serves.
            namespace = f"app.{request.doc['aggregate']}"
            total = sum(len(batch) for batch in self.find_batches)
            return request.ok(cursor={"id": 0, "ns": namespace, "firstBatch": [{"_id": 1, "n": total}]})
        return request.ok()
