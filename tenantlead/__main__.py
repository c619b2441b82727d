"""``python -m tenantlead``: the same command line as the ``tenantlead`` script."""

import sys

from tenantlead.cli import main

if __name__ == "__main__":
    sys.exit(main())
