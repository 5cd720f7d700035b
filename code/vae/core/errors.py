"""The one exception the package shows its users."""


class VaeError(Exception):
    """A user-facing failure: the message names the file or option and the fix."""
