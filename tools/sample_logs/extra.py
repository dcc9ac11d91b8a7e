"""The extra real runs (verbose, quirks, tls-unlogged): the same private world as the
main run, each with its own configuration changes, scenario and output folder.

    sudo python3 tools/sample_logs/generate.py --run verbose --seed 1 --out sample_logs/verbose
"""

from __future__ import annotations

import gzip
import json
import random
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from generate import _bind, _sh, add_ipv6, private_system, wait_for_listeners
from postfix_config import SHOWN_ROOT, ship_config, write_all
from syslogd import SyslogDaemon
from truth import Truth
from verify import _sink_tls, check_against_log
from world import (
    SINK_ADDRESSES,
    World,
    dnsmasq_config,
    ipv6_client_addresses,
    make_certificates,
    make_clients,
)


@dataclass
class Run:
    """What one extra run changes and does."""

    name: str
    start: datetime
    # postconf -e settings for the mx and the sink, master.cf lines to add or replace.
    mx_main: dict[str, str] = field(default_factory=dict)
    sink_main: dict[str, str] = field(default_factory=dict)
    mx_master_replace: dict[str, str] = field(default_factory=dict)
    mx_master_add: list[str] = field(default_factory=list)
    sink_master_add: list[str] = field(default_factory=list)
    spf_debug_level: int = 1
    extra_dns: list[str] = field(default_factory=list)
    extra_addresses: list[str] = field(default_factory=list)
    listeners: list[str] = field(default_factory=list)
    # Lines to append to the mx's tables (file name -> text); "{mx}" in any setting,
    # master.cf line or table is the mx's configuration directory.
    mx_files: dict[str, str] = field(default_factory=dict)
    # Extra recounts from the log: (classic lines, truth document) -> problems.
    check: Callable[[list[str], list[str], dict[str, Any]], list[str]] | None = None


@dataclass
class Env:
    world: World
    syslog: SyslogDaemon
    rng: random.Random
    sink: Path
    work: Path
    truth: dict[str, Any] = field(default_factory=dict)


def _master(path: Path, replace: dict[str, str], add: list[str]) -> None:
    lines = path.read_text().splitlines()
    out = []
    for line in lines:
        key = " ".join(line.split()[:2])
        out.append(replace.get(key, line))
    path.write_text("\n".join([*out, *add]) + "\n")


def _postconf(config: Path, settings: dict[str, str]) -> None:
    if settings:
        _sh("postconf", "-c", str(config), "-e", *(f"{k}={v}" for k, v in settings.items()))


def configure(world: World, run: Run) -> None:
    mx, sink = world.path("mx"), world.path("sink")

    def here(text: str) -> str:
        return text.replace("{mx}", str(mx))

    for name, text in run.mx_files.items():
        with (mx / name).open("a") as handle:
            handle.write(here(text))
    _postconf(mx, {k: here(v) for k, v in run.mx_main.items()})
    _postconf(sink, run.sink_main)
    _master(
        mx / "master.cf",
        {k: here(v) for k, v in run.mx_master_replace.items()},
        [here(line) for line in run.mx_master_add],
    )
    _master(sink / "master.cf", {}, run.sink_master_add)
    spf = mx / "policyd-spf.conf"
    spf.write_text(spf.read_text().replace("debugLevel = 1", f"debugLevel = {run.spf_debug_level}"))


# Inside the mount namespace the work dir is seen at a fixed path, so that the paths
# Postfix logs (verbose table lookups, the postscreen cache) are the same on every run.
FIXED_ROOT = Path(SHOWN_ROOT)


def _fixed_root(work: Path) -> Path:
    _sh("mount", "-t", "tmpfs", "tmpfs", "/srv")  # private to the namespace
    FIXED_ROOT.mkdir()
    _bind(work, str(FIXED_ROOT))
    return FIXED_ROOT


def inside_extra(
    work: Path, out: Path, seed: int, run: Run, scenario: Callable[[Env], None]
) -> None:
    work = _fixed_root(work)
    private_system(work)
    world = World(root=work)
    world.clients, world.rbl_listed, world.blocked = make_clients()
    world.uid = world.gid = 2001
    add_ipv6(["2001:db8:100::1", "2001:db8:200::1", *ipv6_client_addresses(world)])
    for address in [*SINK_ADDRESSES.values(), *run.extra_addresses]:
        _sh("ip", "addr", "add", f"{address}/32", "dev", "lo")
    for sub in ("mail", "vmail"):
        world.path(sub).mkdir()
        world.path(sub).chmod(0o1777)
    make_certificates(world)
    dns_text = dnsmasq_config(world) + "".join(line + "\n" for line in run.extra_dns)
    (work / "dnsmasq.conf").write_text(dns_text)
    dns = subprocess.Popen(["dnsmasq", "-k", "-u", "root", "-C", str(work / "dnsmasq.conf")])
    syslog = SyslogDaemon(Path("/dev/log"), work / "logs", run.start)
    write_all(world)
    configure(world, run)
    for name in ("mx", "sink"):
        shutil.chown(world.path(name, "data"), "postfix", "postfix")
    for name in ("dynamicmaps.cf", "dynamicmaps.cf.d", "postfix-files", "postfix-files.d"):
        source = Path("/etc/postfix") / name
        if source.is_dir():
            shutil.copytree(source, world.path("mx", name))
        elif source.exists():
            shutil.copy(source, world.path("mx", name))
    _bind(world.path("mx"), "/etc/postfix")
    sink = world.path("sink")
    _sh("postfix", "start")
    _sh("postfix", "-c", str(sink), "start")
    wait_for_listeners(["127.0.2.1:2525", "127.0.2.4:25", "127.0.0.1:53", *run.listeners])
    env = Env(world, syslog, random.Random(seed), sink, work)
    try:
        scenario(env)
    finally:
        syslog.close()
        dns.terminate()
    write_run(work / "logs", out, run, env, seed)
    ship_config(world, out / "postfix", as_run=True)


def _gzip(lines: list[str], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with gzip.GzipFile(path, "wb", mtime=0) as handle:
        handle.write("".join(lines).encode("utf-8"))


def write_run(logs: Path, out: Path, run: Run, env: Env, seed: int) -> None:
    classic = (logs / "main.classic").read_text(encoding="utf-8").splitlines(keepends=True)
    rfc3339 = (logs / "main.rfc3339").read_text(encoding="utf-8").splitlines(keepends=True)
    sink = (logs / "sink.classic").read_text(encoding="utf-8").splitlines(keepends=True)
    for sub in ("classic", "rfc3339", "sink"):
        shutil.rmtree(out / sub, ignore_errors=True)
    _gzip(classic, out / "classic" / "maillog.gz")
    _gzip(rfc3339, out / "rfc3339" / "maillog.gz")
    _gzip(sink, out / "sink" / "maillog.gz")
    first = datetime.fromisoformat(rfc3339[0].split(" ", 1)[0]).astimezone(UTC)
    last = datetime.fromisoformat(rfc3339[-1].split(" ", 1)[0]).astimezone(UTC)
    version = _sh("postconf", "-h", "mail_version").stdout.strip()
    document = {
        "schema": "maillogs.truth/1",
        "run": run.name,
        "seed": seed,
        "postfix_version": version,
        "time_zone": "UTC",
        "files": {
            "classic": ["classic/maillog.gz"],
            "rfc3339": ["rfc3339/maillog.gz"],
            "sink": ["sink/maillog.gz"],
        },
        "period": {"first": first.isoformat(), "last": last.isoformat()},
        "parse": {"lines": len(classic), "not_mail": 0},
        **env.truth,
    }
    if "tls" in document:  # a full Truth: outbound protocols from the sink's own log
        protocols, ciphers = _sink_tls(sink)
        document["tls"]["outbound"]["by_protocol"] = dict(sorted(protocols.items()))
        document["tls"]["outbound"]["by_cipher"] = dict(sorted(ciphers.items()))
    (out / "truth.json").write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    print(f"generate.py: {run.name}: {len(classic)} lines in {out}")
    problems = run.check(classic, sink, document) if run.check else []
    if "overview" in document:
        # The main run's recount; a submission service's smtpd counts as smtpd.
        renamed = [line.replace("postfix/submission/", "postfix/") for line in classic]
        checked = document
        if "tls" not in document:  # TLS not logged: the recount must find no TLS line
            empty: dict[str, Any] = {"by_level": {}}
            checked = {**document, "tls": {"inbound": empty, "outbound": empty}}
        outputs = {"classic": renamed, "sink": sink, "truth": checked, "out": out}
        problems += check_against_log(outputs, Truth())
    if problems:
        print("generate.py: the truth and the log disagree:", *problems, sep="\n  ")
        raise SystemExit(1)
    print("generate.py: truth matches the log")
