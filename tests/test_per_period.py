"""Traffic per week or month, and the timeline's days as a table."""

from __future__ import annotations

from reports.per_period import bucket_of, timeline_table, traffic_by


def test_days_fall_in_their_iso_week_and_month() -> None:
    assert bucket_of("2026-11-22", "week") == "2026-11-16"  # a Sunday: the week of Monday 16
    assert bucket_of("2026-11-23", "week") == "2026-11-23"
    assert bucket_of("2026-12-01", "month") == "2026-12"
    assert bucket_of("2026-12-01", "day") == "2026-12-01"


def test_traffic_adds_up_per_week() -> None:
    by_day = {
        "2026-11-22": {"received": 3, "rejected": 1},
        "2026-11-23": {"received": 5, "rejected": 0},
        "2026-11-24": {"received": 7, "rejected": 2},
    }
    assert traffic_by(by_day, "week") == {
        "2026-11-16": {"received": 3, "rejected": 1},
        "2026-11-23": {"received": 12, "rejected": 2},
    }
    assert traffic_by(by_day, "month") == {"2026-11": {"received": 15, "rejected": 3}}


def test_timeline_rows() -> None:
    day = {
        "date": "2026-11-22",
        "inbound": {"connections": 200, "tls": 150},
        "outbound": {"attempts": 10, "tls": 10},
        "received": 90,
        "rejected": 30,
        "spf": {"pass": 40, "fail": 2, "softfail": 5, "neutral": 1},
    }
    table = timeline_table([day])
    assert table.rows == (("2026-11-22", 90, 30, 200, "75.0%", 10, "100.0%", 40, 2),)
    assert len(table.columns) == len(table.rows[0])
