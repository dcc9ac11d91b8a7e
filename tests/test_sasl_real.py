"""SMTP AUTH over TLS or plaintext, on the real "sasl" run (sample_logs/sasl; see
tools/sample_logs/README.md): logins over STARTTLS and plaintext, first with TLS
logged, then with `smtpd_tls_loglevel = 0`. The report's sasl figures must equal what
the generator's clients did, also when the log is cut inside sessions: a login whose
session's connect or disconnect is cut away is over TLS or plaintext only where the
log still tells, else unknown, never plaintext."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from maillogs.inputs import expand_inputs, iter_chunks
from parsers.stream import EventParser
from parsers.timestamps import TimeContext
from reports.builder import ReportBuilder
from reports.options import ReportOptions
from reports.section import ParseSummary

RUN = Path(__file__).parents[1] / "sample_logs" / "sasl"
# logins waiting in the state dumped at each split of report(): the split test's witness
WAITING_AT_SPLIT: list[int] = []
FIGURES = (
    "messages",
    "messages_over",
    "messages_by_method",
    "failures",
    "failures_over",
    "failures_by_mechanism",
)
pytestmark = pytest.mark.skipif(
    not (RUN / "truth.json").exists(), reason="needs the generator's sasl run"
)


@cache
def truth() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((RUN / "truth.json").read_text())["sasl"]
    return data


def _sessions() -> list[dict[str, Any]]:
    return truth()["sessions"]


def report(path: Path, chunk: int = 64 * 1024, split: int | None = None) -> dict[str, Any]:
    """The sasl section of the report of `path`; with `split`, the first `split`
    batches go to one builder whose state is loaded into a fresh one (a store's day
    summary) that is fed the rest."""
    times = TimeContext(tz="UTC", reference=datetime(2026, 12, 2, tzinfo=UTC), year=2026)
    parser = EventParser()
    options = ReportOptions(tz="UTC", sections=("sasl",))
    builder = ReportBuilder(options)
    for source in expand_inputs([str(path)]):
        for index, batch in enumerate(parser.parse_chunks(iter_chunks(source, chunk), times)):
            if index == split:
                state = builder.dump_state()
                WAITING_AT_SPLIT.append(state["sasl.pending"].height)
                builder = ReportBuilder(options)
                builder.load_state(state)
            builder.add(batch)
    summary = ParseSummary(lines=parser.stats.lines, events=parser.stats.events, not_mail=0)
    sasl: dict[str, Any] = builder.finish(summary).data["sasl"]
    return {key: sasl[key] for key in FIGURES}


def expected(whole: Iterable[dict[str, Any]], cut: Iterable[tuple[dict[str, Any], str]]) -> Any:
    """The figures of sessions in the log `whole`, and of sessions cut by it, each
    with the answer the log still gives for its logins."""
    over: Counter[str] = Counter({"tls": 0, "plaintext": 0, "unknown": 0})
    failed_over: Counter[str] = Counter({"tls": 0, "plaintext": 0, "unknown": 0})
    outcomes: Counter[str] = Counter({"failed": 0, "aborted": 0})
    by_method: Counter[str] = Counter()
    by_mechanism: Counter[str] = Counter()
    answered = [(s, "tls" if s["starttls"] else "plaintext") for s in whole]
    for session, where in [*answered, *cut]:
        for login in session["logins"]:
            if login["outcome"] == "success":
                over[where] += login["messages"]
                by_method[login["mechanism"]] += login["messages"]
            else:
                failed_over[where] += 1
                outcomes[login["outcome"]] += 1
                by_mechanism[login["mechanism"]] += 1
    return {
        "messages": sum(over.values()),
        "messages_over": dict(over),
        "messages_by_method": dict(by_method),
        "failures": dict(outcomes),
        "failures_by_mechanism": dict(by_mechanism),
        "failures_over": dict(failed_over),
    }


def _sorted(figures: dict[str, Any]) -> str:
    return json.dumps(figures, sort_keys=True)


@pytest.mark.parametrize("envelope", ["classic", "rfc3339"])
def test_whole_run(envelope: str) -> None:
    """Every session in the log: TLS from its TLS line on the first day and from its
    disconnect's starttls= counter on the second."""
    want = {key: truth()[key] for key in FIGURES}
    want["messages_over"] = {"unknown": 0, **want["messages_over"]}
    want["failures_over"] = {"unknown": 0, **want["failures_over"]}
    assert _sorted(report(RUN / envelope)) == _sorted(want)
    assert _sorted(report(RUN / envelope)) == _sorted(expected(_sessions(), []))


def _stamp(line: str) -> datetime:
    return datetime.fromisoformat(line.split(" ", 1)[0])


def _lines() -> list[str]:
    import gzip

    with gzip.open(RUN / "rfc3339" / "maillog.gz", "rt", encoding="utf-8") as handle:
        return handle.readlines()


def _cut(tmp_path: Path, start: datetime | None, end: datetime | None) -> Path:
    """The real log, kept from `start` to before `end`."""
    kept = [
        line
        for line in _lines()
        if (start is None or _stamp(line) >= start) and (end is None or _stamp(line) < end)
    ]
    path = tmp_path / "maillog"
    path.write_text("".join(kept), encoding="utf-8")
    return path


def _middle(span: list[str]) -> datetime:
    before, after = (datetime.fromisoformat(t) for t in span)
    return before + (after - before) / 2


@pytest.mark.parametrize("phase", ["tls_logged", "tls_unlogged"])
def test_each_phase(phase: str, tmp_path: Path) -> None:
    """Each day alone: with TLS logged, and with only the starttls= counters."""
    span = truth()["phases"][phase]
    start, end = (datetime.fromisoformat(span[key]) for key in ("from", "until"))
    got = report(_cut(tmp_path, start, end))
    want = expected([s for s in _sessions() if s["phase"] == phase], [])
    assert _sorted(got) == _sorted(want)
    assert want["messages_over"]["tls"] and want["messages_over"]["plaintext"]
    assert want["failures_over"]["tls"] and want["failures_over"]["plaintext"]
    assert _sorted({k: span[k] for k in FIGURES}) == _sorted(
        {
            **want,
            "messages_over": _known(want["messages_over"]),
            "failures_over": _known(want["failures_over"]),
        }
    )


def _known(over: dict[str, int]) -> dict[str, int]:
    return {k: v for k, v in over.items() if k != "unknown"}


def _pairs(phase: str) -> list[tuple[int, int]]:
    """(first, last) indexes of login sessions of `phase` to cut the log inside: the
    first after its greeting, the last before its QUIT; both kinds of first session
    (STARTTLS or not) and of last one."""
    indexes = [i for i, s in enumerate(_sessions()) if s["phase"] == phase and s["logins"]]
    pairs = []
    for first_tls in (True, False):
        for last_tls in (True, False):
            firsts = [i for i in indexes if _sessions()[i]["starttls"] == first_tls]
            lasts = [i for i in indexes if _sessions()[i]["starttls"] == last_tls]
            first = firsts[len(firsts) // 3]
            last = next(i for i in reversed(lasts) if i > first + 2)
            pairs.append((first, last))
    return pairs


@pytest.mark.parametrize("phase", ["tls_logged", "tls_unlogged"])
def test_cut_inside_sessions(phase: str, tmp_path: Path) -> None:
    """The log from inside one session (after its connect and STARTTLS, before its
    login) to inside a later one (after its logins, before its disconnect)."""
    sessions = _sessions()
    for first, last in _pairs(phase):
        head, tail = sessions[first], sessions[last]
        start, end = _middle(head["before_login"]), _middle(tail["before_quit"])
        got = report(_cut(tmp_path, start, end))
        whole = sessions[first + 1 : last]
        assert all(s["phase"] == phase for s in whole)
        # the first session's connect and TLS line are cut away: unknown either way
        cut = [(head, "unknown")]
        # the last one's disconnect is cut away: with TLS logged its TLS line (or its
        # absence) tells; with TLS unlogged, nothing does
        if phase == "tls_logged":
            cut.append((tail, "tls" if tail["starttls"] else "plaintext"))
        else:
            cut.append((tail, "unknown"))
        want = expected(whole, cut)
        assert _sorted(got) == _sorted(want), (first, last)
        unknown = want["messages_over"]["unknown"] + want["failures_over"]["unknown"]
        assert unknown > 0


def test_pending_logins_survive_a_saved_state() -> None:
    """Logins waiting for their session's disconnect are kept in the builder's state
    (a store's day summary): split anywhere, the report is the same."""
    whole = report(RUN / "rfc3339", chunk=4096)
    WAITING_AT_SPLIT.clear()
    for split in range(1, 20):
        assert _sorted(report(RUN / "rfc3339", chunk=4096, split=split)) == _sorted(whole)
    assert len(WAITING_AT_SPLIT) == 19
    assert sum(1 for n in WAITING_AT_SPLIT if n) >= 3, WAITING_AT_SPLIT


def _day_summaries(path: Path, at: datetime, section: str = "sasl") -> dict[str, Any]:
    """The report of `path` as a store makes it: the events before `at` and those
    from `at` on each fed to a builder of their own (a day summary), whose states are
    loaded into the report's builder."""
    times = TimeContext(tz="UTC", reference=datetime(2026, 12, 2, tzinfo=UTC), year=2026)
    parser = EventParser()
    options = ReportOptions(tz="UTC", sections=(section,))
    days = [ReportBuilder(options, isolated=True) for _ in range(2)]
    for source in expand_inputs([str(path)]):
        for batch in parser.parse_chunks(iter_chunks(source, 4096), times):
            for index, day in enumerate(days):
                before = [frame["time"] < at for frame in batch.values()]
                day.add(
                    {
                        kind: frame.filter(mask if index == 0 else ~mask)
                        for (kind, frame), mask in zip(batch.items(), before, strict=True)
                    }
                )
    builder = ReportBuilder(options)
    for day in days:
        builder.load_state(day.dump_state())
    summary = ParseSummary(lines=parser.stats.lines, events=parser.stats.events, not_mail=0)
    data: dict[str, Any] = builder.finish(summary).data[section]
    if section == "tls":
        accepted: dict[str, Any] = data["inbound"]["accepted_messages"]
        return accepted
    return {key: data[key] for key in FIGURES}


@pytest.mark.parametrize("phase", ["tls_logged", "tls_unlogged"])
def test_day_summaries_split_inside_a_session(phase: str) -> None:
    """A session that spans two day summaries (its logins in one, its disconnect in
    the next) is answered as if the days were read at once."""
    whole = report(RUN / "rfc3339")
    indexes = [i for i, s in enumerate(_sessions()) if s["phase"] == phase and s["logins"]]
    for index in indexes[3:9]:
        at = _middle(_sessions()[index]["before_quit"])
        assert _sorted(_day_summaries(RUN / "rfc3339", at)) == _sorted(whole), index


def test_accepted_messages_through_day_summaries_split_inside_a_session() -> None:
    """The TLS section's accepted messages wait for their session's end the same way
    (reports.session_tls): the messages the logins sent, over TLS as their sessions
    were, also when a day summary ends between a message and its disconnect."""
    sent = [s for s in _sessions() if any(login["messages"] for login in s["logins"])]
    over_tls = sum(login["messages"] for s in sent if s["starttls"] for login in s["logins"])
    plain = sum(login["messages"] for s in sent if not s["starttls"] for login in s["logins"])
    for session in sent[2:40:4]:
        accepted = _day_summaries(RUN / "rfc3339", _middle(session["before_quit"]), "tls")
        # the run's sessions without a login (ham) add their messages on top
        assert accepted["unknown"] == 0, session["before_quit"]
        assert accepted["tls"] >= over_tls and accepted["plaintext"] >= plain
        assert accepted == _day_summaries(RUN / "rfc3339", datetime(2030, 1, 1, tzinfo=UTC), "tls")
