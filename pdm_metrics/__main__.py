import sys

from pdm_metrics.cli import main

sys.exit(main())
