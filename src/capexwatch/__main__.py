"""``python -m capexwatch``."""

import sys

from capexwatch.cli import main

sys.exit(main())
