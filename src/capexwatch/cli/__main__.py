"""``python -m capexwatch.cli``."""

import sys

from capexwatch.cli import main

sys.exit(main())
