"""Local fakes of vendor APIs, written from their documented contracts."""
