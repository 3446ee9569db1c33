"""The one exception type for errors a user can cause (bad config, bad flags, broken plugins).

The CLI renders it as a single line on stderr and exits 2; anything else is an internal error.
"""


class UserError(Exception):
    """A problem with the user's input: rendered as one line, exit status 2."""
