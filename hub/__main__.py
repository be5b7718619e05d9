"""`python -m hub --data DIR --port N`: the reference hub without the station's CLI."""

import sys

from hub.cli import main

sys.exit(main())
