"""Sources: one module or package per system, each plugging a `Source` into the registry."""
