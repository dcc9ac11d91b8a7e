"""The report's numbers as Prometheus metrics, for node_exporter's textfile collector.

What postfix_exporter exports, from the logs: every metric is a gauge holding the count
over the report's period (`--since today` from cron: today so far), labelled as the
JSON report breaks it down. prometheus_client writes the exposition format: it escapes
label values (log text: cipher names, RBL names, addresses) and, for a file, writes a
temporary file and renames it, so node_exporter never reads half a file.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from prometheus_client import CollectorRegistry, generate_latest, write_to_textfile
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from reports import sections
from reports.builder import Report
from reports.escape import for_terminal
from reports.metrics import Metrics, timestamp

PREFIX = "maillogs_"
Json = Mapping[str, Any]  # a part of the report's data


class _Families:
    """Gauge families by name, filled sample by sample (reports.metrics.Metrics)."""

    def __init__(self) -> None:
        self.found: dict[str, GaugeMetricFamily] = {}

    def put(self, name: str, documentation: str, value: object, **labels: object) -> None:
        """One sample; a missing value (no data for it in the period) gives none."""
        if not isinstance(value, int | float) or isinstance(value, bool):
            return
        family = self.found.get(name)
        if family is None:
            family = GaugeMetricFamily(PREFIX + name, documentation, labels=list(labels))
            self.found[name] = family
        # control characters made visible, as in the terminal; prometheus_client
        # escapes the backslashes and quotes
        family.add_metric([for_terminal(v) for v in labels.values()], float(value))

    def each(
        self, name: str, documentation: str, label: str, counts: Json, **fixed: object
    ) -> None:
        """A sample per key of `counts`, labelled `label`, and `fixed` labels on each."""
        for key, value in counts.items():
            self.put(name, documentation, value, **fixed, **{label: key})

    def nested(self, name: str, documentation: str, labels: tuple[str, str], table: Json) -> None:
        """A sample per inner key of {outer: {inner: value}}, labelled by both keys."""
        outer, inner = labels
        for key, counts in table.items():
            self.each(name, documentation, inner, counts, **{outer: key})


def _period(put: Metrics, period: Json) -> None:
    for edge, key in (("start", "since"), ("end", "until")):
        put.put(
            f"period_{edge}_timestamp_seconds",
            f"The period's {edge} (--{key}).",
            timestamp(period[key]),
        )


def _collect(report: Json) -> Iterator[Metric]:
    """Every section's metrics, in the registry's order, then the period's."""
    put = _Families()
    for kind in sections.registered():
        result = sections.part(kind, report)
        if result is not None:
            kind.metrics(put, result)
    if "period" in report:
        _period(put, report["period"])
    yield from put.found.values()


class _ReportCollector(Collector):
    def __init__(self, report: Report) -> None:
        self.report = report

    def collect(self) -> Iterator[Metric]:
        return _collect(self.report.data)


def _registry(report: Report) -> CollectorRegistry:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_ReportCollector(report))
    return registry


def render(report: Report) -> str:
    return generate_latest(_registry(report)).decode("utf-8")


def write(report: Report, path: Path) -> None:
    """Write to `path` whole or not at all (a temporary file, then a rename)."""
    write_to_textfile(str(path), _registry(report))
