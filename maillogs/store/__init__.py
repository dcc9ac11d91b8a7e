"""The event store: parsed events kept as Parquet, added to incrementally.

    STORE/kind=<kind>/date=<YYYY-MM-DD>/part-<source>-<start>-<end>.parquet
    STORE/_state/checkpoint.json      what was read of which source, and parser state
    STORE/.lock                       one ingest at a time

See docs/store.md for the layout, the rules for rotation, and crash safety.
"""
