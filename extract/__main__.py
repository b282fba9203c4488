"""Entry point: `python -m extract ...` (see `extract.cli`)."""

import sys

from extract.cli import main

sys.exit(main())
