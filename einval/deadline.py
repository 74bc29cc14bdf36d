"""The overall time limit of a run (``--timeout SECONDS``).

One ``Deadline`` is made per run and consulted by both engines: the
explicit search at its progress ticks (every few thousand states), the
Z3 engine before every solver query, whose own timeout is the time left.
When it expires the check in progress raises ``TimeLimit`` and every
verdict not already decided becomes ``unknown (time limit ...)``: a
violation already found and replayed stays a violation, nothing else is
claimed.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field


class TimeLimit(Exception):
    """The run's time limit expired in the middle of a check."""


@dataclass
class Deadline:
    """``seconds`` from creation (None: no limit)."""

    seconds: float | None = None
    start: float = field(default_factory=time.monotonic)

    def remaining(self) -> float | None:
        """Seconds left, never negative; None without a limit."""
        if self.seconds is None:
            return None
        return max(0.0, self.seconds - (time.monotonic() - self.start))

    def expired(self) -> bool:
        left = self.remaining()
        return left is not None and left <= 0

    def check(self) -> None:
        """Raise ``TimeLimit`` once the time is up."""
        if self.expired():
            raise TimeLimit(self.detail)

    def milliseconds(self, cap: int | None = None) -> int | None:
        """Time left for one solver call, at least 1 ms, at most ``cap``.

        None when there is neither a limit nor a cap.
        """
        left = self.remaining()
        if left is None:
            return cap
        ms = max(1, int(left * 1000))
        return ms if cap is None else min(ms, cap)

    @property
    def detail(self) -> str:
        """The verdict detail of a check the limit cut short."""
        return f"time limit of {self.seconds:g} s reached"
