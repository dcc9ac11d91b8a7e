"""The numbers a mail's subject and `--only-if` conditions speak of, from the report.

    {host}: {received:,} received, {rejected:,} rejected, TLS in {tls_inbound:.0%} — {period}

`{hostname}` is another name for `{host}` (older configs use it).

Conditions are `NAME OP NUMBER` (`rejected>0`, `tls_inbound<0.9`), read by a small
parser — never eval — and all must hold.
"""

from __future__ import annotations

import operator
import re
import string
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from maillogs.errors import UsageError

DEFAULT_SUBJECT = (
    "{host}: {received:,} received, {rejected:,} rejected, TLS in {tls_inbound:.0%} \u2014 {period}"
)
# The overview's counts, by their names there.
_OVERVIEW_NUMBERS = (
    "received", "accepted", "queued", "delivered", "deferred", "deferrals", "bounced",
    "rejected", "discarded", "held", "connections", "warnings", "errors", "fatal", "panic",
)  # fmt: skip
NUMBERS = (
    *_OVERVIEW_NUMBERS,
    "tls_inbound",
    "tls_outbound",
    "spf_rejected",
    "sasl_failures",
    "unparsed",
)
TEXTS = ("host", "hostname", "period")
_OPERATORS: dict[str, Callable[[float, float], bool]] = {
    ">=": operator.ge,
    "<=": operator.le,
    "==": operator.eq,
    "!=": operator.ne,
    ">": operator.gt,
    "<": operator.lt,
}
_CONDITION = re.compile(r"\s*([a-z_]+)\s*(>=|<=|==|!=|>|<)\s*(-?\d+(?:\.\d+)?)\s*")


def _share(levels: Mapping[str, int]) -> float:
    total = sum(levels.values())
    return (total - levels.get("none", 0)) / total if total else 0.0


def fields(data: Mapping[str, Any], host: str, period: str) -> dict[str, object]:
    """The subject's and conditions' values, from the report's data (which has overview,
    tls, spf, sasl and parse whatever sections the mail shows)."""
    overview = data.get("overview", {})
    tls = data.get("tls", {})
    values: dict[str, object] = {name: int(overview.get(name, 0)) for name in _OVERVIEW_NUMBERS}
    values["tls_inbound"] = _share(tls.get("inbound", {}).get("by_level", {}))
    values["tls_outbound"] = _share(tls.get("outbound", {}).get("by_level", {}))
    values["spf_rejected"] = int(data.get("spf", {}).get("rejected", 0))
    # failed and aborted SMTP AUTH logins: password guessing
    values["sasl_failures"] = sum(data.get("sasl", {}).get("failures", {}).values())
    values["unparsed"] = int(data.get("parse", {}).get("unparsed", 0))
    values["host"] = values["hostname"] = host
    values["period"] = period
    return values


def check_template(template: str) -> None:
    """A one-line usage error for a field that does not exist or a broken template,
    before any log is read (a trial run with zeros catches bad format specs)."""
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError as error:
        raise UsageError(f"--subject {template!r}: {error}") from None
    for _, name, _, _ in parsed:
        if name is not None and name not in (*NUMBERS, *TEXTS):
            accepted = ", ".join((*TEXTS, *NUMBERS))
            raise UsageError(f"--subject: unknown field {{{name}}} (fields: {accepted})")
    trial: dict[str, object] = {name: 0 for name in NUMBERS} | {name: "" for name in TEXTS}
    trial |= {"tls_inbound": 0.0, "tls_outbound": 0.0}
    _format(template, trial)


def subject(template: str, values: Mapping[str, object]) -> str:
    check_template(template)
    return _format(template, values)


def _format(template: str, values: Mapping[str, object]) -> str:
    try:
        return template.format_map(values)
    except (ValueError, TypeError) as error:
        raise UsageError(f"--subject {template!r}: {error}") from None


def parse_conditions(texts: Sequence[str]) -> list[tuple[str, str, float]]:
    conditions = []
    for text in texts:
        for part in text.split(","):
            found = _CONDITION.fullmatch(part)
            if found is None or found.group(1) not in NUMBERS:
                raise UsageError(
                    f"--only-if {part.strip()!r}: expected NAME>NUMBER (or <, >=, <=, ==, !=) "
                    f"with NAME one of {', '.join(NUMBERS)}"
                )
            conditions.append((found.group(1), found.group(2), float(found.group(3))))
    return conditions


def holds(conditions: Sequence[tuple[str, str, float]], values: Mapping[str, object]) -> bool:
    return all(
        _OPERATORS[op](float(values[name]), limit)  # type: ignore[arg-type]
        for name, op, limit in conditions
    )
