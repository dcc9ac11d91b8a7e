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

from typing import TypedDict

import polars as pl

from parsers.schema import EventKind
from reports.alerts import ALERTS_NEEDS, Alerts
from reports.expr import text_shape
from reports.metrics import Metrics
from reports.options import ReportOptions
from reports.section import Batch, Json, Needs, ParseSummary, SectionKind, records, union
from reports.tables import Table, count_table, ranked_table
from reports.tally import Accumulator, Tally, counts, ranking, regroup, regrouped

SEVERITIES = ("panic", "fatal", "error", "warning")  # the worst first
SESSION_ERRORS = (
    "lost_connection",
    "timeout",
    "too_many_errors",
    "improper_pipelining",
    "non_smtp_command",
)


class LogProblems(TypedDict):
    by_severity: dict[str, int]
    top: list[Json]  # the most frequent warnings and errors, worst first


class TlsFailures(TypedDict):
    inbound: int
    outbound: int
    by_error: list[Json]
    top_peers: list[Json]


class ProblemsResult(TypedDict):
    logs: LogProblems
    delivery_failures: list[Json]
    session_errors: dict[str, int]
    lost_connection_after: dict[str, int]  # the SMTP command a client had reached
    tls_failures: TlsFailures
    postscreen: dict[str, int]
    master: list[Json]
    alerts: Json  # the problems-first summary's counts (reports/alerts.py)


NEEDS: Needs = union(
    {
        EventKind.LOG: ["program", "severity", "text"],
        EventKind.CONNECT_ERROR: ["program", "peer_host", "error"],
        EventKind.SESSION_ERROR: ["error", "after"],
        EventKind.TLS_ERROR: ["direction", "peer_host", "peer_ip", "error"],
        EventKind.POSTSCREEN: ["event"],
        EventKind.MASTER: ["program", "action"],
    },
    ALERTS_NEEDS,
)


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
        self.alerts = Alerts()

    def add(self, batch: Batch) -> None:
        self.alerts.add(batch)
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
            **self.alerts.accumulators(),
        }

    def result(self, summary: ParseSummary) -> ProblemsResult:
        top = self.options.top
        # counted and regrouped (each sorts what it gives): their own order is not needed
        sessions = self.session_errors.merged()
        tls = self.tls_errors.merged(text=False)  # a year's peers: grouped on codes
        failures = regroup(
            self.connect_errors.merged(),
            program=pl.col("program"),
            error=text_shape(pl.col("error")),
            peer_host=pl.col("peer_host"),
        )
        directions = {"inbound": 0, "outbound": 0} | counts(tls, "direction")
        return {
            "logs": _logs(self.logs.merged(), top),
            "delivery_failures": records(failures, top),
            "session_errors": dict.fromkeys(SESSION_ERRORS, 0) | counts(sessions, "error"),
            # the command a client had reached when it dropped the connection
            "lost_connection_after": counts(
                sessions.filter(pl.col("error") == "lost_connection"), "after"
            ),
            "tls_failures": {
                "inbound": directions["inbound"],
                "outbound": directions["outbound"],
                "by_error": records(
                    regroup(tls, direction=pl.col("direction"), error=pl.col("error")), top
                ),
                "top_peers": records(_top_peers(tls, top), top),
            },
            "postscreen": counts(self.postscreen.frame(), "event"),
            "master": records(self.master.frame(), top),
            # the problems-first summary's counts (reports/alerts.py)
            "alerts": self.alerts.result(),
        }


def _top_peers(tls_errors: pl.DataFrame, top: int) -> pl.DataFrame:
    keys = ["direction", "peer_host", "peer_ip"]
    peers = regrouped(tls_errors, **{key: pl.col(key) for key in keys})
    return ranking(peers, keys, top)


def _logs(frame: pl.DataFrame, top: int) -> LogProblems:
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


def _tables(data: ProblemsResult) -> list[Table]:
    logs, tls = data["logs"], data["tls_failures"]
    return [
        count_table(
            "problems",
            "by_severity",
            "Postfix warnings and errors",
            "severity",
            logs["by_severity"],
        ),
        ranked_table(
            "problems",
            "logs",
            "Most frequent warnings and errors",
            "severity",
            logs["top"],
            ("program", "text"),
            first_seen=False,
        ),
        ranked_table(
            "problems",
            "delivery_failures",
            "Failed connections to other servers",
            "program",
            data["delivery_failures"],
            ("error", "peer_host"),
        ),
        count_table(
            "problems",
            "session_errors",
            "smtpd sessions that ended badly",
            "error",
            data["session_errors"],
        ),
        count_table(
            "problems",
            "lost_connection_after",
            "Clients that hung up, by the command they had reached",
            "after",
            data["lost_connection_after"],
        ),
        Table(
            "problems",
            "tls_failures",
            "TLS handshake failures",
            ("inbound", "outbound"),
            ((tls["inbound"], tls["outbound"]),),
        ),
        ranked_table(
            "problems",
            "tls_failures_by_error",
            "TLS handshake failures by error",
            "direction",
            tls["by_error"],
            ("error",),
        ),
        ranked_table(
            "problems",
            "tls_failures_by_peer",
            "TLS handshake failures by peer",
            "direction",
            tls["top_peers"],
            ("peer_host", "peer_ip"),
            first_seen=False,
        ),
        count_table("problems", "postscreen", "postscreen verdicts", "event", data["postscreen"]),
        ranked_table(
            "problems",
            "master",
            "Starts, stops and reloads",
            "program",
            data["master"],
            ("action",),
        ),
    ]


def _metrics(put: Metrics, problems: ProblemsResult) -> None:
    put.each(
        "smtpd_session_errors",
        "smtpd sessions that ended badly, by error.",
        "error",
        problems["session_errors"],
    )
    put.each(
        "smtpd_lost_connections",
        "Clients that hung up, by the SMTP command they had reached.",
        "after",
        problems["lost_connection_after"],
    )
    for direction in ("inbound", "outbound"):
        put.put(
            "tls_handshake_failures",
            "Failed TLS handshakes.",
            problems["tls_failures"][direction],
            direction=direction,
        )
    put.each("postscreen_verdicts", "postscreen verdicts.", "event", problems["postscreen"])


SECTION: SectionKind[ProblemsResult] = SectionKind(
    name="problems",
    title="Problems",
    version=2,
    make=lambda options, isolated: Problems(options),
    tables=_tables,
    metrics=_metrics,
)
