"""Seeing an agent: episodes in a window, as terminal text or recorded (:mod:`.playback`),
keyboard play (:mod:`.keyboard`), policy maps (:mod:`.policymap`), and what ``rlgrid render``
does with them in each mode (:mod:`.session`).

Nothing here prints results: functions return what they did, and the CLI reports it.
"""

from rlgrid.watch.session import Mode, Request, Watched, watch

__all__ = ["Mode", "Request", "Watched", "watch"]
