"""Write sample_logs/, then check the bookkeeping against the log with plain regex
counts (independent of maillogs' parser) and cross-check with pflogsumm."""

from __future__ import annotations

import gzip
import json
import re
import shutil
import subprocess
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from truth import Truth

ROTATE_AT = "Nov 24"  # the live file starts on the last day; the rest was rotated


def _gzip(lines: list[str], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with gzip.GzipFile(path, "wb", mtime=0) as handle:
        handle.write("".join(lines).encode("utf-8"))


def _postfix_version() -> str:
    result = subprocess.run(["postconf", "-h", "mail_version"], capture_output=True, text=True)
    return result.stdout.strip()


def _sink_tls(lines: list[str]) -> tuple[Counter[str], Counter[str]]:
    """The remote server's own record of each TLS connection from mx: protocol, cipher."""
    protocols: Counter[str] = Counter()
    ciphers: Counter[str] = Counter()
    pattern = re.compile(r"TLS connection established from \S+: (\S+) with cipher (\S+) ")
    for line in lines:
        found = pattern.search(line)
        if found:
            protocols[found.group(1)] += 1
            ciphers[found.group(2)] += 1
    return protocols, ciphers


def write_outputs(logs: Path, out: Path, truth: Truth, scenario: Any, seed: int) -> dict[str, Any]:
    classic = (logs / "main.classic").read_text(encoding="utf-8").splitlines(keepends=True)
    rfc3339 = (logs / "main.rfc3339").read_text(encoding="utf-8").splitlines(keepends=True)
    sink = (logs / "sink.classic").read_text(encoding="utf-8").splitlines(keepends=True)
    cut = next((i for i, line in enumerate(classic) if line.startswith(ROTATE_AT)), len(classic))
    for sub in ("classic", "rfc3339", "sink"):
        shutil.rmtree(out / sub, ignore_errors=True)
    _gzip(classic[:cut], out / "classic" / "maillog.1.gz")
    (out / "classic" / "maillog").write_text("".join(classic[cut:]), encoding="utf-8")
    _gzip(rfc3339, out / "rfc3339" / "maillog.gz")
    _gzip(sink, out / "sink" / "maillog.gz")

    for level, family in scenario.pending_outbound:
        truth.outbound_attempt(level, None, None, family)
    data = truth.as_json()
    protocols, ciphers = _sink_tls(sink)
    data["tls"]["outbound"]["by_protocol"] = dict(sorted(protocols.items()))
    data["tls"]["outbound"]["by_cipher"] = dict(sorted(ciphers.items()))
    first = datetime.fromisoformat(rfc3339[0].split(" ", 1)[0]).astimezone(UTC)
    last = datetime.fromisoformat(rfc3339[-1].split(" ", 1)[0]).astimezone(UTC)
    document = {
        "schema": "maillogs.truth/1",
        "seed": seed,
        "postfix_version": _postfix_version(),
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "time_zone": "UTC",
        "files": {
            "classic": ["classic/maillog.1.gz", "classic/maillog"],
            "rfc3339": ["rfc3339/maillog.gz"],
            "sink": ["sink/maillog.gz"],
        },
        "period": {"first": first.isoformat(), "last": last.isoformat()},
        "parse": {"lines": len(classic), "not_mail": 0},
        "catchall_domains": ["example.org"],
        **data,
    }
    (out / "truth.json").write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    return {"classic": classic, "sink": sink, "lines": len(classic), "truth": document, "out": out}


def _count(lines: list[str], pattern: str) -> int:
    compiled = re.compile(pattern)
    return sum(1 for line in lines if compiled.search(line))


def _tally(lines: list[str], pattern: str) -> dict[str, int]:
    compiled = re.compile(pattern)
    found: Counter[str] = Counter()
    for line in lines:
        match = compiled.search(line)
        if match:
            found["/".join(g for g in match.groups() if g is not None)] += 1
    return dict(found)


def check_against_log(outputs: dict[str, Any], truth: Truth) -> list[str]:
    """Every count the bookkeeping makes, recounted from the log with a plain regex."""
    lines: list[str] = outputs["classic"]
    t = outputs["truth"]
    problems = []

    def same(name: str, expected: object, got: object) -> None:
        if expected != got:
            problems.append(f"{name}: truth {expected!r} but the log shows {got!r}")

    ov = t["overview"]
    same("connections", ov["connections"], _count(lines, r" postfix/smtpd\[\d+\]: connect from "))
    queued = {
        m.group(1)
        for line in lines
        if (m := re.search(r"postfix/qmgr\[\d+\]: (\w+): from=<", line))
    }
    same("received", ov["received"], len(queued))
    for status in ("sent", "deferred", "bounced"):
        same(
            f"status={status}",
            t["deliveries"]["by_status"][status],
            _count(lines, rf", status={status} "),
        )
    same(
        "rejected",
        ov["rejected"],
        _count(lines, r"postfix/(?:smtpd|cleanup)\[\d+\]: \w+: reject: "),
    )
    inbound = _tally(lines, r"postfix/smtpd\[\d+\]: (\w+) TLS connection established from")
    same(
        "tls inbound",
        {k: v for k, v in t["tls"]["inbound"]["by_level"].items() if k != "none" and v},
        inbound,
    )
    outbound = _tally(lines, r"postfix/smtp\[\d+\]: (\w+) TLS connection established to")
    same(
        "tls outbound",
        {k: v for k, v in t["tls"]["outbound"]["by_level"].items() if k != "none" and v},
        outbound,
    )
    spf = _tally(
        lines,
        # ": " lines only: at higher debugLevels the same verdict is also echoed.
        r"policyd-spf\[\d+\]: : "
        r"(?:prepend Received-SPF: (\w+) .*identity=(\w+)|.*SPF (fail) .*s=(\w+);)",
    )
    spf_log: Counter[str] = Counter()
    for key, count in spf.items():
        result, identity = key.split("/")
        result, identity = result.lower(), identity.replace("mfrom", "mailfrom")
        spf_log[f"{identity}/{result}"] += count
    spf_truth = {
        f"{i}/{r}": n for i, rows in t["spf"]["by_identity"].items() for r, n in rows.items() if n
    }
    same("spf", spf_truth, dict(spf_log))
    header_ids = _tally(lines, r"cleanup\[\d+\]: \w+: reject: header .*SPAM id=\s*(\d+)")
    same("header_checks ids", t["header_checks"]["reject_by_id"], header_ids)
    body_ids = _tally(lines, r"cleanup\[\d+\]: \w+: reject: body .*SPAM id=\s*(\d+)")
    same("body_checks ids", t["body_checks"]["reject_by_id"], body_ids)
    orig = {}
    for line in lines:
        match = re.search(r"(\w+): to=<[^>]*>, orig_to=<([^>]*@example\.org)>.*status=sent", line)
        if match:
            orig[(match.group(1), match.group(2))] = 1
    by_address: Counter[str] = Counter(address for _, address in orig)
    same("catchall", t["catchall"]["by_address"], dict(sorted(by_address.items())))
    same(
        "lost after STARTTLS",
        t["smtpd"]["lost_after_starttls"],
        _count(lines, r"lost connection after STARTTLS from "),
    )
    same(
        "postsuper removed",
        t["postsuper"]["removed_by_id"],
        _count(lines, r"postsuper\[\d+\]: \w+: removed"),
    )
    summaries = [
        int(m.group(1))
        for line in lines
        if (m := re.search(r"postsuper\[\d+\]: Deleted: (\d+) message", line))
    ]
    # Every postsuper run ends with "Deleted: N messages", the run per queue id too.
    same("postsuper deleted", t["postsuper"]["deleted"], sum(summaries))
    pflogsumm_notes(outputs)
    return problems


def pflogsumm_notes(outputs: dict[str, Any]) -> None:
    """Print pflogsumm's grand totals next to the truth (the README records the differences)."""
    path = outputs["out"] / "classic"
    text = "".join(outputs["classic"])
    result = subprocess.run(
        ["pflogsumm", "--smtpd-stats", "-"], input=text, capture_output=True, text=True
    )
    totals = {}
    for line in result.stdout.splitlines():
        match = re.match(
            r"\s*(\d+)k?\s+(received|delivered|forwarded|deferred|bounced|rejected|discarded|held)\b",
            line,
        )
        if match and match.group(2) not in totals:
            totals[match.group(2)] = int(match.group(1))
    truth = outputs["truth"]["overview"]
    print(f"pflogsumm on {path}: {totals}")
    print(
        "truth: "
        + ", ".join(
            f"{k} {truth.get(k if k != 'received' else 'received')}"
            for k in (
                "received",
                "delivered",
                "deferred",
                "bounced",
                "rejected",
                "discarded",
                "held",
            )
        )
    )
