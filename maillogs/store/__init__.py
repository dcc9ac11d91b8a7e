"""The event store: parsed events kept as Parquet, added to incrementally.

    STORE/kind=<kind>/date=<YYYY-MM-DD>/part-<source>-<start>-<end>.parquet
    STORE/kind=<kind>/date=<YYYY-MM-DD>/compact[-late]-<digest>.parquet   a day, merged
    STORE/_summaries/...              day summaries (derived)
    STORE/_state/checkpoint.json      what was read of which source, and parser state
    STORE/.lock                       one ingest at a time

A store several hosts share has `kind=<kind>/host=<host>/date=<day>/` and each host's
checkpoint, lock and summaries under `_state/host=<host>/`, `_summaries/host=<host>/`.

See docs/store.md for the layout, the rules for rotation, when a day is over (it is then
merged and summarised), and crash safety; docs/fleet.md for several hosts.
"""
