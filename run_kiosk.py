#!/usr/bin/env python3
"""Entry point: the station, its sync daemon, the demo and the service tools (see --help)."""

import sys

from kiosk.cli import main

if __name__ == "__main__":
    sys.exit(main())
