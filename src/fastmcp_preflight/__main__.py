"""`python -m fastmcp_preflight` runs the command line."""

import os
import sys

# `python -m` puts the current folder first on sys.path, and the current folder is usually
# the project being linted: its `rich.py` or `json.py` would be imported (run) in place of
# the module the linter needs. The linter never runs the code it reads, so that entry goes
# before anything else is imported. (The `fastmcp-lint` script doesn't have the problem.)
if sys.path and os.path.abspath(sys.path[0] or os.curdir) == os.getcwd():
    del sys.path[0]

from fastmcp_preflight.cli import main  # only once sys.path is safe

if __name__ == "__main__":
    main()
