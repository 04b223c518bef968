"""`python -m minigrad ...` is the `minigrad` command, which lives in the application
layer (minigrad_apps.cli); `import minigrad` never runs this file."""
import sys

from minigrad_apps.cli import main

sys.exit(main())
