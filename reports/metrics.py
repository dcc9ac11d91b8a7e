"""What a section writes its Prometheus metrics to: gauges by name, sample by sample.

The Prometheus renderer implements it with prometheus_client; sections only see this,
so prometheus_client loads only when that format is asked for.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Protocol


class Metrics(Protocol):
    def put(self, name: str, documentation: str, value: object, **labels: object) -> None:
        """One sample; a missing value (no data for it in the period) gives none."""
        ...

    def each(
        self, name: str, documentation: str, label: str, counts: Mapping[str, Any], **fixed: object
    ) -> None:
        """A sample per key of `counts`, labelled `label`, and `fixed` labels on each."""
        ...

    def nested(
        self, name: str, documentation: str, labels: tuple[str, str], table: Mapping[str, Any]
    ) -> None:
        """A sample per inner key of {outer: {inner: value}}, labelled by both keys."""
        ...


def timestamp(value: object) -> float | None:
    """An ISO 8601 time of the report as Unix seconds (None stays None: no sample)."""
    return datetime.fromisoformat(value).timestamp() if isinstance(value, str) else None
