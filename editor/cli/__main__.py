"""``python -m editor.cli``: the ``policyeditor`` command without the console script."""

import sys

from editor.cli import main

sys.exit(main())
