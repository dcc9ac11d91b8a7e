"""Postfix log lines → typed Polars event frames (see docs/events.md)."""
