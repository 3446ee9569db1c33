"""`python -m fastmcp_lint` runs the command line."""

from fastmcp_lint.cli import main

if __name__ == "__main__":
    main()
