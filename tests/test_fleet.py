"""A fleet: two hosts' stores read as one by `report --store A --store B`, and one store
the two hosts share (each ingesting into its own `host=` partition), give the report of
both hosts' logs; the DuckDB SQL of docs/fleet.md, run on the stores laid out as there
(kind=/host=/date=), gives the report's headline figures."""

from __future__ import annotations

import json
import re
import shutil
import sys
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from maillogs.cli import main
from maillogs.store.ingest import ingest, locked
from maillogs.store.layout import Place, StoreError, list_parts
from tests.test_store import NOW, ROOT, SAMPLE, SETTINGS, stored

sys.path.insert(0, str(ROOT / "benchmarks"))
from amplify import SAMPLE_FILES, copies, read_sample

FLEET = "s3://mail-logs/fleet"
ARGS = ["report", "--format", "json", "--tz", "UTC", "--year", "2026", "-q",
        "--header-checks", str(ROOT / "sample_logs" / "header_checks")]  # fmt: skip


def _report(*args: str) -> dict[str, Any]:
    result = CliRunner().invoke(main, [*ARGS, *args])
    assert result.exit_code == 0, result.output
    data: dict[str, Any] = json.loads(result.output)
    data["parse"].pop("files")
    return data


def _second_host(folder: Path) -> Path:
    """The sample's lines as another host logs them: its own name, queue ids, pids and
    client addresses, over the same three days."""
    rows = [
        (when, "mx2", program, pid, text)
        for when, _, program, pid, text in read_sample(SAMPLE_FILES)
    ]
    folder.mkdir()
    log = folder / "maillog"
    start = datetime(2026, 11, 22, 6)
    log.write_text("".join(copies(rows, 1, start, timedelta(hours=60), first_copy=7)))
    return folder


def _upload(store: Path, host: str, fleet: Path) -> None:
    """What docs/fleet.md's `aws s3 sync` loop makes of a host's store."""
    for kind in store.glob("kind=*"):
        shutil.copytree(kind, fleet / kind.name / f"host={host}", dirs_exist_ok=True)


@pytest.fixture(scope="module")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path, Path]:
    """(store of mx, store of mx2, mx2's logs' folder, the fleet's Parquet: the two
    stores uploaded as docs/fleet.md says)."""
    root = tmp_path_factory.mktemp("fleet")
    logs = _second_host(root / "mx2-logs")
    stores = root / "mx", root / "mx2"
    for store, source in zip(stores, (SAMPLE, logs), strict=True):
        assert ingest([str(source)], store, SETTINGS, NOW, wait=False).errors == []
    parquet = root / "parquet"
    for store in stores:
        _upload(store, store.name, parquet)
    return stores[0], stores[1], logs, parquet


def test_several_stores_read_as_one_give_the_report_of_their_logs(
    fleet: tuple[Path, Path, Path, Path],
) -> None:
    mx, mx2, logs, _ = fleet
    both = _report("--store", str(mx), "--store", str(mx2))
    assert both == _report(str(SAMPLE), str(logs))
    assert both["overview"]["received"] == 2 * _report(str(SAMPLE))["overview"]["received"]


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory, fleet: tuple[Path, Path, Path, Path]) -> Path:
    """One store both hosts ingest into, each into its own host= partition (mx in two
    runs, the second while mx2's lock is held: no lock is shared)."""
    store = tmp_path_factory.mktemp("shared") / "store"
    logs = fleet[2]
    first, rest = sorted(SAMPLE.iterdir(), reverse=True)  # maillog.1.gz, then maillog
    assert ingest([str(first)], Place(store, "mx"), SETTINGS, NOW, wait=False).errors == []
    assert ingest([str(logs)], Place(store, "mx2"), SETTINGS, NOW, wait=False).errors == []
    with locked(Place(store, "mx2"), wait=False):
        done = ingest([str(first), str(rest)], Place(store, "mx"), SETTINGS, NOW, wait=False)
        assert done.errors == [] and done.new_lines > 0
    return store


def test_hosts_sharing_a_store_give_the_report_of_their_logs(
    fleet: tuple[Path, Path, Path, Path], shared: Path
) -> None:
    mx, mx2, logs, _ = fleet
    assert sorted(p.name for p in shared.glob("kind=connect/*")) == ["host=mx", "host=mx2"]
    assert (shared / "_state" / "host=mx" / "checkpoint.json").is_file()
    assert not (shared / "_state" / "checkpoint.json").exists()
    both = _report(str(SAMPLE), str(logs))
    assert _report("--store", str(shared)) == both
    # each host's partition holds what its own store holds
    for host, own in (("mx", mx), ("mx2", mx2)):
        mine, theirs = stored(Place(shared, host)), stored(own)
        assert all(mine[kind].equals(theirs[kind]) for kind in theirs)
        assert sum(frame.height for frame in mine.values()) > 10_000
    # a shared store read as a whole by another tool: kind=*/**/*.parquet is everything
    events = sum(len(list_parts(Place(shared, host))) for host in ("mx", "mx2"))
    assert len(list(shared.glob("kind=*/**/*.parquet"))) == events


def test_a_shared_store_needs_the_host_to_ingest(
    fleet: tuple[Path, Path, Path, Path], shared: Path
) -> None:
    with pytest.raises(StoreError, match="give --host"):
        ingest([str(SAMPLE)], shared, SETTINGS, NOW, wait=False)
    result = CliRunner().invoke(main, ["ingest", "--store", str(shared), "--host", "../x",
                                       str(SAMPLE)])  # fmt: skip
    assert result.exit_code == 2 and "--host" in result.output


def _queries() -> dict[str, str]:
    text = (ROOT / "docs" / "fleet.md").read_text()
    found = {}
    for block in re.findall(r"```sql\n(.*?)```", text, re.S):
        name = re.match(r"-- ([^:(\n]+?)\s*[:(]", block)
        assert name, block
        found[name.group(1).strip()] = block
    return found


@pytest.mark.parametrize("layout", ["uploaded", "shared"])
def test_the_fleet_sql_gives_the_report_s_headline_figures(
    fleet: tuple[Path, Path, Path, Path], shared: Path, layout: str
) -> None:
    """On the stores uploaded as docs/fleet.md says, and on a store the hosts share."""
    duckdb = pytest.importorskip("duckdb")
    mx, mx2, _, uploaded = fleet
    parquet = uploaded if layout == "uploaded" else shared
    queries = _queries()
    assert set(queries) == {
        "queued", "rejected", "inbound TLS by level, as a share of the connections",
        "top spammers by refused sender domain", "header_checks hits by rule id",
    }  # fmt: skip

    def run(name: str) -> list[tuple[Any, ...]]:
        rows: list[tuple[Any, ...]] = duckdb.sql(
            queries[name].replace(FLEET, str(parquet))
        ).fetchall()
        return rows

    report = _report("--store", str(mx), "--store", str(mx2))
    overview = report["overview"]
    assert run("queued") == [(overview["queued"],)]
    assert run("rejected") == [(overview["rejected"],)]
    by_level = {
        level: n for level, n, _ in run("inbound TLS by level, as a share of the connections")
    }
    want = {level: n for level, n in report["tls"]["inbound"]["by_level"].items() if n}
    assert by_level == want
    spammers = [
        (row["sender_domain"], row["count"]) for row in report["spammers"]["sender_domains"]
    ]
    assert run("top spammers by refused sender domain") == spammers[:10]
    hits = {int(rule): n for rule, n in report["header_checks"]["reject_by_id"].items()}
    assert dict(run("header_checks hits by rule id")) == hits
    assert overview["received"] > 1000 and overview["rejected"] > 500
