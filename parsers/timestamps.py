"""Turning syslog time stamps into UTC instants.

Classic syslog (`Nov 24 17:18:10`) has neither year nor zone, so both are explicit here:
- the zone is `TimeContext.tz` (the machine's zone unless `--tz` says otherwise);
- the year is the reference's year (the file's mtime, or now for stdin), except that a
  stamp later than the reference plus one day belongs to the year before: a file
  written up to January holds December lines of the previous year. This is exact for
  any file spanning less than a year. `--year` fixes the year for every line instead.
- wall-clock times that occur twice at the end of summer time take the earlier instant;
  times skipped at its start are read one hour later, as a clock that missed the
  change would have meant them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import polars as pl

# How far past the reference a stamp may lie before it is taken as last year's:
# rotation and clock skew put the last lines a little after the mtime's wall clock.
ROLLOVER_SLACK = timedelta(days=1)


@dataclass(frozen=True)
class TimeContext:
    tz: str  # IANA zone name of classic time stamps
    reference: datetime  # aware: a file's mtime, or now
    year: int | None = None  # --year: fixes the year of every classic stamp

    def reference_local(self) -> datetime:
        return self.reference.astimezone(ZoneInfo(self.tz)).replace(tzinfo=None)


def _with_year(stamp: pl.Expr, year: int) -> pl.Expr:
    return pl.concat_str([pl.lit(f"{year} "), stamp]).str.strptime(
        pl.Datetime("us"), "%Y %b %e %H:%M:%S", strict=False
    )


def classic_time_expr(stamp: pl.Expr, times: TimeContext) -> pl.Expr:
    """`Nov 24 17:18:10` → UTC instant, with the year rule of this module."""
    if times.year is not None:
        naive = _with_year(stamp, times.year)
    else:
        ref = times.reference_local()
        this_year = _with_year(stamp, ref.year)
        last_year = _with_year(stamp, ref.year - 1)
        too_late = this_year > pl.lit(ref + ROLLOVER_SLACK)
        # Feb 29 does not parse in a common year: it can only be last year's.
        naive = pl.when(this_year.is_null() | too_late).then(last_year).otherwise(this_year)
    return _to_utc(naive, times.tz)


def _to_utc(naive: pl.Expr, tz: str) -> pl.Expr:
    """Local wall-clock times of `tz` → UTC instants, by this module's summer-time rule."""
    if tz == "UTC":
        return naive.dt.replace_time_zone("UTC")
    local = naive.dt.replace_time_zone(tz, ambiguous="earliest", non_existent="null")
    skipped = (naive + pl.duration(hours=1)).dt.replace_time_zone(
        tz, ambiguous="earliest", non_existent="null"
    )
    return pl.coalesce(local, skipped).dt.convert_time_zone("UTC")


# A classic stamp is "Mmm dd hh:mm:ss": the minute ends at this character, the seconds
# follow its colon.
_MINUTE_CHARS = 12
_LAST_SECOND = 60  # a leap second reads as the next minute's first, as strptime has it


def classic_times(stamps: pl.Series, times: TimeContext) -> pl.Series:
    """`classic_time_expr` of fixed-width stamps, computed once per run of lines that share
    a minute: zone and year rules then cost per minute, not per line. Exact, because
    zone offsets change on whole minutes; the year rule still looks at every second."""
    frame = pl.DataFrame({"stamp": stamps}).with_columns(
        pl.col("stamp").str.slice(0, _MINUTE_CHARS).rle_id().alias("run"),
        pl.col("stamp")
        .str.slice(_MINUTE_CHARS + 1, 2)
        .cast(pl.Int64, strict=False)
        .alias("second"),
    )
    heads = frame.filter(pl.col("run").is_first_distinct()).select(
        pl.concat_str([pl.col("stamp").str.slice(0, _MINUTE_CHARS), pl.lit(":00")]).alias("m")
    )
    minute = pl.col("m")
    if times.year is not None:
        minutes = heads.select(
            _to_utc(_with_year(minute, times.year), times.tz).alias("chosen"),
        )
        chosen = pl.col("chosen")
    else:
        ref = times.reference_local()
        minutes = heads.select(
            _with_year(minute, ref.year).alias("naive"),
            _to_utc(_with_year(minute, ref.year), times.tz).alias("this_year"),
            _to_utc(_with_year(minute, ref.year - 1), times.tz).alias("last_year"),
        )
        offset = pl.duration(seconds=pl.col("second"))
        too_late = (pl.col("naive") + offset) > pl.lit(ref + ROLLOVER_SLACK)
        chosen = (
            pl.when(pl.col("naive").is_null() | too_late)
            .then(pl.col("last_year"))
            .otherwise(pl.col("this_year"))
        )
    run = frame.get_column("run")
    per_line = frame.select("second").with_columns(
        [minutes.get_column(name).gather(run) for name in minutes.columns]
    )
    seconds_ok = pl.col("second").is_between(0, _LAST_SECOND)
    return per_line.select(
        pl.when(seconds_ok).then(chosen + pl.duration(seconds=pl.col("second"))).alias("time")
    ).to_series()


def iso_time_expr(stamp: pl.Expr) -> pl.Expr:
    """RFC 3339 stamps (`...T17:18:10.594919+00:00`, `Z`, `+0200`) → UTC instant."""
    normalised = stamp.str.replace(r"Z$", "+00:00").str.replace(r"([+-]\d\d)(\d\d)$", "${1}:${2}")
    return normalised.str.to_datetime(
        "%Y-%m-%dT%H:%M:%S%.f%:z", time_zone="UTC", strict=False, time_unit="us"
    )
