"""``python -m smtpcodes``."""

import sys

from smtpcodes.cli import main

sys.exit(main())
