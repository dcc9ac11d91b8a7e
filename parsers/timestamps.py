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
    if times.tz == "UTC":
        return naive.dt.replace_time_zone("UTC")
    local = naive.dt.replace_time_zone(times.tz, ambiguous="earliest", non_existent="null")
    skipped = (naive + pl.duration(hours=1)).dt.replace_time_zone(
        times.tz, ambiguous="earliest", non_existent="null"
    )
    return pl.coalesce(local, skipped).dt.convert_time_zone("UTC")


def iso_time_expr(stamp: pl.Expr) -> pl.Expr:
    """RFC 3339 stamps (`...T17:18:10.594919+00:00`, `Z`, `+0200`) → UTC instant."""
    normalised = stamp.str.replace(r"Z$", "+00:00").str.replace(r"([+-]\d\d)(\d\d)$", "${1}:${2}")
    return normalised.str.to_datetime(
        "%Y-%m-%dT%H:%M:%S%.f%:z", time_zone="UTC", strict=False, time_unit="us"
    )
