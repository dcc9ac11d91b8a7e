"""Generate sample_logs/ from a real Postfix, inside a private network namespace.

    sudo python3 tools/sample_logs/generate.py --seed 1 --out sample_logs

See tools/sample_logs/README.md for what it needs and why it is safe to run.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

DAYS = [datetime(2026, 11, 22, 6, 0, tzinfo=UTC) + timedelta(days=n) for n in range(3)]
REQUIRED = [
    "postfix",
    "postconf",
    "postsuper",
    "dnsmasq",
    "policyd-spf",
    "pflogsumm",
    "openssl",
    "ip",
    "ss",
]


def _sh(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(args, text=True, capture_output=True)
    if check and result.returncode != 0:
        raise RuntimeError(
            f"{' '.join(args)} failed ({result.returncode}):\n{result.stdout}{result.stderr}"
        )
    return result


def outside(args: argparse.Namespace) -> None:
    """Check the machine, then re-run this script as PID 1 of fresh namespaces."""
    if os.geteuid() != 0:
        sys.exit("generate.py: run as root (it creates network and mount namespaces)")
    missing = [
        tool
        for tool in REQUIRED
        if shutil.which(tool) is None and not Path(f"/usr/sbin/{tool}").exists()
    ]
    if missing:
        sys.exit(f"generate.py: missing {', '.join(missing)}; see tools/sample_logs/README.md")
    work = Path(tempfile.mkdtemp(prefix="maillogs-world-"))
    work.chmod(0o755)  # Postfix's unprivileged daemons walk through it
    started = time.monotonic()
    command = [
        "unshare",
        "--net",
        "--mount",
        "--uts",
        "--pid",
        "--fork",
        "--mount-proc",
        "--propagation",
        "private",
        sys.executable,
        str(Path(__file__).resolve()),
        "--inside",
        str(work),
        "--seed",
        str(args.seed),
        "--out",
        str(args.out.resolve()),
        "--scale",
        str(args.scale),
        "--run",
        args.run,
    ]
    result = subprocess.run(command)
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    print(f"generate.py: finished in {time.monotonic() - started:.0f} s (exit {result.returncode})")
    sys.exit(result.returncode)


def _bind(source: Path, target: str) -> None:
    _sh("mount", "--bind", str(source), target)


def private_system(work: Path) -> None:
    """Our own /etc files, /dev and loopback: nothing of the host's is changed."""
    etc = work / "etc"
    etc.mkdir()
    (etc / "resolv.conf").write_text("nameserver 127.0.0.1\noptions timeout:2 attempts:1\n")
    (etc / "hosts").write_text("127.0.0.1 localhost\n::1 localhost\n")
    (etc / "hostname").write_text("mx\n")
    passwd = Path("/etc/passwd").read_text()
    group = Path("/etc/group").read_text()
    for number, user in enumerate(("me", "alice", "bob"), start=2001):
        passwd += f"{user}:x:{number}:{number}::{work / 'home' / user}:/bin/sh\n"
        group += f"{user}:x:{number}:\n"
        (work / "home" / user).mkdir(parents=True)
        os.chown(work / "home" / user, number, number)
    (etc / "passwd").write_text(passwd)
    (etc / "group").write_text(group)
    for name in ("resolv.conf", "hosts", "hostname", "passwd", "group"):
        _bind(etc / name, f"/etc/{name}")
    _sh("hostname", "mx")
    # A /dev of our own, so our syslog daemon can own /dev/log.
    dev = work / "dev"
    dev.mkdir()
    _sh("mount", "-t", "tmpfs", "tmpfs", str(dev))
    for node in ("null", "zero", "full", "random", "urandom", "tty"):
        (dev / node).touch()
        _bind(Path(f"/dev/{node}"), str(dev / node))
    for link, target in (
        ("fd", "/proc/self/fd"),
        ("stdin", "/proc/self/fd/0"),
        ("stdout", "/proc/self/fd/1"),
        ("stderr", "/proc/self/fd/2"),
    ):
        (dev / link).symlink_to(target)
    (dev / "pts").mkdir()
    _sh("mount", "--move", str(dev), "/dev")
    _sh("ip", "link", "set", "lo", "up")


def add_ipv6(addresses: list[str]) -> None:
    for address in addresses:
        _sh("ip", "-6", "addr", "add", f"{address}/128", "dev", "lo", "nodad")


def wait_for_listeners(expected: list[str], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        listening = _sh("ss", "-ltnH").stdout
        if all(item in listening for item in expected):
            return
        time.sleep(0.2)
    raise RuntimeError(f"listeners did not come up: {expected}\n{listening}")


def queue_counts(config: Path | None = None) -> dict[str, int]:
    args = ["postqueue", "-j"] if config is None else ["postqueue", "-c", str(config), "-j"]
    counts: dict[str, int] = {}
    for line in _sh(*args, check=False).stdout.splitlines():
        if line.strip():
            queue = json.loads(line)["queue_name"]
            counts[queue] = counts.get(queue, 0) + 1
    return counts


def wait_for_quiet_queues(sink: Path, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        mx, remote = queue_counts(), queue_counts(sink)
        busy = mx.get("active", 0) + mx.get("incoming", 0) + sum(remote.values())
        if busy == 0:
            return
        time.sleep(0.5)
    raise RuntimeError(f"queues did not drain: mx {queue_counts()} sink {queue_counts(sink)}")


def inside(args: argparse.Namespace) -> None:
    from postfix_config import ship_config, write_all
    from scenario import Scenario
    from syslogd import SyslogDaemon
    from truth import Truth
    from verify import check_against_log, write_outputs
    from world import (
        SINK_ADDRESSES,
        World,
        dnsmasq_config,
        ipv6_client_addresses,
        make_certificates,
        make_clients,
    )

    work = Path(args.inside)
    if args.run != "sample":
        from extra import inside_extra

        module = __import__(f"run_{args.run.replace('-', '_')}")
        inside_extra(work, Path(args.out), args.seed, module.RUN, module.scenario)
        return
    private_system(work)
    world = World(root=work)
    world.clients, world.rbl_listed, world.blocked = make_clients()
    world.uid = world.gid = 2001
    add_ipv6(["2001:db8:100::1", "2001:db8:200::1", *ipv6_client_addresses(world)])
    # Postfix listens only on addresses an interface has (127.0.0.1 alone is on lo).
    for address in SINK_ADDRESSES.values():
        _sh("ip", "addr", "add", f"{address}/32", "dev", "lo")
    for sub in ("mail", "vmail"):
        world.path(sub).mkdir()
        world.path(sub).chmod(0o1777)
    make_certificates(world)
    (work / "dnsmasq.conf").write_text(dnsmasq_config(world))
    dns = subprocess.Popen(["dnsmasq", "-k", "-u", "root", "-C", str(work / "dnsmasq.conf")])
    syslog = SyslogDaemon(Path("/dev/log"), work / "logs", DAYS[0])
    write_all(world)
    for name in ("mx", "sink"):
        shutil.chown(world.path(name, "data"), "postfix", "postfix")
    for name in ("dynamicmaps.cf", "dynamicmaps.cf.d", "postfix-files", "postfix-files.d"):
        source = Path("/etc/postfix") / name
        if source.is_dir():
            shutil.copytree(source, world.path("mx", name))
        elif source.exists():
            shutil.copy(source, world.path("mx", name))
    _bind(world.path("mx"), "/etc/postfix")  # the mx instance is this namespace's Postfix
    sink = world.path("sink")
    _sh("postfix", "start")
    _sh("postfix", "-c", str(sink), "start")
    wait_for_listeners(
        ["127.0.0.1:25", "127.0.2.1:2525", "127.0.2.4:25", "[2001:db8:200::1]:25", "127.0.0.1:53"]
    )

    truth = Truth()
    rng = random.Random(args.seed)
    scenario = Scenario(world, truth, rng, syslog)
    try:
        run_days(scenario, syslog, rng, args.scale)
        wait_for_quiet_queues(sink)
        syslog.quiet_for(1.0)
        # Deferred mail one by one ("QID: removed"), held mail at once ("Deleted: N").
        for line in _sh("postqueue", "-j").stdout.splitlines():
            entry = json.loads(line)
            if entry["queue_name"] == "deferred":
                _sh("postsuper", "-d", entry["queue_id"], "deferred")
        _sh("postsuper", "-d", "ALL", "hold")
        syslog.advance(30)
        _sh("postfix", "-c", str(sink), "stop")
        _sh("postfix", "stop")
        syslog.quiet_for(1.5)
    finally:
        syslog.close()
        dns.terminate()
    outputs = write_outputs(work / "logs", Path(args.out), truth, scenario, args.seed)
    for table in ("header_checks", "body_checks"):  # the tables the report can show
        shutil.copy(world.path("mx", table), Path(args.out) / table)
    ship_config(world, Path(args.out) / "postfix")  # for --postfix-config
    problems = check_against_log(outputs, truth)
    if problems:
        print("generate.py: the truth and the log disagree:", *problems, sep="\n  ")
        sys.exit(1)
    print(f"generate.py: {outputs['lines']} lines; truth matches the log")


def run_days(scenario: object, syslog: object, rng: random.Random, scale: float) -> None:
    from plan import run_day

    for day in DAYS:
        syslog.jump_to(day)  # type: ignore[attr-defined]
        run_day(scenario, syslog, rng, day, scale)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, default=HERE.parents[1] / "sample_logs")
    parser.add_argument("--scale", type=float, default=1.0, help="sessions per day multiplier")
    parser.add_argument(
        "--run",
        choices=["sample", "verbose", "quirks", "tls-unlogged", "sasl"],
        default="sample",
        help="which run: the main sample_logs run or one of the extra ones (extra.py)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the work directory")
    parser.add_argument("--inside", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.inside:
        inside(args)
    else:
        outside(args)


if __name__ == "__main__":
    main()
