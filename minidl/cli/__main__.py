"""Run the command line as ``python -m minidl.cli``."""

from minidl.cli import main

raise SystemExit(main())
