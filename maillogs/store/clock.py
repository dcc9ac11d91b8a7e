"""When a stored day is over: it is then compacted and summarised, and reports read
its summary instead of its events."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from maillogs.store.layout import UNKNOWN_DATE

# Lines stamped before midnight that reach the log after it: syslog's buffering, a
# relay's queue, a fleet's clocks a few minutes apart. Lines later still are merged
# in as late lines (docs/store.md), which costs a rewrite of a small file.
GRACE = timedelta(hours=1)


def day_over(date: str, now: datetime, newest: str | None, grace: timedelta = GRACE) -> bool:
    """Is the UTC day `date` over: by the clock (`now`, plus `grace`), or because a later
    day (`newest`, the latest day with events) has events? Partitions are UTC days, so
    the day ends at the same instant whatever zone the store's stamps were read in."""
    if date == UNKNOWN_DATE:
        return False
    end = datetime.fromisoformat(date).replace(tzinfo=UTC) + timedelta(days=1)
    return now >= end + grace or (newest is not None and date < newest)
