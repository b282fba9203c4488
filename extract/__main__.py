"""Entry point: `python -m extract ...` (see `extract.cli`)."""

import sys

from extract.cli import keep_pandas_out, main

keep_pandas_out()
sys.exit(main())
