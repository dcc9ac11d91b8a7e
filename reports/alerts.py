"""What an administrator must see first: Postfix's own alarms, counted.

fatal and panic lines, services that reached their process limit, queue file write
errors and lack of disk space, and messages deferred for over a day. The report shows
them first, and only when there is something (reports/render/preface.py).
"""

from __future__ import annotations

import polars as pl

from parsers.schema import EventKind
from reports.section import Batch, Json, Needs
from reports.tally import Accumulator, Counters, Tally

ONE_DAY_SECONDS = 86400
# Warning and error texts, by what they tell (postconf(5), master(8), cleanup(8)).
_SHAPES = {
    "process_limit": r"reached its process limit",
    "queue_write_errors": r"(?i)queue file write error|no space left on device"
    r"|not enough free space|insufficient (?:disk|system storage)",
}

ALERTS_NEEDS: Needs = {
    EventKind.LOG: ["severity", "text"],
    EventKind.DELIVERY: ["queue_id", "status", "delay"],
}


class Alerts:
    def __init__(self) -> None:
        self.counts = Counters("fatal", "panic", *_SHAPES)
        self.late = Tally(["queue_id"], seen=False)  # deferred for over a day

    def accumulators(self) -> dict[str, Accumulator]:
        return {"alerts": self.counts, "alerts_late": self.late}

    def add(self, batch: Batch) -> None:
        logs = batch[EventKind.LOG]
        for severity in ("fatal", "panic"):
            self.counts.add(severity, int((logs.get_column("severity") == severity).sum()))
        text = logs.get_column("text").fill_null("")
        for name, pattern in _SHAPES.items():
            self.counts.add(name, int(text.str.contains(pattern).sum()))
        late = batch[EventKind.DELIVERY].filter(
            (pl.col("status") == "deferred") & (pl.col("delay") > ONE_DAY_SECONDS)
        )
        self.late.add(late.select("time", "queue_id"))

    def result(self) -> Json:
        return {
            "fatal": self.counts["fatal"],
            "panic": self.counts["panic"],
            "process_limit": self.counts["process_limit"],
            "queue_write_errors": self.counts["queue_write_errors"],
            "deferred_over_a_day": self.late.merged().height,
        }
