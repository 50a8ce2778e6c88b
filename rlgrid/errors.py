"""The errors rlgrid reports to users.

Every problem caused by the user's input or files is an :class:`RlgridError`. The CLI turns it into
one red line on stderr and its ``exit_code``; anything else is a bug and shows a traceback only when
the ``RLGRID_DEBUG`` environment variable is set.
"""

from __future__ import annotations


class RlgridError(Exception):
    """A problem the user can fix; ``str(error)`` is the whole message, on one line."""

    exit_code = 1


class InvalidValueError(RlgridError, ValueError):
    """A value given on the command line, in a config or to an env constructor is not allowed."""

    exit_code = 2


class MapError(RlgridError):
    """A map file or generated layout cannot be used; the message names the file, row and column.

    Not a ``ValueError``, so config validation passes it through whole instead of prefixing it."""

    exit_code = 2
