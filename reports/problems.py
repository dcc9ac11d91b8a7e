"""What went wrong: Postfix's own warnings and errors, smtp's failed connections, smtpd
sessions that ended badly, TLS handshakes that failed, postscreen's verdicts and
master's starts and stops.

pflogsumm's "Warnings", "Fatal Errors", "Panics", "smtp delivery failures" and "Master
daemon messages", and postfix-logwatch's session and TLS problems. Warning texts and
connection errors that differ only in numbers, addresses or queue ids group as one
(`expr.text_shape`); warnings also when they differ only in a host name, so that one
shape about many clients does not hide the rare ones.
"""

from __future__ import annotations

import polars as pl

from parsers.schema import EventKind
from reports.expr import text_shape
from reports.options import ReportOptions
from reports.section import Batch, Json, Needs, ParseSummary, records
from reports.tally import Accumulator, Tally, counts, regroup

SEVERITIES = ("panic", "fatal", "error", "warning")  # the worst first
SESSION_ERRORS = (
    "lost_connection",
    "timeout",
    "too_many_errors",
    "improper_pipelining",
    "non_smtp_command",
)

NEEDS: Needs = {
    EventKind.LOG: ["program", "severity", "text"],
    EventKind.CONNECT_ERROR: ["program", "peer_host", "error"],
    EventKind.SESSION_ERROR: ["error", "after"],
    EventKind.TLS_ERROR: ["direction", "peer_host", "peer_ip", "error"],
    EventKind.POSTSCREEN: ["event"],
    EventKind.MASTER: ["program", "action"],
}


class Problems:
    name = "problems"
    needs = NEEDS

    def __init__(self, options: ReportOptions) -> None:
        self.options = options
        # keyed by the raw text: its shape is worked out once per distinct text
        self.logs = Tally(["severity", "program", "text"])
        self.connect_errors = Tally(["program", "error", "peer_host"])
        self.session_errors = Tally(["error", "after"], seen=False)
        self.tls_errors = Tally(["direction", "error", "peer_host", "peer_ip"])
        self.postscreen = Tally(["event"], seen=False)
        self.master = Tally(["program", "action"])

    def add(self, batch: Batch) -> None:
        self.logs.add(batch[EventKind.LOG].select("time", "severity", "program", "text"))
        self.connect_errors.add(
            batch[EventKind.CONNECT_ERROR].select("time", "program", "error", "peer_host")
        )
        # "DATA (1234 bytes)": one command, whatever the count
        command = pl.col("after").str.replace(r" \(\d+ bytes\)$", "")
        self.session_errors.add(batch[EventKind.SESSION_ERROR].select("time", "error", command))
        self.tls_errors.add(
            batch[EventKind.TLS_ERROR].select("time", "direction", "error", "peer_host", "peer_ip")
        )
        self.postscreen.add(batch[EventKind.POSTSCREEN].select("time", "event"))
        self.master.add(batch[EventKind.MASTER].select("time", "program", "action"))

    def accumulators(self) -> dict[str, Accumulator]:
        return {
            "logs": self.logs,
            "connect_errors": self.connect_errors,
            "session_errors": self.session_errors,
            "tls_errors": self.tls_errors,
            "postscreen": self.postscreen,
            "master": self.master,
        }

    def result(self, summary: ParseSummary) -> Json:
        top = self.options.top
        sessions = self.session_errors.frame()
        tls = self.tls_errors.frame()
        failures = regroup(
            self.connect_errors.frame(),
            program=pl.col("program"),
            error=text_shape(pl.col("error")),
            peer_host=pl.col("peer_host"),
        )
        return {
            "logs": _logs(self.logs.frame(), top),
            "delivery_failures": records(failures, top),
            "session_errors": dict.fromkeys(SESSION_ERRORS, 0) | counts(sessions, "error"),
            # the command a client had reached when it dropped the connection
            "lost_connection_after": counts(
                sessions.filter(pl.col("error") == "lost_connection"), "after"
            ),
            "tls_failures": {
                **{"inbound": 0, "outbound": 0} | counts(tls, "direction"),
                "by_error": records(
                    regroup(tls, direction=pl.col("direction"), error=pl.col("error")), top
                ),
                "top_peers": records(
                    regroup(
                        tls,
                        direction=pl.col("direction"),
                        peer_host=pl.col("peer_host"),
                        peer_ip=pl.col("peer_ip"),
                    ),
                    top,
                ),
            },
            "postscreen": counts(self.postscreen.frame(), "event"),
            "master": records(self.master.frame(), top),
        }


def _logs(frame: pl.DataFrame, top: int) -> Json:
    shaped = regroup(
        frame,
        severity=pl.col("severity"),
        program=pl.col("program"),
        text=text_shape(pl.col("text"), hosts=True),
    )
    worst_first = pl.col("severity").replace_strict(
        {name: rank for rank, name in enumerate(SEVERITIES)},
        default=len(SEVERITIES),
        return_dtype=pl.Int32,
    )
    ordered = shaped.sort(
        [worst_first, "count", "program", "text"], descending=[False, True, False, False]
    )
    return {
        "by_severity": dict.fromkeys(SEVERITIES, 0) | counts(frame, "severity"),
        "top": records(ordered, top),
    }
