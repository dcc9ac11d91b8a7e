"""The report's charts with matplotlib: PNG for email and files, SVG where it is wanted.

No pyplot (no global state, no GUI backend): each chart is its own Figure, rendered
by the Agg canvas. Output is deterministic (no dates in the metadata, fixed SVG ids),
and text from the logs is never read as mathtext.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import matplotlib as mpl
from cycler import cycler
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator, PercentFormatter

from reports.builder import Report

# Twelve colours that stay apart from each other (a stacked bar has at most twelve parts).
PALETTE = (
    "#2b6cb0", "#dd6b20", "#2f855a", "#c53030", "#6b46c1", "#b7791f",
    "#2c7a7b", "#718096", "#d53f8c", "#90cdf4", "#9ae6b4", "#fbd38d",
)  # fmt: skip
_SIZE = (8.0, 3.6)
_DPI = 100
_STYLE: dict[Any, Any] = {
    "text.parse_math": False,  # "$" in a domain or header text is just a character
    "svg.hashsalt": "maillogs",
    "svg.fonttype": "path",
    "font.family": "DejaVu Sans",
    "font.size": 9,
    "axes.titlesize": 11,
    "axes.titleweight": "bold",
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.color": "#e2e8f0",
    "axes.axisbelow": True,
    "axes.prop_cycle": cycler(color=PALETTE),
}
# Bars beyond this many are summed into "other".
_MAX_BARS = 12


@dataclass(frozen=True)
class Chart:
    name: str  # file stem: tls-share, spam-per-day, ...
    title: str
    alt: str  # a sentence for screen readers and mail clients that hide images
    png: bytes
    svg: str


def _render(figure: Figure, name: str, title: str, alt: str) -> Chart:
    png = io.BytesIO()
    figure.savefig(png, format="png", dpi=_DPI, metadata={"Software": None})
    svg = io.StringIO()
    figure.savefig(svg, format="svg", metadata={"Date": None, "Creator": None})
    return Chart(name=name, title=title, alt=alt, png=png.getvalue(), svg=svg.getvalue())


def bar_chart(
    name: str,
    title: str,
    labels: Sequence[str],
    values: Sequence[int],
    *,
    xlabel: str,
    ylabel: str,
) -> Chart:
    """Horizontal bars, the first label on top (pass them largest first)."""
    with mpl.rc_context(_STYLE):
        height = max(_SIZE[1], 0.9 + 0.32 * len(labels))
        figure = Figure(figsize=(_SIZE[0], height), dpi=_DPI, layout="constrained")
        axes = figure.add_subplot()
        positions = list(range(len(labels)))
        bars = axes.barh(positions, list(values), color=PALETTE[0])
        axes.set_yticks(positions, [_short(label) for label in labels])
        axes.invert_yaxis()
        axes.bar_label(bars, padding=3, fmt="{:,.0f}")
        axes.xaxis.set_major_locator(MaxNLocator(integer=True))
        axes.grid(axis="y", visible=False)
        axes.set(title=title, xlabel=xlabel, ylabel=ylabel)
        axes.margins(x=0.12)
        alt = f"{title}: " + ", ".join(
            f"{label} {value:,}" for label, value in zip(labels, values, strict=True)
        )
        return _render(figure, name, title, alt)


def daily_chart(
    name: str,
    title: str,
    days: Sequence[date],
    series: Mapping[str, Sequence[float]],
    *,
    ylabel: str,
    stacked: bool = False,
    percent: bool = False,
) -> Chart:
    """One value per day for each series: stacked bars, or lines with markers.
    `percent`: values are shares from 0 to 1."""
    with mpl.rc_context(_STYLE):
        figure = Figure(figsize=_SIZE, dpi=_DPI, layout="constrained")
        axes = figure.add_subplot()
        # Days as positions 0..n-1: bars stay one day wide whatever the span.
        positions = list(range(len(days)))
        base = [0.0] * len(days)
        for index, (label, values) in enumerate(series.items()):
            color = PALETTE[index % len(PALETTE)]
            if stacked:
                axes.bar(positions, list(values), bottom=base, label=_short(label), color=color)
                base = [b + v for b, v in zip(base, values, strict=True)]
            else:
                axes.plot(positions, list(values), marker="o", label=_short(label), color=color)
        if percent:
            axes.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
            axes.set_ylim(0, 1.05)
        else:
            axes.yaxis.set_major_locator(MaxNLocator(integer=True))
        step = max(1, -(-len(days) // 8))  # at most eight labels fit under the chart
        axes.set_xticks(positions[::step], [day.strftime("%b %-d") for day in days][::step])
        axes.set(title=title, xlabel="day", ylabel=ylabel)
        if len(series) > 1 or stacked:
            figure.legend(loc="outside right upper", fontsize=8, frameon=False)
        first, last = (days[0], days[-1]) if days else (None, None)
        alt = f"{title}, {first} to {last}: " + "; ".join(
            f"{label} {_summary(values, percent)}" for label, values in series.items()
        )
        return _render(figure, name, title, alt)


def _summary(values: Sequence[float], percent: bool) -> str:
    if percent:
        return "from " + ", ".join(f"{v:.0%}" for v in values)
    return f"{sum(values):,.0f} in all"


def _short(label: str, limit: int = 40) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


def report_charts(report: Report) -> list[Chart]:
    """The charts the report's data can draw; a chart without data is left out."""
    data = report.data
    charts = [
        _traffic_per_day(data.get("overview")),
        _tls_share(data.get("timeline")),
        _spam_per_day(data.get("timeline"), _rule_labels(data)),
        _spf_results(data.get("spf")),
        _top_spammers(data.get("spammers")),
    ]
    return [chart for chart in charts if chart is not None]


def _days(timeline: Mapping[str, Any]) -> list[date]:
    return [date.fromisoformat(entry["date"]) for entry in timeline["days"]]


def _traffic_per_day(overview: Mapping[str, Any] | None) -> Chart | None:
    """mailgraph's graph: mail in, out and refused, per day (from two days on)."""
    rows = (overview or {}).get("by_day") or {}
    if len(rows) < 2:
        return None
    series = {
        "received": [r["received"] for r in rows.values()],
        "delivered": [r["delivered"] for r in rows.values()],
        "rejected": [r["rejected"] for r in rows.values()],
        "deferred or bounced": [r["deferred"] + r["bounced"] for r in rows.values()],
    }
    days = [date.fromisoformat(day) for day in rows]
    return daily_chart("traffic-per-day", "Mail per day", days, series, ylabel="messages")


def _tls_share(timeline: Mapping[str, Any] | None) -> Chart | None:
    if not timeline or not timeline["days"]:
        return None
    entries = timeline["days"]

    def share(direction: str, total: str) -> list[float]:
        return [
            e[direction]["tls"] / e[direction][total] if e[direction][total] else 0.0
            for e in entries
        ]

    series = {"inbound (connections)": share("inbound", "connections")}
    if any(e["outbound"]["attempts"] for e in entries):
        series["outbound (delivery attempts)"] = share("outbound", "attempts")
    return daily_chart(
        "tls-share", "Share over TLS", _days(timeline), series, ylabel="over TLS", percent=True
    )


def _rule_labels(data: Mapping[str, Any]) -> dict[str, str]:
    """id → "label (id N)" from the spammers section's ranked rules, where known."""
    labels: dict[str, str] = {}
    for period in (data.get("spammers") or {}).get("periods", {}).values():
        for part in ("header_checks", "body_checks"):
            for rule in period.get(part, []):
                name = rule.get("label") or rule.get("pattern")
                if name:
                    labels[f"{part}:{rule['id']}"] = f"{name} (id {rule['id']})"
    return labels


def _spam_per_day(timeline: Mapping[str, Any] | None, labels: Mapping[str, str]) -> Chart | None:
    if not timeline or not timeline["days"]:
        return None
    entries = timeline["days"]
    totals: dict[str, int] = {}
    for entry in entries:
        for part in ("header_checks", "body_checks"):
            for rule_id, count in entry[f"{part}_reject_by_id"].items():
                key = f"{part}:{rule_id}"
                totals[key] = totals.get(key, 0) + count
    if not totals:
        return None
    ranked = sorted(totals, key=lambda key: (-totals[key], key))
    shown, rest = ranked[: _MAX_BARS - 1], ranked[_MAX_BARS - 1 :]
    series: dict[str, list[float]] = {}
    for key in shown:
        part, rule_id = key.split(":", 1)
        name = labels.get(key) or f"{part.replace('_', ' ')} id {rule_id}"
        series[name] = [entry[f"{part}_reject_by_id"].get(rule_id, 0) for entry in entries]
    if rest:
        series["other rules"] = [
            sum(
                entry[f"{key.split(':')[0]}_reject_by_id"].get(key.split(":", 1)[1], 0)
                for key in rest
            )
            for entry in entries
        ]
    return daily_chart(
        "spam-per-day",
        "Spam blocked per day, by rule",
        _days(timeline),
        series,
        ylabel="messages rejected",
        stacked=True,
    )


def _spf_results(spf: Mapping[str, Any] | None) -> Chart | None:
    if not spf:
        return None
    results = spf["by_identity"]["mailfrom"]
    if not any(results.values()):
        return None
    return bar_chart(
        "spf-results",
        "SPF results for the envelope sender (mailfrom)",
        list(results),
        list(results.values()),
        xlabel="verdicts",
        ylabel="result",
    )


def _top_spammers(spammers: Mapping[str, Any] | None) -> Chart | None:
    if not spammers:
        return None
    totals: dict[str, int] = {}
    for period in spammers["periods"].values():
        rules = [
            (part, rule) for part in ("header", "body") for rule in period.get(f"{part}_checks", [])
        ]
        for part, rule in rules:
            name = rule.get("label") or f"{part} rule id {rule['id']}"
            totals[name] = totals.get(name, 0) + rule["count"]
        if not rules:
            for row in period.get("sender_domains", []):
                totals[row["sender_domain"]] = totals.get(row["sender_domain"], 0) + row["count"]
    if not totals:
        return None
    ranked = sorted(totals, key=lambda name: (-totals[name], name))[:_MAX_BARS]
    return bar_chart(
        "top-spammers",
        "Top spammers (messages blocked)",
        ranked,
        [totals[name] for name in ranked],
        xlabel="messages blocked",
        ylabel="",
    )
