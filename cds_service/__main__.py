"""`python -m cds_service` is the `cds-service` command."""

import sys

from cds_service.cli import main

sys.exit(main())
