"""Day summaries: what every report section added up over one stored UTC day, kept
beside the events so that a report over a month or a year reads a few small files per
day instead of every event again.

A summary holds each section's accumulators (counts per UTC quarter hour, per key,
distinct values, the message ledger's rows still open at midnight: reports.tally) and
the names of the part files it was made from; its file name carries a hash of them.
It is used only for a day that lies wholly inside the report's period and whose
committed part files are still exactly those; otherwise the day is read and summed
again, and the new summary replaces the old one. The events in the parts are the
truth: a summary can always be deleted.

What else a summary depends on is in its directory's name (`fingerprint`): the
catch-all domains, and the period split with its time zone. Days are UTC days and
counts are kept per UTC quarter hour, so one summary serves every time zone when the
report is not split by period.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import io
import json
import os
import threading
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from maillogs.store.layout import PartFile, StoreError, StorePath, at, write_atomically
from maillogs.store.read import KindCount, StoredDay, add_counts, day_reads
from parsers.schema import EventKind
from reports import sections
from reports.builder import ReportBuilder
from reports.codes import Keys, Packed, is_coded, loadable, shared
from reports.options import ReportOptions
from reports.tally import Tally

# A summary is a Parquet table of two columns, `name` and `frame` (that frame as an
# Arrow IPC stream, zstd-compressed), one row per frame: the part names, the counts by
# kind, the unparsed lines by program, and each accumulator's state
# (`state.<section>.<accumulator>`). Measured on the benchmark year: one row holding
# every frame as a nested column took 0.23 s to read a month, each frame as Parquet
# bytes 0.08 s but 62 ms for a day's 71 small frames, IPC streams 0.085 s and 4 ms
# (and less with the big Tallies' keys coded: `_tally_names`). The coded ones' keys
# are positions in the summary's one list of texts (`_KEYS`; which columns: `_KEYED`,
# reports.codes.shared); a summary without them (made before) is read as it is.
_FORMAT = 2
_PARTS, _COUNTS, _UNPARSED, _STATE = "parts", "counts", "unparsed", "state."
_KEYS, _KEYED = "keys", "keyed"
_COUNT_SCHEMA = {
    "kind": pl.String(),
    "rows": pl.Int64(),
    "first": pl.Datetime("us", "UTC"),
    "last": pl.Datetime("us", "UTC"),
}


@dataclass
class DaySummary:
    """A day's section state, and what the day holds of every kind (the parse section)."""

    state: Mapping[str, pl.DataFrame | Packed]
    counts: dict[EventKind, KindCount] = field(default_factory=dict)
    unparsed_by_program: dict[str, int] = field(default_factory=dict)


def state_options(options: ReportOptions) -> ReportOptions:
    """The options a summary is made with: every section, the whole day."""
    return ReportOptions(
        tz=options.tz, bucket=options.bucket, catchall_domains=tuple(options.catchall_domains)
    )


def fingerprint(options: ReportOptions) -> str:
    """The options, besides the events, that a day's state depends on."""
    split = options.bucket.value if options.bucket else None
    key = {
        # each section's own version (reports.sections): one changed, the summaries
        # made before are not read
        "sections": sections.versions(),
        "split": split,
        # period labels are local days, weeks or months; without a split, counts are
        # kept per UTC quarter hour and labelled only when the report is made
        "tz": options.tz if split else None,
        "catchall": sorted({domain.lower() for domain in options.catchall_domains}),
        "format": _FORMAT,  # of the file: summaries in another are never read
    }
    return hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()[:16]


def summary_path(store: StorePath, options: ReportOptions, date: str, names: list[str]) -> Path:
    """Named by the day and the `names` of the files it was made from (`part_names`):
    part names carry their source and byte range, compacted ones a fresh name, so the
    same names are the same events and a summary of other files is simply not found."""
    return named_path(store, options, f"date={date}", names)


def named_path(store: StorePath, options: ReportOptions, span: str, names: list[str]) -> Path:
    """`<options>/<span>.<hash of names>.parquet`, `span` being `date=...` or `month=...`."""
    made_of = hashlib.sha256("\n".join(names).encode()).hexdigest()[:16]
    return at(store).summaries / fingerprint(options) / f"{span}.{made_of}.parquet"


def save(path: Path, summary: DaySummary, names: list[str]) -> None:
    """Write `summary` at `path` (a `named_path`) in place of the older ones of its span,
    where the store can be written (if not, a report is only slower)."""
    span = path.name.split(".", 1)[0]
    with contextlib.suppress(OSError):
        write_atomically(path, _encode(summary, names))
        for older in path.parent.glob(f"{span}.*.parquet"):
            if older != path:
                older.unlink(missing_ok=True)


def day_summary(
    store: StorePath, date: str, parts: list[PartFile], options: ReportOptions
) -> DaySummary:
    """The saved summary of `date` if it was made from exactly `parts`, else one made
    now from them (and saved, where the store can be written, in place of the day's
    older ones)."""
    names = part_names(parts)
    path = summary_path(store, options, date, names)
    found = load(path, names)
    if found is not None:
        return found
    builder = ReportBuilder(state_options(options), isolated=True)
    held = StoredDay({})
    for read in day_reads(parts, builder.needs):
        day = read()
        builder.add(day.batch)
        add_counts(held, day)
    summary = DaySummary(builder.dump_state(), held.counts, held.unparsed_by_program)
    save(path, summary, names)
    return summary


def summarised(store: StorePath, options: ReportOptions, date: str, parts: list[PartFile]) -> bool:
    """Is there a summary of `date` made from exactly `parts`?"""
    return summary_path(store, options, date, part_names(parts)).exists()


def _state_names() -> frozenset[str]:
    """The accumulators every summary holds (no option changes which; the registered
    sections do)."""
    return _states_of(tuple(sections.versions().items()))[0]


def _tally_names() -> frozenset[str]:
    """Those of them that are Tallies: their big frames are saved with their keys
    coded (`reports.codes.loadable`), read as the Tally merges them, the text decoded
    once per distinct value. A month of the benchmark year's reject detail is read in
    15 ms instead of 29, plus 13 to code it, and a month in flight holds 22 MiB
    instead of 41."""
    return _states_of(tuple(sections.versions().items()))[1]


@functools.cache
def _states_of(
    registered: tuple[tuple[str, int], ...],
) -> tuple[frozenset[str], frozenset[str]]:
    builder = ReportBuilder(ReportOptions(), isolated=True)
    tallies = {
        f"{section.name}.{name}"
        for section in builder.sections
        for name, accumulator in section.accumulators().items()
        if isinstance(accumulator, Tally)
    }
    return frozenset(builder.dump_state()), frozenset(tallies)


def part_names(parts: list[PartFile]) -> list[str]:
    """What a summary of `parts` is made of: kind and file name of each, sorted."""
    return sorted(f"{part.kind.value}/{part.path.name}" for part in parts)


def _encode(summary: DaySummary, names: list[str]) -> bytes:
    counts = pl.DataFrame(
        [
            (kind.value, count.rows, count.first, count.last)
            for kind, count in summary.counts.items()
        ],
        schema=_COUNT_SCHEMA,
        orient="row",
    )
    unparsed = pl.DataFrame(
        list(summary.unparsed_by_program.items()),
        schema={"program": pl.String(), "lines": pl.Int64()},
        orient="row",
    )
    tallies = _tally_names()
    states = {
        _STATE + name: loadable(frame)
        if name in tallies and isinstance(frame, pl.DataFrame)
        else frame
        for name, frame in summary.state.items()
    }
    coded = {
        name: frame
        for name, frame in states.items()
        if isinstance(frame, pl.DataFrame) and is_coded(frame)
    }
    texts, keyed = shared(coded)  # the coded frames' keys made positions in `texts`
    states.update(coded)
    frames = {
        _PARTS: pl.DataFrame({"name": names}, schema={"name": pl.String()}),
        _COUNTS: counts,
        _UNPARSED: unparsed,
        _KEYS: texts,
        _KEYED: pl.DataFrame(
            [(name, column) for name, found in keyed.items() for column in found],
            schema={"name": pl.String(), "column": pl.String()},
            orient="row",
        ),
        **states,
    }
    table = pl.DataFrame(
        {"name": list(frames), "frame": [_packed(frame).stream() for frame in frames.values()]},
        schema={"name": pl.String(), "frame": pl.Binary()},
    )
    buffer = io.BytesIO()
    table.write_parquet(buffer, compression="uncompressed", statistics=False)
    return buffer.getvalue()


def _packed(frame: pl.DataFrame | Packed) -> Packed:
    return frame if isinstance(frame, Packed) else Packed.of(frame)


def load(path: Path, names: list[str]) -> DaySummary | None:
    """None if there is none, it is of other parts (a hash collision) or accumulators
    (made by another version), or it cannot be read: it is then made again (a summary
    is never the only copy of anything)."""
    try:
        opened = _Opened(path)
    except OSError:
        return None
    try:
        data = opened.read()
        table = pl.read_parquet(io.BytesIO(data))
        blobs = dict(zip(table.get_column("name"), table.get_column("frame"), strict=True))
        del table
        if _frame(blobs.pop(_PARTS)).get_column("name").to_list() != names:
            return None
        counts = _frame(blobs.pop(_COUNTS))
        unparsed = _frame(blobs.pop(_UNPARSED))
        keyed = _keyed(blobs.pop(_KEYED, None))
        keys_blob = blobs.pop(_KEYS, b"")
        tallies = _tally_names()
        state: dict[str, pl.DataFrame | Packed] = {}
        found = 0  # where the last state read back from the file ends in it
        stays_open = opened.may_stay_open()

        def saved(blob: bytes, keys: Keys | None = None, columns: Sequence[str] = ()) -> _Saved:
            # the file's values are its streams as they are (uncompressed, in order):
            # a big one is read again from there when unpacked, not held meanwhile
            nonlocal found
            at_byte = _offset(data, blob, found) if stays_open else -1
            if at_byte < 0:  # (or a value written once for two rows: the same frame)
                return _Saved(path, blob, keys=keys, columns=columns)
            found = at_byte + len(blob)
            return _Saved(
                path, file=opened, offset=at_byte, size=len(blob), keys=keys, columns=columns
            )

        keys = Keys(saved(keys_blob)) if keyed else None
        for name, blob in blobs.items():
            name = name[len(_STATE) :]
            columns = keyed.get(name, [])
            if name not in tallies or len(blob) < _PACKED_FROM:
                frame = _frame(blob)
                state[name] = keys.decode(frame, columns) if keys and columns else frame
                continue
            state[name] = saved(blob, keys, columns)
        if set(state) != _state_names():
            return None
    except (OSError, KeyError, ValueError, pl.exceptions.PolarsError):
        return None
    return DaySummary(
        state,
        {
            EventKind(kind): KindCount(int(rows), first, last)
            for kind, rows, first, last in counts.iter_rows()
        },
        {str(program): int(lines) for program, lines in unparsed.iter_rows()},
    )


def _keyed(blob: bytes | None) -> dict[str, list[str]]:
    """Of each state, its columns that are positions in the summary's texts."""
    keyed: dict[str, list[str]] = {}
    if blob is not None:
        for name, column in _frame(blob).iter_rows():
            keyed.setdefault(name[len(_STATE) :], []).append(column)
    return keyed


# A Tally's saved state from this many bytes on is loaded packed (Tally.load_packed):
# unpacked when its section gives its result, one section after the other.
_PACKED_FROM = 64 * 1024


def _offset(data: bytes, blob: bytes, start: int) -> int:
    """Where `blob` lies in `data` from `start` on (-1: nowhere). Found by its first
    bytes, then compared whole: `data.find(blob)` with a needle of megabytes took
    3 ms a state (a third of a second for a year's)."""
    probe = blob[:_PROBE]
    at = data.find(probe, start)
    while at >= 0 and not data.startswith(blob, at):
        at = data.find(probe, at + 1)
    return at


_PROBE = 4096


def _frame(blob: bytes) -> pl.DataFrame:
    return pl.read_ipc_stream(blob)


class _Opened:
    """A summary file open for reading, while any of its packed states is loaded: read
    again at an offset from any thread, and even once a later summary replaced it."""

    # Summaries held open at most (a period of a year cut off a month's start reads
    # 365 day summaries): past it, packed states are held as bytes.
    MOST = 128
    _open = 0
    _counting = threading.Lock()

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd = os.open(path, os.O_RDONLY)
        with _Opened._counting:
            _Opened._open += 1

    def may_stay_open(self) -> bool:
        return _Opened._open <= _Opened.MOST

    def read(self, size: int = -1, offset: int = 0) -> bytes:
        if size < 0:
            size = os.fstat(self._fd).st_size - offset
        data = os.pread(self._fd, size, offset)
        if len(data) != size:
            raise OSError(f"{self.path}: {size} bytes at {offset} asked, {len(data)} read")
        return data

    def __del__(self) -> None:
        with contextlib.suppress(OSError, AttributeError):
            os.close(self._fd)
            with _Opened._counting:
                _Opened._open -= 1


class _Saved(Packed):
    """A packed state of the summary at `path`: `size` bytes at `offset` of its open
    `file`, read when unpacked, or else the `stream` itself. If it cannot be unpacked
    (the file was damaged after it was written whole), the summary is deleted, to be
    made again by the next report, and the report stops saying so."""

    __slots__ = ("_columns", "_file", "_keys", "_offset", "_size", "path")

    def __init__(
        self,
        path: Path,
        stream: bytes = b"",
        file: _Opened | None = None,
        offset: int = 0,
        size: int = 0,
        keys: Keys | None = None,
        columns: Sequence[str] = (),
    ) -> None:
        super().__init__(stream)
        self.path = path
        self._file, self._offset, self._size = file, offset, size
        # its `columns` are positions in the summary's texts (reports.codes.shared)
        self._keys, self._columns = keys, columns

    def stream(self) -> bytes:
        if self._file is None:
            return super().stream()
        return self._file.read(self._size, self._offset)

    def size(self) -> int:
        return super().size() if self._file is None else self._size

    def unpack(self) -> pl.DataFrame:
        try:
            frame = super().unpack()
            if self._keys is not None and self._columns:
                frame = self._keys.decode(frame, self._columns)
            return frame
        except (OSError, ValueError, pl.exceptions.PolarsError) as error:
            self.path.unlink(missing_ok=True)
            raise StoreError(
                f"{self.path}: damaged summary, deleted ({error}): run the report again"
            ) from error


def files(store: StorePath) -> Iterator[Path]:
    """Every day and month summary in the store (of its host), of every set of options."""
    folder = at(store).summaries
    yield from folder.glob("*/date=*.parquet")
    yield from folder.glob("*/month=*.parquet")


def prune(store: StorePath, oldest: str) -> None:
    """Delete the summaries of days before `oldest` (YYYY-MM-DD), and of the months
    that begin before it (a month that lost days is not whole any more)."""
    for path in list(files(store)):
        begins = f"{path.name[6:13]}-01" if path.name.startswith("month=") else path.name[5:15]
        if begins < oldest:
            path.unlink()
