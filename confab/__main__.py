import sys

from confab.cli import main

sys.exit(main())
