"""``python -m webbench``: the same as the ``webbench`` command."""

import sys

from webbench.cli import main

sys.exit(main())
