"""The errors rlgrid reports to users.

Every problem caused by the user's input or files is an :class:`RlgridError`. The CLI turns it into
one red line on stderr and its ``exit_code``; anything else is a bug and shows a traceback only when
the ``RLGRID_DEBUG`` environment variable is set.

Messages name no command-line flag: a setting is written with :func:`setting`, which reads as its
config key (``until_solved``) where the library is used directly, and as the CLI's flag
(``--until-solved``) once the CLI words the error (``rlgrid.cli.wording``).
"""

from __future__ import annotations

import re
from collections.abc import Callable

_SETTING = re.compile("\ue000([^\ue001]+)\ue001")


def setting(name: str) -> str:
    """A setting named in a message, by its config key (``eval.all_targets``, ``until_solved``)."""
    return f"\ue000{name}\ue001"


class RlgridError(Exception):
    """A problem the user can fix; ``str(error)`` is the whole message, on one line."""

    exit_code = 1

    def worded(self, word: Callable[[str], str]) -> str:
        """The message with each setting written by ``word(key)``."""
        return _SETTING.sub(lambda match: word(match.group(1)), super().__str__())

    def __str__(self) -> str:
        return self.worded(lambda key: key)


class InvalidValueError(RlgridError, ValueError):
    """A value given on the command line, in a config or to an env constructor is not allowed."""

    exit_code = 2


class IncompatibleError(RlgridError):
    """The algorithm cannot work on this env's spaces, or would not fit in memory."""


class MapError(RlgridError):
    """A map file or generated layout cannot be used; the message names the file, row and column.

    Not a ``ValueError``, so config validation passes it through whole instead of prefixing it."""

    exit_code = 2
