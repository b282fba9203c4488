"""Entry point for `python -m extract.powerbi`."""

from extract.powerbi.cli import main

raise SystemExit(main())
