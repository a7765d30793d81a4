"""The one exception bad input raises."""


class ScrubInputError(ValueError):
    """The input file cannot be scrubbed; the message says where and what to fix."""
